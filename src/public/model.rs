//! The public view of an org: what its page may show, read from the database in one pass.
//! Private services, incidents that touch only private services, and cancelled maintenance are
//! left out here, so no renderer can leak them.

use crate::db::{
    self, incidents::Incident, maintenances::Maintenance, pages::PageSettings, AnyConnection,
};
use crate::domain::page::{days, overall, uptime_percent, weighted_downtime, Overall};
use crate::domain::{Id, Impact, MaintenanceStatus, ServiceStatus, Timestamp, Visibility};

/// How many days the uptime bars cover.
pub const UPTIME_DAYS: usize = 90;

/// The page's accent colour when none is set (Beacon's indigo).
pub const DEFAULT_ACCENT: &str = "#4f46e5";

/// One day of a service's uptime bar.
#[derive(Debug, Clone)]
pub struct Day {
    /// `YYYY-MM-DD` in the page's zone.
    pub date: String,
    /// None before the service existed.
    pub uptime: Option<f64>,
    pub downtime_seconds: f64,
    /// Incidents that touched this service that day: (id, name).
    pub incidents: Vec<(Id, String)>,
}

/// A public service.
#[derive(Debug, Clone)]
pub struct ServiceView {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub status: ServiceStatus,
    pub group_id: Option<Id>,
    pub position: i64,
    pub showcase: bool,
    pub only_show_if_degraded: bool,
    pub start_date: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub days: Vec<Day>,
    /// Over the days the service existed.
    pub uptime_90: f64,
}

/// A group with at least one public service.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub id: Id,
    pub name: String,
    pub position: i64,
    pub collapsed: bool,
    pub status: ServiceStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Its public services, in order.
    pub services: Vec<Id>,
}

/// Everything an org's public page, JSON, feeds and badges are made of.
#[derive(Debug, Clone)]
pub struct PageModel {
    pub org_id: Id,
    pub slug: String,
    pub name: String,
    /// The page's own address, without a trailing slash.
    pub url: String,
    /// Where the page's files live on this host: `/status/{slug}` (or "" on a custom domain).
    pub settings: PageSettings,
    pub time_zone: String,
    pub accent: String,
    pub updated_at: Timestamp,
    pub now: Timestamp,
    pub groups: Vec<GroupView>,
    pub services: Vec<ServiceView>,
    /// Newest first; affected services limited to public ones.
    pub incidents: Vec<Incident>,
    /// Newest window first; cancelled ones left out; services limited to public ones.
    pub maintenances: Vec<Maintenance>,
    pub overall: Overall,
}

impl PageModel {
    /// A public service by id.
    pub fn service(&self, id: &Id) -> Option<&ServiceView> {
        self.services.iter().find(|s| &s.id == id)
    }

    /// Unresolved incidents, newest first.
    pub fn unresolved(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.iter().filter(|i| !i.status.is_closed())
    }

    /// Maintenance in progress or verifying.
    pub fn active_maintenances(&self) -> impl Iterator<Item = &Maintenance> {
        self.maintenances.iter().filter(|m| m.status.is_active())
    }

    /// Scheduled maintenance, soonest first.
    pub fn upcoming_maintenances(&self) -> Vec<&Maintenance> {
        let mut v: Vec<&Maintenance> = self
            .maintenances
            .iter()
            .filter(|m| m.status == MaintenanceStatus::Scheduled)
            .collect();
        v.sort_by_key(|m| m.starts_at);
        v
    }
}

