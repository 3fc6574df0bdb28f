//! Pieces shared by the status pages: status choices, times, service pickers, and forms with
//! per-row or repeated fields.

use super::{DashOrg, PageError};
use crate::db::services::Service;
use crate::domain::{Id, Impact, IncidentStatus, ServiceStatus, Timestamp};
use crate::error::Error;
use crate::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

/// A value of a select, with its words.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// The five service statuses, in the order people pick them (best to worst, maintenance last).
pub fn service_statuses() -> Vec<Choice> {
    use ServiceStatus::*;
    [
        Operational,
        DegradedPerformance,
        PartialOutage,
        MajorOutage,
        UnderMaintenance,
    ]
    .into_iter()
    .map(|s| Choice {
        value: s.as_str(),
        label: s.label(),
    })
    .collect()
}

/// The statuses an update of an open incident may set.
pub fn open_incident_statuses() -> Vec<Choice> {
    use IncidentStatus::*;
    [Investigating, Identified, Monitoring, Resolved]
        .into_iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: s.label(),
        })
        .collect()
}

/// Impact overrides; the empty value means "derived from the services".
pub fn impact_choices() -> Vec<Choice> {
    let mut out = vec![Choice {
        value: "",
        label: "Derived from the services",
    }];
    out.extend(
        [Impact::None, Impact::Minor, Impact::Major, Impact::Critical]
            .into_iter()
            .map(|i| Choice {
                value: i.as_str(),
                label: impact_label(i),
            }),
    );
    out
}

/// Words for an impact.
pub fn impact_label(i: Impact) -> &'static str {
    match i {
        Impact::None => "None",
        Impact::Minor => "Minor",
        Impact::Major => "Major",
        Impact::Critical => "Critical",
    }
}

/// The sentence that sums up a page whose worst service is in `status`.
pub fn overall_sentence(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Operational => "All systems operational",
        ServiceStatus::UnderMaintenance => "Maintenance in progress",
        ServiceStatus::DegradedPerformance => "Degraded performance",
        ServiceStatus::PartialOutage => "Partial outage",
        ServiceStatus::MajorOutage => "Major outage",
    }
}

/// A time as pages show it: in the org's zone, and in RFC 3339 for `<time datetime>`.
#[derive(Debug, Clone)]
pub struct When {
    pub text: String,
    pub iso: String,
}

impl When {
    /// `t` shown in `zone`.
    pub fn new(t: Timestamp, zone: &str) -> When {
        When {
            text: t.display_in(zone),
            iso: t.to_rfc3339(),
        }
    }
}

/// One row of a service picker: a service and the status chosen for it (empty: not affected).
#[derive(Debug, Clone)]
pub struct Pick {
    pub id: String,
    pub name: String,
    pub chosen: String,
    /// A line under the name (e.g. the service's status now); may be empty.
    pub note: String,
}

/// Picker rows for `services`, each with the status chosen in `chosen` (by service id).
pub fn picks(services: &[Service], chosen: &[(String, String)]) -> Vec<Pick> {
    services
        .iter()
        .map(|s| Pick {
            id: s.id.to_string(),
            name: s.name.clone(),
            chosen: chosen
                .iter()
                .find(|(id, _)| id == s.id.as_str())
                .map(|(_, st)| st.clone())
                .unwrap_or_default(),
            note: String::new(),
        })
        .collect()
}

/// The field name prefix of a picker row: `svc_<service id>`.
const PICK_PREFIX: &str = "svc_";

/// A form read field by field, for per-row fields (`svc_<id>`) and repeated ones (checkboxes),
/// which a struct cannot name.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether a checkbox was ticked (sent with a value).
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    /// Every value of a repeated field, in form order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The picker rows that chose a status: (service id, status as sent), in form order.
    pub fn picked(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(PICK_PREFIX)?.to_owned(), v.clone())))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

/// Picked rows as (service id, status); a status that is not one of the five is refused.
pub fn parse_picks(picked: &[(String, String)]) -> Result<Vec<(String, ServiceStatus)>, Error> {
    picked
        .iter()
        .map(|(id, st)| match ServiceStatus::parse(st) {
            Some(s) => Ok((id.clone(), s)),
            None => Err(Error::invalid("services", format!("{st} is not a status"))),
        })
        .collect()
}

/// Names of every service of the org, deleted ones included (incidents keep naming them).
pub async fn service_names(
    state: &AppState,
    org: &DashOrg,
) -> Result<HashMap<Id, String>, PageError> {
    let all =
        crate::db::services::list_with_deleted(&mut *state.db.conn().await?, org.access.org_id())
            .await?;
    Ok(all.into_iter().map(|s| (s.id, s.name)).collect())
}

/// A page of this org to return to after a form, from a `next` field; anything else is `fallback`.
pub fn back_in_org(org: &DashOrg, next: &str, fallback: &str) -> String {
    let prefix = format!("/orgs/{}", org.slug());
    let next = super::safe_next(Some(next));
    if next == prefix
        || next.starts_with(&format!("{prefix}/"))
        || next.starts_with(&format!("{prefix}?"))
    {
        next
    } else {
        fallback.to_owned()
    }
}

/// A field message to show as the form's message (for fields the form has no input for).
pub fn lift(mut errors: super::Errors, fields: &[&str]) -> super::Errors {
    if errors.form.is_none() {
        if let Some(m) = fields
            .iter()
            .find_map(|f| errors.fields.get(*f).map(|m| format!("{f}: {m}")))
        {
            errors.form = Some(m);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_rows_keep_only_chosen_statuses_in_form_order() {
        let f = Fields(vec![
            ("csrf".into(), "x".into()),
            ("svc_bbb".into(), "major_outage".into()),
            ("svc_aaa".into(), "".into()),
            ("svc_ccc".into(), "operational".into()),
        ]);
        assert_eq!(
            f.picked(),
            vec![
                ("bbb".to_owned(), "major_outage".to_owned()),
                ("ccc".to_owned(), "operational".to_owned())
            ]
        );
        assert!(parse_picks(&[("a".into(), "down".into())]).is_err());
    }
}
