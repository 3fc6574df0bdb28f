//! Black-box tests: the real app over real HTTP, on SQLite (default) or PostgreSQL
//! (`BEACON_TEST_DATABASE_URL`).

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod api_incidents;
mod api_maintenance;
mod api_members;
mod api_orgs;
mod api_services;
mod api_teams_tokens;
mod bad_input;
mod cli;
mod dashboard;
mod dashboard_page;
mod dashboard_status;
mod front_door;
mod isolation;
mod live;
mod live_page;
mod multi_instance;
mod operations;
mod public_page;
mod public_v2;
mod roles;
mod storage;
