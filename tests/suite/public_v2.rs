//! The Statuspage v2 endpoints, checked against ../shared/statuspage-v2's OpenAPI description,
//! the wire format and the endpoints' relationships.

use crate::common::{spawn_app, TestApp};
use crate::public_page::seed;
use reqwest::StatusCode;
use serde_json::Value;

const SPEC: &str = include_str!("../../../shared/statuspage-v2/statuspage-v2-public.openapi.json");

fn matches_pattern(pattern: &str, s: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match pattern {
        "^[a-z0-9]{12}$" => {
            s.len() == 12
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        }
        "^\\d{4}-\\d{2}-\\d{2}$" => {
            s.len() == 10 && s.split('-').map(str::len).eq([4, 2, 2]) && s.split('-').all(digits)
        }
        "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2})$" => {
            if s.len() < 24 {
                return false;
            }
            let (main, zone) = s.split_at(23);
            let b = main.as_bytes();
            let shape = main.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == 'T',
                13 | 16 => c == ':',
                19 => c == '.',
                _ => c.is_ascii_digit(),
            });
            let zone_ok = zone == "Z"
                || (zone.len() == 6
                    && (zone.starts_with('+') || zone.starts_with('-'))
                    && zone.as_bytes()[3] == b':'
                    && digits(&zone[1..3])
                    && digits(&zone[4..6]));
            shape && b.len() == 23 && zone_ok
        }
        other => panic!("the validator does not know pattern {other}"),
    }
}