/// Reads an org's public model at `now`.
pub async fn load(
    c: &mut AnyConnection,
    org_id: &Id,
    base_url: &str,
    now: Timestamp,
) -> db::Result<PageModel> {
    let org = db::orgs::get(c, org_id).await?;
    let settings = db::pages::get(c, org_id).await?;
    let time_zone = settings
        .time_zone
        .clone()
        .unwrap_or_else(|| org.time_zone.clone());
    let url = match &settings.custom_domain {
        Some(domain) => format!(
            "{}://{domain}",
            if base_url.starts_with("https://") {
                "https"
            } else {
                "http"
            }
        ),
        None => format!("{base_url}/status/{}", org.slug),
    };
    let all_services = db::services::list(c, org_id).await?;
    let public: Vec<_> = all_services
        .into_iter()
        .filter(|s| s.visibility == Visibility::Public)
        .collect();
    let public_ids: Vec<Id> = public.iter().map(|s| s.id.clone()).collect();

    let mut incidents = db::incidents::list(c, org_id, db::incidents::Which::All, 500).await?;
    incidents.retain(|i| {
        i.services.is_empty() || i.services.iter().any(|(s, _)| public_ids.contains(s))
    });
    for i in &mut incidents {
        i.services.retain(|(s, _)| public_ids.contains(s));
        for u in &mut i.updates {
            u.services.retain(|(s, _, _)| public_ids.contains(s));
        }
    }
    let mut maintenances = db::maintenances::list(c, org_id, 200).await?;
    maintenances.retain(|m| {
        m.status != MaintenanceStatus::Cancelled
            && (m.services.is_empty() || m.services.iter().any(|(s, _)| public_ids.contains(s)))
    });
    for m in &mut maintenances {
        m.services.retain(|(s, _)| public_ids.contains(s));
    }

    let window = days(now, &time_zone, UPTIME_DAYS);
    let window_start = window.first().map(|d| d.1).unwrap_or(now);
    let filter = db::history::Filter {
        from: Some(window_start),
        ..Default::default()
    };
    let (changes, _) = db::history::list(c, org_id, &filter, 1_000_000).await?;
    let mut services = Vec::with_capacity(public.len());
    for s in public {
        let initial = db::history::status_before(c, org_id, &s.id, window_start)
            .await?
            .unwrap_or(ServiceStatus::Operational);
        let mine: Vec<(Timestamp, ServiceStatus)> = changes
            .iter()
            .filter(|c| c.service_id == s.id)
            .map(|c| (c.at, c.new_status))
            .collect();
        let born = s
            .created_at
            .min(mine.first().map(|c| c.0).unwrap_or(s.created_at));
        let mut total_down = 0.0;
        let mut total_len = 0.0;
        let mut day_views = Vec::with_capacity(window.len());
        for (date, start, end) in &window {
            if *end <= born {
                day_views.push(Day {
                    date: date.clone(),
                    uptime: None,
                    downtime_seconds: 0.0,
                    incidents: Vec::new(),
                });
                continue;
            }
            let from = (*start).max(born);
            let down = weighted_downtime(initial, &mine, from, *end);
            let len = (end.micros() - from.micros()) as f64 / 1e6;
            total_down += down;
            total_len += len;
            let touched = incidents
                .iter()
                .filter(|i| i.services.iter().any(|(sid, _)| sid == &s.id))
                .filter(|i| i.started_at < *end && i.resolved_at.is_none_or(|r| r >= *start))
                .map(|i| (i.id.clone(), i.name.clone()))
                .collect();
            day_views.push(Day {
                date: date.clone(),
                uptime: Some(uptime_percent(down, len)),
                downtime_seconds: down,
                incidents: touched,
            });
        }
        services.push(ServiceView {
            id: s.id,
            name: s.name,
            description: s.description,
            status: s.status,
            group_id: s.group_id,
            position: s.position,
            showcase: s.showcase,
            only_show_if_degraded: s.only_show_if_degraded,
            start_date: s.start_date,
            created_at: s.created_at,
            updated_at: s.updated_at,
            days: day_views,
            uptime_90: uptime_percent(total_down, total_len),
        });
    }

    let groups = db::services::list_groups(c, org_id)
        .await?
        .into_iter()
        .filter_map(|g| {
            let members: Vec<&ServiceView> = services
                .iter()
                .filter(|s| s.group_id.as_ref() == Some(&g.id))
                .collect();
            (!members.is_empty()).then(|| GroupView {
                status: crate::domain::status::worst(members.iter().map(|s| s.status)),
                services: members.iter().map(|s| s.id.clone()).collect(),
                id: g.id,
                name: g.name,
                position: g.position,
                collapsed: g.collapsed,
                created_at: g.created_at,
                updated_at: g.updated_at,
            })
        })
        .collect::<Vec<_>>();

    let impacts: Vec<Impact> = incidents
        .iter()
        .filter(|i| !i.status.is_closed())
        .map(|i| i.impact)
        .collect();
    let overall = overall(services.iter().map(|s| s.status), impacts);
    let updated_at = [Some(org.created_at), settings.updated_at]
        .into_iter()
        .flatten()
        .chain(services.iter().map(|s| s.updated_at))
        .chain(groups.iter().map(|g| g.updated_at))
        .chain(incidents.iter().map(|i| i.updated_at))
        .chain(maintenances.iter().map(|m| m.updated_at))
        .max()
        .unwrap_or(now);
    Ok(PageModel {
        org_id: org.id,
        slug: org.slug,
        name: settings.title.clone().unwrap_or(org.name),
        url,
        accent: settings
            .accent_color
            .clone()
            .unwrap_or_else(|| DEFAULT_ACCENT.to_owned()),
        settings,
        time_zone,
        updated_at,
        now,
        groups,
        services,
        incidents,
        maintenances,
        overall,
    })
}
