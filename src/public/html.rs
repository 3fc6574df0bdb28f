//! The public page, incident and maintenance pages and the history, as HTML. Views hold
//! preformatted strings so templates stay plain.

use super::model::{PageModel, ServiceView};
use super::v2::{top_level, Top};
use crate::domain::markdown::to_html;
use crate::domain::{ServiceStatus, Timestamp};
use askama::Template;

/// What every public page shares.
pub struct Base {
    /// Where the page's files are on this host: `/status/{slug}`, or "" on a custom domain.
    pub prefix: String,
    pub name: String,
    pub has_logo: bool,
    pub support_url: Option<String>,
    pub time_zone: String,
}

/// A top-level row of the services list.
pub enum Row {
    Group(GroupRow),
    Service(ServiceRow),
}

pub struct GroupRow {
    name: String,
    status: &'static str,
    status_label: &'static str,
    collapsed: bool,
    services: Vec<ServiceRow>,
}

pub struct ServiceRow {
    id: String,
    name: String,
    description: Option<String>,
    status: &'static str,
    status_label: &'static str,
    uptime_90: String,
    days: Vec<DayCell>,
}

struct DayCell {
    level: &'static str,
    /// Read by screen readers and drawn as the bar's tooltip (CSS `attr()`): the date, the
    /// uptime and the day's incidents, one per line.
    label: String,
}

struct ActiveIncident {
    id: String,
    name: String,
    status: &'static str,
    impact: &'static str,
    at: String,
    at_iso: String,
    message_html: String,
}

struct MaintenanceRow {
    id: String,
    name: String,
    status: &'static str,
    description: String,
    start: String,
    start_iso: String,
    end: String,
    end_iso: String,
}

struct PastItem {
    id: String,
    kind: &'static str,
    name: String,
    status: &'static str,
    impact: &'static str,
    summary: String,
    at: String,
    at_iso: String,
}

struct PastDay {
    date: String,
    incidents: Vec<PastItem>,
}

/// What the main page and its live partials show, computed once for both.
pub struct Parts {
    indicator: &'static str,
    description: &'static str,
    updated: String,
    updated_iso: String,
    incidents: Vec<ActiveIncident>,
    maintenances: Vec<MaintenanceRow>,
    rows: Vec<Row>,
    past: Vec<PastDay>,
}

impl Parts {
    /// The tab title: the overall status first while something is wrong.
    fn title(&self, name: &str) -> String {
        match self.indicator {
            "none" => format!("{name} Status"),
            "maintenance" => format!("🔧 {} · {name} Status", self.description),
            _ => format!("⚠ {} · {name} Status", self.description),
        }
    }
}

#[derive(Template)]
#[template(path = "public/page.html")]
struct PageTemplate<'a> {
    base: &'a Base,
    p: &'a Parts,
}

/// The sections of the main page that live updates replace, each its own document.
pub const PARTIALS: [&str; 5] = ["banner", "incidents", "maintenances", "services", "past"];

macro_rules! partial {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            // The page's whole context, as `include` gives it; not every partial links somewhere.
            #[allow(dead_code)]
            base: &'a Base,
            p: &'a Parts,
        }
    };
}
partial!(BannerPartial, "public/partials/banner.html");
partial!(IncidentsPartial, "public/partials/incidents.html");
partial!(MaintenancesPartial, "public/partials/maintenances.html");
partial!(ServicesPartial, "public/partials/services.html");
partial!(PastPartial, "public/partials/past.html");

struct UpdateView {
    label: &'static str,
    html: String,
    at: String,
    at_iso: String,
    edited: bool,
}

#[derive(Template)]
#[template(path = "public/incident.html")]
struct DetailTemplate {
    base: Base,
    name: String,
    kind_label: String,
    impact: &'static str,
    status: &'static str,
    window: String,
    services: String,
    updates: Vec<UpdateView>,
    postmortem_html: Option<String>,
}

#[derive(Template)]
#[template(path = "public/history.html")]
struct HistoryTemplate {
    base: Base,
    month: String,
    previous: Option<String>,
    next: Option<String>,
    items: Vec<PastItem>,
}

fn show(t: Timestamp, zone: &str) -> String {
    t.display_in(zone)
}

fn level(uptime: Option<f64>, downtime: f64) -> &'static str {
    match uptime {
        None => "none",
        Some(_) if downtime <= 0.0 => "ok",
        Some(_) if downtime <= 300.0 => "minor",
        Some(_) if downtime <= 3600.0 => "major",
        Some(_) => "critical",
    }
}

fn percent(p: f64) -> String {
    if p >= 100.0 {
        "100%".to_owned()
    } else {
        format!("{:.2}%", (p * 100.0).floor() / 100.0)
    }
}

