//! Service statuses, their severity, group rollups and the incident impact they imply.

use serde::{Deserialize, Serialize};

/// A service's status (the Statuspage component statuses, exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
}

impl ServiceStatus {
    /// Every status, best first.
    pub const ALL: [ServiceStatus; 5] = [
        ServiceStatus::Operational,
        ServiceStatus::UnderMaintenance,
        ServiceStatus::DegradedPerformance,
        ServiceStatus::PartialOutage,
        ServiceStatus::MajorOutage,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Operational => "operational",
            ServiceStatus::DegradedPerformance => "degraded_performance",
            ServiceStatus::PartialOutage => "partial_outage",
            ServiceStatus::MajorOutage => "major_outage",
            ServiceStatus::UnderMaintenance => "under_maintenance",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<ServiceStatus> {
        ServiceStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Words for people, e.g. "Partial outage".
    pub fn label(self) -> &'static str {
        match self {
            ServiceStatus::Operational => "Operational",
            ServiceStatus::DegradedPerformance => "Degraded performance",
            ServiceStatus::PartialOutage => "Partial outage",
            ServiceStatus::MajorOutage => "Major outage",
            ServiceStatus::UnderMaintenance => "Under maintenance",
        }
    }

    /// How bad it is for users: higher is worse (maintenance sits between fine and degraded).
    pub fn severity(self) -> u8 {
        match self {
            ServiceStatus::Operational => 0,
            ServiceStatus::UnderMaintenance => 1,
            ServiceStatus::DegradedPerformance => 2,
            ServiceStatus::PartialOutage => 3,
            ServiceStatus::MajorOutage => 4,
        }
    }

    /// The incident impact this status implies.
    pub fn impact(self) -> Impact {
        match self {
            ServiceStatus::Operational | ServiceStatus::UnderMaintenance => Impact::None,
            ServiceStatus::DegradedPerformance => Impact::Minor,
            ServiceStatus::PartialOutage => Impact::Major,
            ServiceStatus::MajorOutage => Impact::Critical,
        }
    }
}

impl std::fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The worst of some statuses (a group's status is the worst of its services'); operational if none.
pub fn worst(statuses: impl IntoIterator<Item = ServiceStatus>) -> ServiceStatus {
    statuses
        .into_iter()
        .max_by_key(|s| s.severity())
        .unwrap_or(ServiceStatus::Operational)
}

/// An incident's impact, as Statuspage names it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

impl Impact {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<Impact> {
        [Impact::None, Impact::Minor, Impact::Major, Impact::Critical]
            .into_iter()
            .find(|i| i.as_str() == s)
    }
}

impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The impact derived from every status an incident ever gave its services (resolving does not
/// lower it), unless an override replaces it.
pub fn incident_impact(
    statuses_ever_set: impl IntoIterator<Item = ServiceStatus>,
    override_: Option<Impact>,
) -> Impact {
    override_.unwrap_or_else(|| {
        statuses_ever_set
            .into_iter()
            .map(ServiceStatus::impact)
            .max()
            .unwrap_or(Impact::None)
    })
}

/// Who may see a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// On the public page and in the dashboard.
    Public,
    /// Only in the dashboard.
    Private,
}

impl Visibility {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// Why a service's status changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// The service was created with this status.
    Created,
    /// Someone set it by hand.
    Manual,
    /// An incident update set it.
    Incident,
    /// A maintenance window started or ended.
    Maintenance,
    /// A health check moved it.
    Monitor,
}

impl Cause {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Created => "created",
            Cause::Manual => "manual",
            Cause::Incident => "incident",
            Cause::Maintenance => "maintenance",
            Cause::Monitor => "monitor",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<Cause> {
        [
            Cause::Created,
            Cause::Manual,
            Cause::Incident,
            Cause::Maintenance,
            Cause::Monitor,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::ServiceStatus::*;
    use super::*;

    #[test]
    fn a_group_is_as_bad_as_its_worst_service() {
        assert_eq!(
            worst([Operational, PartialOutage, DegradedPerformance]),
            PartialOutage
        );
        assert_eq!(worst([Operational, UnderMaintenance]), UnderMaintenance);
        assert_eq!(
            worst([UnderMaintenance, DegradedPerformance]),
            DegradedPerformance
        );
        assert_eq!(worst([]), Operational);
    }

    #[test]
    fn impact_follows_the_worst_status_ever_set_unless_overridden() {
        assert_eq!(incident_impact([], None), Impact::None);
        assert_eq!(incident_impact([Operational], None), Impact::None);
        assert_eq!(incident_impact([DegradedPerformance], None), Impact::Minor);
        assert_eq!(
            incident_impact([PartialOutage, Operational], None),
            Impact::Major
        );
        assert_eq!(
            incident_impact([MajorOutage, DegradedPerformance, Operational], None),
            Impact::Critical
        );
        assert_eq!(
            incident_impact([MajorOutage], Some(Impact::Minor)),
            Impact::Minor
        );
    }

    #[test]
    fn names_round_trip() {
        for s in ServiceStatus::ALL {
            assert_eq!(ServiceStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ServiceStatus::parse("down"), None);
        assert_eq!(Impact::parse("critical"), Some(Impact::Critical));
        assert_eq!(Cause::parse("monitor"), Some(Cause::Monitor));
    }
}
