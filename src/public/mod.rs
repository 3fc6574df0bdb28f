//! The public status page: its model, its renderers (HTML, Statuspage v2 JSON, feeds, badges,
//! embed script) and the in-memory snapshot they are served from.

pub mod badge;
pub mod embed;
pub mod feeds;
pub mod html;
pub mod model;
pub mod snapshot;
pub mod v2;
