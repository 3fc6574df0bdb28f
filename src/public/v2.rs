//! Statuspage API v2, field for field: compact JSON, Statuspage's key order, timestamps with
//! three fractional digits in the page's zone, `[]` for empty lists, at most 50 items.

use super::model::PageModel;
use crate::db::{incidents::Incident, maintenances::Maintenance};
use crate::domain::{Id, ServiceStatus, Timestamp};
use serde::Serialize;

/// A timestamp as Statuspage writes it: `2022-02-15T13:37:37.407-08:00`, or `…Z` on UTC pages.
pub fn timestamp(t: Timestamp, zone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_microsecond(t.micros()) else {
        return t.to_rfc3339();
    };
    if matches!(
        zone,
        "UTC" | "Etc/UTC" | "Etc/Universal" | "Universal" | "Zulu" | "Etc/Zulu"
    ) {
        return ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    }
    match ts.in_tz(zone) {
        Ok(z) => z.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
        Err(_) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    }
}

#[derive(Serialize)]
struct Page<'a> {
    id: &'a str,
    name: &'a str,
    url: &'a str,
    time_zone: &'a str,
    updated_at: String,
}

#[derive(Serialize)]
struct Status {
    indicator: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct Component<'a> {
    id: &'a str,
    name: &'a str,
    status: ServiceStatus,
    created_at: String,
    updated_at: String,
    position: i64,
    description: Option<&'a str>,
    showcase: bool,
    start_date: Option<&'a str>,
    group_id: Option<&'a str>,
    page_id: &'a str,
    group: bool,
    only_show_if_degraded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
struct AffectedComponent<'a> {
    code: &'a str,
    name: &'a str,
    old_status: ServiceStatus,
    new_status: ServiceStatus,
}

#[derive(Serialize)]
struct Update<'a> {
    id: &'a str,
    status: &'static str,
    body: &'a str,
    incident_id: &'a str,
    created_at: String,
    updated_at: String,
    display_at: String,
    affected_components: Option<Vec<AffectedComponent<'a>>>,
    deliver_notifications: bool,
    custom_tweet: Option<()>,
    tweet_id: Option<()>,
}

#[derive(Serialize)]
struct IncidentBody<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    created_at: String,
    updated_at: String,
    monitoring_at: Option<String>,
    resolved_at: Option<String>,
    impact: &'static str,
    shortlink: String,
    started_at: String,
    page_id: &'a str,
    incident_updates: Vec<Update<'a>>,
    components: Vec<Component<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_until: Option<String>,
    reminder_intervals: Option<()>,
}

/// Builds the v2 bodies of one page model.
pub struct V2<'a> {
    m: &'a PageModel,
}

impl<'a> V2<'a> {
    /// Renderer over a model.
    pub fn new(m: &'a PageModel) -> Self {
        V2 { m }
    }

    fn ts(&self, t: Timestamp) -> String {
        timestamp(t, &self.m.time_zone)
    }

