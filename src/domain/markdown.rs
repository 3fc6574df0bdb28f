//! Markdown to safe HTML for incident and maintenance messages and postmortems.
//!
//! Raw HTML in the source is shown as text, never passed through; links and images keep only
//! http, https and mailto targets. So the output can go into a page as is.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with('/')
        || lower.starts_with('#')
}

/// Renders Markdown as sanitized HTML.
pub fn to_html(source: &str) -> String {
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed(""),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn formats_markdown() {
        assert_eq!(
            to_html("**down** since _09:00_"),
            "<p><strong>down</strong> since <em>09:00</em></p>\n"
        );
        assert!(to_html("- a\n- b").contains("<li>a</li>"));
        assert!(to_html("[status](https://example.com)").contains("href=\"https://example.com\""));
    }

    #[test]
    fn raw_html_and_scripts_never_pass_through() {
        let out = to_html("<script>alert(1)</script> and <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script") && !out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"));
        let out = to_html("[click](javascript:alert(1)) ![x](javascript:alert(2))");
        assert!(!out.contains("javascript:"), "{out}");
        let out = to_html("<div onclick=\"x\">\n\nhi\n\n</div>");
        assert!(!out.contains("<div"), "{out}");
    }
}
