//! Events for live streams: one line at each write site appends the event in the write's own
//! transaction, so an event exists exactly when its change commits. Payloads are shaped like the
//! Statuspage v2 objects (a component, an incident, a scheduled maintenance).

use crate::db::{
    self, incidents::Incident, maintenances::Maintenance, services::Service, AnyConnection,
};
use crate::domain::{Id, Timestamp, Visibility};
use crate::error::Result;
use serde_json::{json, Value};

/// Declares [`EventType`] from one list of (variant, wire name): the serde names (and so the
/// OpenAPI enum) and [`EventType::as_str`] cannot drift apart.
macro_rules! event_types {
    ($($variant:ident = $name:literal,)*) => {
        /// Every event type, as sent in the envelope's `type` and SSE's `event:`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
        pub enum EventType {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl EventType {
            /// Every type, in catalog order.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            /// The wire name, e.g. `incident.created`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }
        }
    };
}

event_types! {
    ServiceCreated = "service.created",
    ServiceUpdated = "service.updated",
    ServiceDeleted = "service.deleted",
    ServiceStatusChanged = "service.status_changed",
    IncidentCreated = "incident.created",
    IncidentUpdated = "incident.updated",
    IncidentResolved = "incident.resolved",
    IncidentDeleted = "incident.deleted",
    IncidentUpdateCreated = "incident_update.created",
    MaintenanceCreated = "maintenance.created",
    MaintenanceUpdated = "maintenance.updated",
    MaintenanceStarted = "maintenance.started",
    MaintenanceCompleted = "maintenance.completed",
    MaintenanceDeleted = "maintenance.deleted",
    PageStatusChanged = "page.status_changed",
    Resync = "resync",
}

/// Appends an event of `kind` to the org's log in the caller's transaction. `public` is false
/// when it concerns only private services: public streams never see it.
pub async fn emit(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    kind: EventType,
    public: bool,
    data: Value,
) -> Result<i64> {
    Ok(db::events::append(c, org_id, kind.as_str(), now, public, &data).await?)
}

/// A service as a v2 component, marked with its visibility so public streams can drop it.
pub fn component(s: &Service) -> Value {
    json!({
        "id": s.id.as_str(),
        "name": s.name,
        "status": s.status,
        "description": s.description,
        "position": s.position,
        "group_id": s.group_id.as_ref().map(Id::as_str),
        "showcase": s.showcase,
        "only_show_if_degraded": s.only_show_if_degraded,
        "start_date": s.start_date,
        "created_at": s.created_at.to_rfc3339(),
        "updated_at": s.updated_at.to_rfc3339(),
        "visibility": s.visibility,
    })
}

/// Whether a service shows on the public page.
pub fn is_public(s: &Service) -> bool {
    s.visibility == Visibility::Public
}

/// The components named by ids, and whether any of them is public (or none is named at all).
async fn components(c: &mut AnyConnection, org_id: &Id, ids: &[&Id]) -> Result<(Vec<Value>, bool)> {
    let mut out = Vec::new();
    let mut public = ids.is_empty();
    for id in ids {
        if let Ok(s) = db::services::get(c, org_id, id).await {
            public |= is_public(&s);
            out.push(component(&s));
        }
    }
    Ok((out, public))
}

/// An incident as a v2 incident, and whether it touches a public service (or none at all).
pub async fn incident(c: &mut AnyConnection, org_id: &Id, i: &Incident) -> Result<(Value, bool)> {
    let ids: Vec<&Id> = i.services.iter().map(|(id, _)| id).collect();
    let (components, public) = components(c, org_id, &ids).await?;
    let data = json!({
        "id": i.id.as_str(),
        "name": i.name,
        "status": i.status,
        "impact": i.impact,
        "created_at": i.created_at.to_rfc3339(),
        "updated_at": i.updated_at.to_rfc3339(),
        "started_at": i.started_at.to_rfc3339(),
        "monitoring_at": i.monitoring_at.map(Timestamp::to_rfc3339),
        "resolved_at": i.resolved_at.map(Timestamp::to_rfc3339),
        "components": components,
    });
    Ok((data, public))
}

/// A maintenance as a v2 scheduled maintenance, and whether it touches a public service.
pub async fn maintenance(
    c: &mut AnyConnection,
    org_id: &Id,
    m: &Maintenance,
) -> Result<(Value, bool)> {
    let ids: Vec<&Id> = m.services.iter().map(|(id, _)| id).collect();
    let (components, public) = components(c, org_id, &ids).await?;
    let data = json!({
        "id": m.id.as_str(),
        "name": m.name,
        "status": m.status,
        "impact": "maintenance",
        "scheduled_for": m.starts_at.to_rfc3339(),
        "scheduled_until": m.ends_at.to_rfc3339(),
        "started_at": m.started_at.map(Timestamp::to_rfc3339),
        "completed_at": m.completed_at.map(Timestamp::to_rfc3339),
        "created_at": m.created_at.to_rfc3339(),
        "updated_at": m.updated_at.to_rfc3339(),
        "components": components,
    });
    Ok((data, public))
}

/// Emits an incident event with the incident's current shape.
pub async fn emit_incident(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    kind: EventType,
    i: &Incident,
) -> Result<()> {
    let (data, public) = incident(c, org_id, i).await?;
    emit(c, org_id, now, kind, public, json!({ "incident": data })).await?;
    Ok(())
}

/// Emits a maintenance event with the maintenance's current shape.
pub async fn emit_maintenance(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    kind: EventType,
    m: &Maintenance,
) -> Result<()> {
    let (data, public) = maintenance(c, org_id, m).await?;
    emit(
        c,
        org_id,
        now,
        kind,
        public,
        json!({ "scheduled_maintenance": data }),
    )
    .await?;
    Ok(())
}

/// Emits a service event (`service.created`, `.updated`, `.deleted`).
pub async fn emit_service(
    c: &mut AnyConnection,
    org_id: &Id,
    now: Timestamp,
    kind: EventType,
    s: &Service,
) -> Result<()> {
    let data = json!({ "component": component(s) });
    emit(c, org_id, now, kind, is_public(s), data).await?;
    Ok(())
}

/// The payload as a public stream may show it: components of private services removed.
pub fn public_view(data: &Value) -> Value {
    match data {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("components", Value::Array(items)) => Value::Array(
                            items
                                .iter()
                                .filter(|c| c.get("visibility") != Some(&json!("private")))
                                .map(public_view)
                                .collect(),
                        ),
                        _ => public_view(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(public_view).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_view_drops_private_components_at_any_depth() {
        let data = json!({"incident": {"name": "x", "components": [
            {"id": "a", "visibility": "public"},
            {"id": "b", "visibility": "private"}
        ]}});
        let v = public_view(&data);
        assert_eq!(v["incident"]["components"].as_array().unwrap().len(), 1);
        assert_eq!(v["incident"]["components"][0]["id"], "a");
    }

    #[test]
    fn each_event_type_serializes_to_its_wire_name() {
        assert_eq!(EventType::ALL.len(), 16);
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(
            EventType::IncidentUpdateCreated.as_str(),
            "incident_update.created"
        );
    }
}