/// Validates `v` against the subset of JSON Schema the spec uses; returns the problems.
fn validate(spec: &Value, schema: &Value, v: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        return validate(spec, &spec["components"]["schemas"][name], v, at, problems);
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|s| {
            let mut p = Vec::new();
            validate(spec, s, v, at, &mut p);
            p.is_empty()
        });
        if !ok {
            problems.push(format!("{at}: matches none of anyOf"));
        }
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            problems.push(format!("{at}: {v} is not {types:?}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            problems.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(p), Some(s)) = (schema.get("pattern").and_then(Value::as_str), v.as_str()) {
        if !matches_pattern(p, s) {
            problems.push(format!("{at}: {s:?} does not match {p}"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64()) {
        if n < min {
            problems.push(format!("{at}: {n} < {min}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                problems.push(format!("{at}: missing {r}"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, sub) in props {
                if let Some(x) = obj.get(k) {
                    validate(spec, sub, x, &format!("{at}.{k}"), problems);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(spec, items, x, &format!("{at}[{i}]"), problems);
        }
    }
}

const ENDPOINTS: [&str; 8] = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
];

async fn fetch(app: &TestApp, endpoint: &str) -> (String, Value) {
    let res = app
        .http
        .get(app.url(&format!("/status/acme/api/v2/{endpoint}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{endpoint}");
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "*",
        "{endpoint}"
    );
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (text, v)
}

#[tokio::test]
async fn every_v2_endpoint_validates_against_the_statuspage_openapi_description() {
    let app = spawn_app().await;
    seed(&app).await;
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    for endpoint in ENDPOINTS {
        let (text, body) = fetch(&app, endpoint).await;
        let schema = &spec["paths"][format!("/api/v2/{endpoint}")]["get"]["responses"]["200"]
            ["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "the spec describes {endpoint}");
        let mut problems = Vec::new();
        validate(&spec, schema, &body, endpoint, &mut problems);
        assert!(problems.is_empty(), "{endpoint}: {problems:#?}");
        assert!(
            !text.contains('\n') && !text.contains("\": ") && !text.contains(", \""),
            "{endpoint} is compact JSON"
        );
        assert!(
            text.starts_with("{\"page\":{\"id\":"),
            "{endpoint}: page first, id first"
        );
    }
}

#[tokio::test]
async fn the_endpoints_agree_with_each_other_and_keep_statuspage_order() {
    let app = spawn_app().await;
    let seeded = seed(&app).await;
    let (summary_text, summary) = fetch(&app, "summary.json").await;
    assert!(summary_text.starts_with("{\"page\":{\"id\":"));
    let positions: Vec<usize> = [
        "},\"components\":[",
        "],\"incidents\":[",
        "],\"scheduled_maintenances\":[",
        "],\"status\":{\"indicator\"",
    ]
    .iter()
    .map(|k| {
        summary_text
            .find(k)
            .unwrap_or_else(|| panic!("{k} in summary"))
    })
    .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "summary keys in Statuspage order"
    );
    assert_eq!(
        summary["components"],
        fetch(&app, "components.json").await.1["components"]
    );
    assert_eq!(
        summary["status"],
        fetch(&app, "status.json").await.1["status"]
    );
    assert_eq!(
        summary["incidents"],
        fetch(&app, "incidents/unresolved.json").await.1["incidents"]
    );
    let upcoming = fetch(&app, "scheduled-maintenances/upcoming.json").await.1;
    let active = fetch(&app, "scheduled-maintenances/active.json").await.1;
    assert_eq!(
        summary["scheduled_maintenances"].as_array().unwrap().len(),
        upcoming["scheduled_maintenances"].as_array().unwrap().len()
            + active["scheduled_maintenances"].as_array().unwrap().len()
    );
    assert_eq!(
        summary["page"],
        fetch(&app, "incidents.json").await.1["page"]
    );

    // Private services never appear; groups are flat rows with their children's ids.
    let text = summary.to_string();
    assert!(!text.contains(&seeded.private_service) && !text.contains("Internal admin"));
    let group = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == true)
        .unwrap()
        .clone();
    assert_eq!(
        group["status"], "partial_outage",
        "a group is as bad as its worst child"
    );
    assert!(group["components"]
        .as_array()
        .unwrap()
        .iter()
        .any(|id| id == seeded.api.as_str()));
    assert_eq!(summary["status"]["indicator"], "major");
    assert_eq!(summary["status"]["description"], "Partial System Outage");

    // Incidents: the open one, newest first, updates newest first with the old statuses.
    let incidents = fetch(&app, "incidents.json").await.1;
    let open = &summary["incidents"][0];
    assert_eq!(open["name"], "Elevated API errors");
    assert_eq!(open["impact"], "major");
    assert_eq!(
        open["incident_updates"][0]["affected_components"][0]["old_status"],
        "operational"
    );
    assert_eq!(
        open["incident_updates"][0]["affected_components"][0]["new_status"],
        "partial_outage"
    );
    assert!(open["shortlink"].as_str().unwrap().ends_with(&format!(
        "/status/acme/incidents/{}",
        open["id"].as_str().unwrap()
    )));
    assert!(incidents["incidents"].as_array().unwrap().len() >= 2);
    // The cancelled maintenance is nowhere.
    let all_m = fetch(&app, "scheduled-maintenances.json")
        .await
        .1
        .to_string();
    assert!(!all_m.contains("Cancelled work"));
    assert!(all_m.contains("Database upgrade"));
    assert!(upcoming.to_string().contains("Database upgrade"));
    assert_eq!(active["scheduled_maintenances"], serde_json::json!([]));
}

#[tokio::test]
async fn timestamps_use_the_page_time_zone_with_its_offset() {
    let app = spawn_app().await;
    seed(&app).await;
    let t = app.token("acme", beacon::domain::Role::Owner).await;
    app.api(
        "PATCH",
        "/api/v1/orgs/acme/page",
        Some(&t),
        Some(serde_json::json!({"time_zone": "America/Tijuana"})),
    )
    .await;
    let (_, status) = fetch(&app, "status.json").await;
    assert_eq!(status["page"]["time_zone"], "America/Tijuana");
    let at = status["page"]["updated_at"].as_str().unwrap();
    assert!(at.ends_with("-08:00") || at.ends_with("-07:00"), "{at}");
}