    fn page(&self) -> Page<'a> {
        Page {
            id: self.m.org_id.as_str(),
            name: &self.m.name,
            url: &self.m.url,
            time_zone: &self.m.time_zone,
            updated_at: self.ts(self.m.updated_at),
        }
    }

    fn status(&self) -> Status {
        Status {
            indicator: self.m.overall.indicator.as_str(),
            description: self.m.overall.description,
        }
    }

    fn service(&self, id: &Id) -> Option<Component<'a>> {
        let m = self.m;
        let s = m.service(id)?;
        let siblings: Vec<&Id> = match &s.group_id {
            Some(g) => m
                .groups
                .iter()
                .find(|x| &x.id == g)
                .map(|x| x.services.iter().collect())
                .unwrap_or_default(),
            None => top_level(m)
                .into_iter()
                .filter_map(|t| match t {
                    Top::Service(id) => Some(id),
                    Top::Group(_) => None,
                })
                .collect(),
        };
        let position = match &s.group_id {
            Some(_) => siblings.iter().position(|x| *x == &s.id).unwrap_or(0) as i64 + 1,
            None => {
                top_level(m)
                    .iter()
                    .position(|t| matches!(t, Top::Service(x) if *x == &s.id))
                    .unwrap_or(0) as i64
                    + 1
            }
        };
        Some(Component {
            id: s.id.as_str(),
            name: &s.name,
            status: s.status,
            created_at: self.ts(s.created_at),
            updated_at: self.ts(s.updated_at),
            position,
            description: s.description.as_deref(),
            showcase: s.showcase,
            start_date: s.start_date.as_deref(),
            group_id: s.group_id.as_ref().map(|g| g.as_str()),
            page_id: m.org_id.as_str(),
            group: false,
            only_show_if_degraded: s.only_show_if_degraded,
            components: None,
        })
    }

    fn components(&self) -> Vec<Component<'a>> {
        let m = self.m;
        let mut out: Vec<Component<'a>> = Vec::new();
        for (i, top) in top_level(m).into_iter().enumerate() {
            match top {
                Top::Service(id) => out.extend(self.service(id)),
                Top::Group(g) => {
                    out.push(Component {
                        id: g.id.as_str(),
                        name: &g.name,
                        status: g.status,
                        created_at: self.ts(g.created_at),
                        updated_at: self.ts(g.updated_at),
                        position: i as i64 + 1,
                        description: None,
                        showcase: false,
                        start_date: None,
                        group_id: None,
                        page_id: m.org_id.as_str(),
                        group: true,
                        only_show_if_degraded: false,
                        components: Some(g.services.iter().map(|s| s.as_str()).collect()),
                    });
                    out.extend(g.services.iter().filter_map(|s| self.service(s)));
                }
            }
        }
        // Statuspage's flat list is ordered by position alone (children and top level interleave).
        out.sort_by_key(|c| c.position);
        out
    }

    fn incident(&self, i: &'a Incident) -> IncidentBody<'a> {
        let m = self.m;
        let updates = i
            .updates
            .iter()
            .map(|u| Update {
                id: u.id.as_str(),
                status: u.status.as_str(),
                body: &u.message,
                incident_id: i.id.as_str(),
                created_at: self.ts(u.created_at),
                updated_at: self.ts(u.edited_at.unwrap_or(u.created_at)),
                display_at: self.ts(u.display_at),
                affected_components: (!u.services.is_empty()).then(|| {
                    u.services
                        .iter()
                        .filter_map(|(sid, old, new)| {
                            m.service(sid).map(|s| AffectedComponent {
                                code: s.id.as_str(),
                                name: &s.name,
                                old_status: *old,
                                new_status: *new,
                            })
                        })
                        .collect()
                }),
                deliver_notifications: u.notify,
                custom_tweet: None,
                tweet_id: None,
            })
            .collect();
        IncidentBody {
            id: i.id.as_str(),
            name: &i.name,
            status: i.status.as_str(),
            created_at: self.ts(i.created_at),
            updated_at: self.ts(i.updated_at),
            monitoring_at: i.monitoring_at.map(|t| self.ts(t)),
            resolved_at: i.resolved_at.map(|t| self.ts(t)),
            impact: i.impact.as_str(),
            shortlink: format!("{}/incidents/{}", m.url, i.id),
            started_at: self.ts(i.started_at),
            page_id: m.org_id.as_str(),
            incident_updates: updates,
            components: i
                .services
                .iter()
                .filter_map(|(s, _)| self.service(s))
                .collect(),
            scheduled_for: None,
            scheduled_until: None,
            reminder_intervals: None,
        }
    }

    fn maintenance(&self, x: &'a Maintenance) -> IncidentBody<'a> {
        let m = self.m;
        let verifying_at = x
            .updates
            .iter()
            .filter(|u| u.status == crate::domain::MaintenanceStatus::Verifying)
            .map(|u| u.display_at)
            .min();
        IncidentBody {
            id: x.id.as_str(),
            name: &x.name,
            status: x.status.as_str(),
            created_at: self.ts(x.created_at),
            updated_at: self.ts(x.updated_at),
            monitoring_at: verifying_at.map(|t| self.ts(t)),
            resolved_at: x
                .completed_at
                .filter(|_| x.status == crate::domain::MaintenanceStatus::Completed)
                .map(|t| self.ts(t)),
            impact: "maintenance",
            shortlink: format!("{}/maintenances/{}", m.url, x.id),
            started_at: self.ts(x.started_at.unwrap_or(x.starts_at)),
            page_id: m.org_id.as_str(),
            incident_updates: x
                .updates
                .iter()
                .map(|u| Update {
                    id: u.id.as_str(),
                    status: u.status.as_str(),
                    body: &u.message,
                    incident_id: x.id.as_str(),
                    created_at: self.ts(u.created_at),
                    updated_at: self.ts(u.edited_at.unwrap_or(u.created_at)),
                    display_at: self.ts(u.display_at),
                    affected_components: None,
                    deliver_notifications: u.notify,
                    custom_tweet: None,
                    tweet_id: None,
                })
                .collect(),
            components: x
                .services
                .iter()
                .filter_map(|(s, _)| self.service(s))
                .collect(),
            scheduled_for: Some(self.ts(x.starts_at)),
            scheduled_until: Some(self.ts(x.ends_at)),
            reminder_intervals: None,
        }
    }

    fn unresolved(&self) -> Vec<IncidentBody<'a>> {
        self.m
            .unresolved()
            .take(50)
            .map(|i| self.incident(i))
            .collect()
    }

    fn upcoming(&self) -> Vec<IncidentBody<'a>> {
        self.m
            .upcoming_maintenances()
            .into_iter()
            .take(50)
            .map(|x| self.maintenance(x))
            .collect()
    }

    fn active(&self) -> Vec<IncidentBody<'a>> {
        let mut v: Vec<&Maintenance> = self.m.active_maintenances().collect();
        v.sort_by_key(|x| x.starts_at);
        v.into_iter()
            .take(50)
            .map(|x| self.maintenance(x))
            .collect()
    }

    /// Every endpoint: (path under the page, compact JSON body).
    pub fn all(&self) -> Vec<(&'static str, String)> {
        #[derive(Serialize)]
        struct Summary<'a> {
            page: Page<'a>,
            components: Vec<Component<'a>>,
            incidents: Vec<IncidentBody<'a>>,
            scheduled_maintenances: Vec<IncidentBody<'a>>,
            status: Status,
        }
        #[derive(Serialize)]
        struct WithStatus<'a> {
            page: Page<'a>,
            status: Status,
        }
        #[derive(Serialize)]
        struct WithComponents<'a> {
            page: Page<'a>,
            components: Vec<Component<'a>>,
        }
        #[derive(Serialize)]
        struct WithIncidents<'a> {
            page: Page<'a>,
            incidents: Vec<IncidentBody<'a>>,
        }
        #[derive(Serialize)]
        struct WithMaintenances<'a> {
            page: Page<'a>,
            scheduled_maintenances: Vec<IncidentBody<'a>>,
        }
        let json = |v: &dyn erased::Json| v.to_json();
        let mut scheduled: Vec<IncidentBody<'a>> = self.upcoming();
        scheduled.extend(self.active());
        scheduled.sort_by(|a, b| a.scheduled_for.cmp(&b.scheduled_for));
        let recent_incidents = self
            .m
            .incidents
            .iter()
            .take(50)
            .map(|i| self.incident(i))
            .collect();
        let recent_maintenances = self
            .m
            .maintenances
            .iter()
            .take(50)
            .map(|x| self.maintenance(x))
            .collect();
        vec![
            (
                "api/v2/summary.json",
                json(&Summary {
                    page: self.page(),
                    components: self.components(),
                    incidents: self.unresolved(),
                    scheduled_maintenances: scheduled,
                    status: self.status(),
                }),
            ),
            (
                "api/v2/status.json",
                json(&WithStatus {
                    page: self.page(),
                    status: self.status(),
                }),
            ),
            (
                "api/v2/components.json",
                json(&WithComponents {
                    page: self.page(),
                    components: self.components(),
                }),
            ),
            (
                "api/v2/incidents.json",
                json(&WithIncidents {
                    page: self.page(),
                    incidents: recent_incidents,
                }),
            ),
            (
                "api/v2/incidents/unresolved.json",
                json(&WithIncidents {
                    page: self.page(),
                    incidents: self.unresolved(),
                }),
            ),
            (
                "api/v2/scheduled-maintenances.json",
                json(&WithMaintenances {
                    page: self.page(),
                    scheduled_maintenances: recent_maintenances,
                }),
            ),
            (
                "api/v2/scheduled-maintenances/upcoming.json",
                json(&WithMaintenances {
                    page: self.page(),
                    scheduled_maintenances: self.upcoming(),
                }),
            ),
            (
                "api/v2/scheduled-maintenances/active.json",
                json(&WithMaintenances {
                    page: self.page(),
                    scheduled_maintenances: self.active(),
                }),
            ),
        ]
    }
}