fn service_row(s: &ServiceView) -> ServiceRow {
    ServiceRow {
        id: s.id.to_string(),
        name: s.name.clone(),
        description: s.description.clone(),
        status: s.status.as_str(),
        status_label: s.status.label(),
        uptime_90: percent(s.uptime_90),
        days: s
            .days
            .iter()
            .map(|d| {
                let uptime = match d.uptime {
                    Some(u) => format!("{} uptime", percent(u)),
                    None => "No data".to_owned(),
                };
                let mut label = format!("{}\n{uptime}", d.date);
                for (_, n) in &d.incidents {
                    label.push('\n');
                    label.push_str(n);
                }
                DayCell {
                    level: level(d.uptime, d.downtime_seconds),
                    label,
                }
            })
            .collect(),
    }
}

fn excerpt(markdown: &str) -> String {
    let plain: String = markdown
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '#' | '`'))
        .collect();
    let one_line = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 160 {
        format!("{}…", one_line.chars().take(160).collect::<String>())
    } else {
        one_line
    }
}

fn past_items(m: &PageModel, from: Timestamp, to: Timestamp) -> Vec<PastItem> {
    let zone = &m.time_zone;
    let mut items: Vec<(Timestamp, PastItem)> = m
        .incidents
        .iter()
        .filter(|i| i.started_at >= from && i.started_at < to)
        .map(|i| {
            let latest = i.updates.first();
            (
                i.started_at,
                PastItem {
                    id: i.id.to_string(),
                    kind: "incidents",
                    name: i.name.clone(),
                    status: i.status.label(),
                    impact: i.impact.as_str(),
                    summary: latest.map(|u| excerpt(&u.message)).unwrap_or_default(),
                    at: show(i.started_at, zone),
                    at_iso: i.started_at.to_rfc3339(),
                },
            )
        })
        .collect();
    items.extend(
        m.maintenances
            .iter()
            .filter(|x| x.starts_at >= from && x.starts_at < to && x.starts_at <= m.now)
            .map(|x| {
                (
                    x.starts_at,
                    PastItem {
                        id: x.id.to_string(),
                        kind: "maintenances",
                        name: x.name.clone(),
                        status: x.status.label(),
                        impact: "maintenance",
                        summary: x
                            .updates
                            .first()
                            .map(|u| excerpt(&u.message))
                            .unwrap_or_default(),
                        at: show(x.starts_at, zone),
                        at_iso: x.starts_at.to_rfc3339(),
                    },
                )
            }),
    );
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    items.into_iter().map(|(_, i)| i).collect()
}

/// What the main page shows, for [`page`] and [`partial`].
pub fn parts(m: &PageModel) -> Parts {
    let zone = &m.time_zone;
    let rows = top_level(m)
        .into_iter()
        .filter_map(|t| match t {
            Top::Group(g) => Some(Row::Group(GroupRow {
                name: g.name.clone(),
                status: g.status.as_str(),
                status_label: g.status.label(),
                collapsed: g.collapsed,
                services: g
                    .services
                    .iter()
                    .filter_map(|id| m.service(id))
                    .filter(|s| visible(s))
                    .map(service_row)
                    .collect(),
            })),
            Top::Service(id) => m
                .service(id)
                .filter(|s| visible(s))
                .map(|s| Row::Service(service_row(s))),
        })
        .collect();
    let incidents = m
        .unresolved()
        .map(|i| {
            let latest = i.updates.first();
            ActiveIncident {
                id: i.id.to_string(),
                name: i.name.clone(),
                status: i.status.label(),
                impact: i.impact.as_str(),
                at: latest.map(|u| show(u.display_at, zone)).unwrap_or_default(),
                at_iso: latest
                    .map(|u| u.display_at.to_rfc3339())
                    .unwrap_or_default(),
                message_html: latest.map(|u| to_html(&u.message)).unwrap_or_default(),
            }
        })
        .collect();
    let maintenances = m
        .active_maintenances()
        .chain(m.upcoming_maintenances())
        .map(|x| MaintenanceRow {
            id: x.id.to_string(),
            name: x.name.clone(),
            status: x.status.label(),
            description: x.description.clone(),
            start: show(x.starts_at, zone),
            start_iso: x.starts_at.to_rfc3339(),
            end: show(x.ends_at, zone),
            end_iso: x.ends_at.to_rfc3339(),
        })
        .collect();
    let days = crate::domain::page::days(m.now, zone, 14);
    let past = days
        .iter()
        .rev()
        .map(|(date, start, end)| {
            let label = date
                .parse::<jiff::civil::Date>()
                .map(|d| d.strftime("%b %-d, %Y").to_string())
                .unwrap_or_else(|_| date.clone());
            let end = if *end == m.now {
                m.now.plus_seconds(1)
            } else {
                *end
            };
            PastDay {
                date: label,
                incidents: past_items(m, *start, end),
            }
        })
        .collect();
    Parts {
        indicator: m.overall.indicator.as_str(),
        description: m.overall.description,
        updated: show(m.updated_at, zone),
        updated_iso: m.updated_at.to_rfc3339(),
        incidents,
        maintenances,
        rows,
        past,
    }
}

/// The main page.
pub fn page(p: &Parts, base: &Base) -> Result<String, askama::Error> {
    PageTemplate { base, p }.render()
}

