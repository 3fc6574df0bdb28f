//! How long one org's public snapshot takes to rebuild (read from the database, render every
//! document, compress each in gzip and brotli): the cost paid on every write.
//!
//! Seeds a realistic org (20 services in 5 groups, 90 days of history, 2 active incidents,
//! 1 upcoming maintenance) in a temporary SQLite file, then rebuilds 30 times.
//! Run: `cargo bench --bench snapshot_rebuild` (add `-- postgres://…` to use PostgreSQL).

use beacon::clock::{Clock, ManualClock, SystemClock};
use beacon::config::Config;
use beacon::db::Db;
use beacon::domain::{Role, ServiceStatus};
use beacon::ops::{
    self, incidents::NewIncident, services::GroupInput, services::ServiceInput, Actor, OrgAccess,
};
use beacon::state::AppState;
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let url = std::env::args()
        .skip(1)
        .find(|a| a.starts_with("postgres"))
        .unwrap_or_else(|| {
            let path = std::env::temp_dir().join(format!(
                "beacon-bench-{}.db",
                beacon::domain::ids::random_string(8)
            ));
            format!("sqlite:{}", path.display())
        });
    let config = Config::for_database(&url);
    let db = Db::connect(&config.database_url).await.expect("database");
    db.migrate().await.expect("migrations");
    let start = SystemClock.now().plus_seconds(-91 * 24 * 3600);
    let clock = ManualClock::new(start);
    let state = AppState::new(db, config, Arc::new(clock.clone()));

    let account =
        ops::accounts::NewAccount::parse("bench@example.com", "Bench", "bench password 123")
            .unwrap();
    let user = ops::accounts::create_user(&state, account).await.unwrap();
    let org = ops::orgs::create(&state, &user, "bench", "Bench Cloud")
        .await
        .unwrap();
    let access = OrgAccess {
        org: org.clone(),
        role: Role::Owner,
        actor: Actor::user(&user.id, &user.email),
    };

    let mut services = Vec::new();
    for g in 0..5 {
        let group = ops::services::create_group(
            &state,
            &access,
            GroupInput {
                name: Some(format!("Region {g}")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for s in 0..4 {
            let input = ServiceInput {
                name: Some(format!("Service {g}-{s}")),
                description: Some(Some("A service customers rely on.".into())),
                group_id: Some(Some(group.id.to_string())),
                ..Default::default()
            };
            services.push(ops::services::create(&state, &access, input).await.unwrap());
        }
    }
    // 90 days: a few status changes a week, and a backfilled incident every other day.
    let statuses = [
        ServiceStatus::DegradedPerformance,
        ServiceStatus::PartialOutage,
        ServiceStatus::MajorOutage,
    ];
    for day in 0..90i64 {
        clock.advance(24 * 3600);
        let s = &services[(day as usize * 7) % services.len()];
        if day % 2 == 0 {
            let now = clock.now();
            let input = NewIncident {
                name: format!("Incident on day {day}"),
                message: "Something went wrong; it is fixed now.".into(),
                backfilled: true,
                started_at: Some(now.plus_seconds(-6 * 3600)),
                resolved_at: Some(now.plus_seconds(-5 * 3600)),
                services: vec![(s.id.to_string(), statuses[day as usize % 3])],
                ..Default::default()
            };
            ops::incidents::create(&state, &access, input)
                .await
                .unwrap();
        }
        if day % 3 == 0 {
            let change = ServiceInput {
                status: Some(statuses[day as usize % 3]),
                ..Default::default()
            };
            ops::services::update(&state, &access, &s.id, change)
                .await
                .unwrap();
            clock.advance(1800);
            let back = ServiceInput {
                status: Some(ServiceStatus::Operational),
                ..Default::default()
            };
            ops::services::update(&state, &access, &s.id, back)
                .await
                .unwrap();
        }
    }
    for (i, service) in services.iter().take(2).enumerate() {
        let input = NewIncident {
            name: format!("Active incident {i}"),
            message: "We are investigating.".into(),
            services: vec![(service.id.to_string(), ServiceStatus::PartialOutage)],
            notify: true,
            ..Default::default()
        };
        ops::incidents::create(&state, &access, input)
            .await
            .unwrap();
    }
    let now = clock.now();
    let maintenance = ops::maintenances::MaintenanceInput {
        name: Some("Database upgrade".into()),
        starts_at: Some(now.plus_seconds(86_400).to_rfc3339()),
        ends_at: Some(now.plus_seconds(90_000).to_rfc3339()),
        services: Some(vec![services[3].id.to_string()]),
        ..Default::default()
    };
    ops::maintenances::create(&state, &access, maintenance, None)
        .await
        .unwrap();

    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        beacon::public::snapshot::rebuild(&state, &org.id)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pages = state.snapshots.by_slug("bench").unwrap();
    let page = pages.get("", false).unwrap().identity().len();
    let summary = pages
        .get("api/v2/summary.json", false)
        .unwrap()
        .identity()
        .len();
    println!("snapshot rebuild, 20 services in 5 groups, 90 days of history, 47 incidents, 1 maintenance ({})", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });
    println!("  page {page} bytes, summary.json {summary} bytes (uncompressed)");
    println!(
        "  rebuild ms: min {:.1}  median {:.1}  p90 {:.1}  max {:.1}  (30 runs)",
        times[0], times[15], times[27], times[29]
    );
}