mod erased {
    /// Serializes to compact JSON without naming the type.
    pub trait Json {
        fn to_json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
        }
    }
}

/// A top-level row of the page: a group or an ungrouped service.
pub enum Top<'a> {
    Group(&'a super::model::GroupView),
    Service(&'a Id),
}

/// The page's top level in order: groups and ungrouped services by position.
pub fn top_level(m: &PageModel) -> Vec<Top<'_>> {
    let mut rows: Vec<(i64, u8, Top<'_>)> = m
        .groups
        .iter()
        .map(|g| (g.position, 0, Top::Group(g)))
        .collect();
    rows.extend(
        m.services
            .iter()
            .filter(|s| s.group_id.is_none())
            .map(|s| (s.position, 1, Top::Service(&s.id))),
    );
    rows.sort_by_key(|(p, kind, _)| (*p, *kind));
    rows.into_iter().map(|(_, _, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::timestamp;
    use crate::domain::Timestamp;

    #[test]
    fn timestamps_have_three_digits_and_the_zone_offset() {
        let t = Timestamp::from_micros(1_644_961_057_407_123);
        assert_eq!(timestamp(t, "UTC"), "2022-02-15T21:37:37.407Z");
        assert_eq!(
            timestamp(t, "America/Tijuana"),
            "2022-02-15T13:37:37.407-08:00"
        );
        assert_eq!(
            timestamp(t, "Europe/London"),
            "2022-02-15T21:37:37.407+00:00"
        );
    }
}