/// One of the main page's [`PARTIALS`], exactly as the page includes it.
pub fn partial(name: &str, p: &Parts, base: &Base) -> Result<String, askama::Error> {
    match name {
        "banner" => BannerPartial { base, p }.render(),
        "incidents" => IncidentsPartial { base, p }.render(),
        "maintenances" => MaintenancesPartial { base, p }.render(),
        "services" => ServicesPartial { base, p }.render(),
        _ => PastPartial { base, p }.render(),
    }
}

/// `only_show_if_degraded` services appear only while something is wrong with them.
fn visible(s: &ServiceView) -> bool {
    !s.only_show_if_degraded || s.status != ServiceStatus::Operational
}

fn services_list(m: &PageModel, ids: impl Iterator<Item = crate::domain::Id>) -> String {
    ids.filter_map(|id| m.service(&id).map(|s| s.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One incident's page.
pub fn incident(
    m: &PageModel,
    i: &crate::db::incidents::Incident,
    base: Base,
) -> Result<String, askama::Error> {
    let zone = &m.time_zone;
    let updates = timeline(&i.updates, zone);
    let window = match i.resolved_at {
        Some(r) => format!("{} – {}", show(i.started_at, zone), show(r, zone)),
        None => format!("Since {}", show(i.started_at, zone)),
    };
    DetailTemplate {
        base,
        name: i.name.clone(),
        kind_label: format!("{} impact", capital(i.impact.as_str())),
        impact: i.impact.as_str(),
        status: i.status.label(),
        window,
        services: services_list(m, i.services.iter().map(|(s, _)| s.clone())),
        updates,
        postmortem_html: i
            .postmortem_published_at
            .and(i.postmortem_body.as_deref())
            .map(to_html),
    }
    .render()
}

/// One maintenance's page.
pub fn maintenance(
    m: &PageModel,
    x: &crate::db::maintenances::Maintenance,
    base: Base,
) -> Result<String, askama::Error> {
    let zone = &m.time_zone;
    let updates = timeline(&x.updates, zone);
    DetailTemplate {
        base,
        name: x.name.clone(),
        kind_label: "Maintenance".to_owned(),
        impact: "maintenance",
        status: x.status.label(),
        window: format!("{} – {}", show(x.starts_at, zone), show(x.ends_at, zone)),
        services: services_list(m, x.services.iter().map(|(s, _)| s.clone())),
        updates,
        postmortem_html: None,
    }
    .render()
}

fn timeline<U: super::TimelineUpdate>(updates: &[U], zone: &str) -> Vec<UpdateView> {
    updates
        .iter()
        .zip(super::timeline_labels(updates))
        .map(|(u, label)| UpdateView {
            label,
            html: to_html(u.message()),
            at: show(u.display_at(), zone),
            at_iso: u.display_at().to_rfc3339(),
            edited: u.edited(),
        })
        .collect()
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The months the history covers (`YYYY-MM`), newest first: this month back to the oldest
/// incident's, at most 36.
pub fn months(m: &PageModel) -> Vec<String> {
    let tz = jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let month_of = |t: Timestamp| {
        jiff::Timestamp::from_microsecond(t.micros())
            .map(|ts| ts.to_zoned(tz.clone()).date().first_of_month())
            .ok()
    };
    let Some(now) = month_of(m.now) else {
        return Vec::new();
    };
    let oldest = m
        .incidents
        .iter()
        .map(|i| i.started_at)
        .chain(m.maintenances.iter().map(|x| x.starts_at))
        .min()
        .and_then(month_of)
        .unwrap_or(now);
    let mut out = Vec::new();
    let mut cur = now;
    while cur >= oldest && out.len() < 36 {
        out.push(cur.strftime("%Y-%m").to_string());
        match cur.checked_sub(jiff::Span::new().months(1)) {
            Ok(prev) => cur = prev,
            Err(_) => break,
        }
    }
    out
}

/// The history page of one month (`YYYY-MM`), with links to its neighbours.
pub fn history(
    m: &PageModel,
    month: &str,
    months: &[String],
    base: Base,
) -> Result<String, askama::Error> {
    let tz = jiff::tz::TimeZone::get(&m.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = format!("{month}-01").parse::<jiff::civil::Date>().ok();
    let bounds = start.and_then(|d| {
        let s = d.to_zoned(tz.clone()).ok()?;
        let e = d
            .checked_add(jiff::Span::new().months(1))
            .ok()?
            .to_zoned(tz.clone())
            .ok()?;
        Some((
            Timestamp::from_micros(s.timestamp().as_microsecond()),
            Timestamp::from_micros(e.timestamp().as_microsecond()),
        ))
    });
    let items = bounds.map(|(s, e)| past_items(m, s, e)).unwrap_or_default();
    let i = months.iter().position(|x| x == month);
    HistoryTemplate {
        base,
        month: start
            .map(|d| d.strftime("%B %Y").to_string())
            .unwrap_or_else(|| month.to_owned()),
        previous: i.and_then(|i| months.get(i + 1).cloned()),
        next: i
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| months.get(i).cloned()),
        items,
    }
    .render()
}
