//! Beacon: a self-hosted, multi-tenant status page platform.
//!
//! `domain` (pure rules) ← `db` (SQL) ← `ops` (one function per action) ← `web` and `cli`.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod ops;
pub mod public;
pub mod state;
pub mod web;
pub mod worker;
