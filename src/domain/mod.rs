//! Pure types and rules: no I/O, no web framework, no database.
//!
//! Values here are parsed once at the edge (`parse`) and valid by construction afterwards.

pub mod base64;
pub mod ids;
pub mod incident;
pub mod maintenance;
pub mod markdown;
pub mod page;
pub mod ratelimit;
pub mod role;
pub mod status;
pub mod text;
pub mod time;

pub use ids::Id;
pub use incident::IncidentStatus;
pub use maintenance::MaintenanceStatus;
pub use role::{Permission, Role};
pub use status::{Cause, Impact, ServiceStatus, Visibility};
pub use text::{Email, FieldError, OrgName, Slug, TimeZoneName};
pub use time::Timestamp;
