//! `/history.atom` and `/history.rss` in Statuspage's form (see ../shared/statuspage-v2/feeds.md):
//! one entry per incident or maintenance, newest first, its updates as escaped HTML paragraphs.

use super::model::PageModel;
use crate::domain::Timestamp;
use std::fmt::Write;

/// Escapes text for XML and HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\r' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn zoned(t: Timestamp, zone: &str) -> Option<jiff::Zoned> {
    jiff::Timestamp::from_microsecond(t.micros())
        .ok()?
        .in_tz(zone)
        .ok()
}

/// One feed entry: an incident or a maintenance.
struct Entry {
    path: String,
    title: String,
    published: Timestamp,
    updated: Timestamp,
    html: String,
}

fn paragraph(out: &mut String, at: Timestamp, zone: &str, label: &str, body: &str) {
    let (month, day, time, abbr) = match zoned(at, zone) {
        Some(z) => (
            z.strftime("%b").to_string(),
            z.day(),
            z.strftime("%H:%M").to_string(),
            z.strftime("%Z").to_string(),
        ),
        None => (String::new(), 0, String::new(), String::new()),
    };
    let body = escape(body)
        .replace("\r\n", "<br />")
        .replace('\n', "<br />");
    let _ = write!(
        out,
        "<p><small>{month} <var data-var='date'>{day:>2}</var>, <var data-var='time'>{time}</var> {abbr}</small><br><strong>{label}</strong> - {body}</p>"
    );
}

/// One paragraph per update, newest first.
fn paragraphs<U: super::TimelineUpdate>(out: &mut String, updates: &[U], zone: &str) {
    for (u, label) in updates.iter().zip(super::timeline_labels(updates)) {
        paragraph(out, u.display_at(), zone, label, u.message());
    }
}

fn entries(m: &PageModel) -> Vec<Entry> {
    let mut out = Vec::new();
    for i in &m.incidents {
        let mut html = String::new();
        paragraphs(&mut html, &i.updates, &m.time_zone);
        let published = i
            .updates
            .iter()
            .map(|u| u.display_at)
            .max()
            .unwrap_or(i.started_at);
        out.push(Entry {
            path: format!("/incidents/{}", i.id),
            title: i.name.clone(),
            published,
            updated: i.updated_at.max(published),
            html,
        });
    }
    for x in &m.maintenances {
        let mut html = String::new();
        if let (Some(s), Some(e)) = (
            zoned(x.starts_at, &m.time_zone),
            zoned(x.ends_at, &m.time_zone),
        ) {
            let _ = write!(
                html,
                "<p><strong>THIS IS A SCHEDULED EVENT {} <var data-var='date'>{}</var>, <var data-var='time'>{}</var> - <var data-var='time'>{}</var> {}</strong></p>",
                s.strftime("%b"),
                s.day(),
                s.strftime("%H:%M"),
                e.strftime("%H:%M"),
                s.strftime("%Z")
            );
        }
        paragraphs(&mut html, &x.updates, &m.time_zone);
        out.push(Entry {
            path: format!("/maintenances/{}", x.id),
            title: x.name.clone(),
            published: x.starts_at,
            updated: x.updated_at.max(x.starts_at),
            html,
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.published));
    out.truncate(25);
    out
}

fn utc_seconds(t: Timestamp) -> String {
    jiff::Timestamp::from_microsecond(t.micros())
        .map(|ts| ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn rfc822(t: Timestamp, zone: &str) -> String {
    zoned(t, zone)
        .map(|z| z.strftime("%a, %d %b %Y %H:%M:%S %z").to_string())
        .unwrap_or_default()
}

fn host_of(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or(url)
}

/// The Atom 1.0 feed.
pub fn atom(m: &PageModel) -> String {
    let host = escape(host_of(&m.url));
    let url = escape(&m.url);
    let name = escape(&m.name);
    let entries = entries(m);
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(m.updated_at)
        .max(m.updated_at);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xml:lang=\"en-US\" xmlns=\"http://www.w3.org/2005/Atom\">\n  <id>tag:{host},2005:{path}/history</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{url}/history.atom\"/>\n  <title>{name} Status - Incident History</title>\n  <updated>{}</updated>\n  <author>\n    <name>{name}</name>\n  </author>\n",
        utc_seconds(updated),
        path = escape(url_path(&m.url)),
    );
    for e in &entries {
        let kind = if e.path.starts_with("/incidents/") {
            "Incident"
        } else {
            "Maintenance"
        };
        let id = e.path.rsplit('/').next().unwrap_or("");
        let _ = write!(
            out,
            "  <entry>\n    <id>tag:{host},2005:{kind}/{id}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{url}{}\"/>\n    <title>{}</title>\n    <content type=\"html\">{}</content>\n  </entry>\n",
            utc_seconds(e.published),
            utc_seconds(e.updated),
            escape(&e.path),
            escape(&e.title),
            escape(&e.html)
        );
    }
    out.push_str("</feed>\n");
    out
}

fn url_path(url: &str) -> &str {
    let after_scheme = url.split("://").nth(1).unwrap_or(url);
    after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("")
}

/// The RSS 2.0 feed.
pub fn rss(m: &PageModel) -> String {
    let url = escape(&m.url);
    let entries = entries(m);
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(m.updated_at)
        .max(m.updated_at);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n  <channel>\n    <title>{} Status - Incident History</title>\n    <link>{url}</link>\n    <description>Statuspage</description>\n    <atom:link href=\"{url}/history.rss\" rel=\"self\" type=\"application/rss+xml\"/>\n    <pubDate>{}</pubDate>\n",
        escape(&m.name),
        rfc822(updated, &m.time_zone)
    );
    for e in &entries {
        let link = format!("{url}{}", escape(&e.path));
        let _ = write!(
            out,
            "    <item>\n      <title>{}</title>\n      <description>{}</description>\n      <pubDate>{}</pubDate>\n      <link>{link}</link>\n      <guid>{link}</guid>\n    </item>\n",
            escape(&e.title),
            escape(&e.html),
            rfc822(e.published, &m.time_zone)
        );
    }
    out.push_str("  </channel>\n</rss>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn paragraphs_pad_the_day_and_turn_newlines_into_breaks() {
        let mut out = String::new();
        // 2022-02-09 19:46 UTC
        paragraph(
            &mut out,
            Timestamp::from_micros(1_644_435_960_000_000),
            "UTC",
            "Resolved",
            "Fixed.\nAll good <now>.",
        );
        assert_eq!(out, "<p><small>Feb <var data-var='date'> 9</var>, <var data-var='time'>19:46</var> UTC</small><br><strong>Resolved</strong> - Fixed.<br />All good &lt;now&gt;.</p>");
    }
}
