//! The public status page: its model, its renderers (HTML, Statuspage v2 JSON, feeds, badges,
//! embed script) and the in-memory snapshot they are served from.

pub mod badge;
pub mod embed;
pub mod feeds;
pub mod html;
pub mod model;
pub mod snapshot;
pub mod v2;

use crate::domain::Timestamp;

/// What the public renderers need of an incident's or a maintenance's update.
pub trait TimelineUpdate {
    /// The status's wire name and its words.
    fn status(&self) -> (&'static str, &'static str);
    fn message(&self) -> &str;
    fn display_at(&self) -> Timestamp;
    fn edited(&self) -> bool;
}

impl TimelineUpdate for crate::db::incidents::Update {
    fn status(&self) -> (&'static str, &'static str) {
        (self.status.as_str(), self.status.label())
    }
    fn message(&self) -> &str {
        &self.message
    }
    fn display_at(&self) -> Timestamp {
        self.display_at
    }
    fn edited(&self) -> bool {
        self.edited_at.is_some()
    }
}

impl TimelineUpdate for crate::db::maintenances::Update {
    fn status(&self) -> (&'static str, &'static str) {
        (self.status.as_str(), self.status.label())
    }
    fn message(&self) -> &str {
        &self.message
    }
    fn display_at(&self) -> Timestamp {
        self.display_at
    }
    fn edited(&self) -> bool {
        self.edited_at.is_some()
    }
}

/// The heading of each update of a timeline given newest first, as Statuspage writes it: the
/// status in words, or "Update" when it repeats the status of the update before.
pub fn timeline_labels<U: TimelineUpdate>(updates: &[U]) -> Vec<&'static str> {
    let mut labels: Vec<&'static str> = Vec::with_capacity(updates.len());
    let mut previous = None;
    for u in updates.iter().rev() {
        let (wire, words) = u.status();
        labels.push(if previous == Some(wire) {
            "Update"
        } else {
            words
        });
        previous = Some(wire);
    }
    labels.reverse();
    labels
}

#[cfg(test)]
mod tests {
    use super::timeline_labels;
    use crate::db::incidents::Update;
    use crate::domain::{Id, IncidentStatus, Timestamp};

    fn update(status: IncidentStatus) -> Update {
        let at = Timestamp::from_micros(0);
        Update {
            id: Id::new(),
            status,
            message: String::new(),
            notify: false,
            display_at: at,
            created_at: at,
            edited_at: None,
            actor: String::new(),
            services: vec![],
        }
    }

    #[test]
    fn a_repeated_status_is_labelled_update() {
        use IncidentStatus::*;
        // Newest first: resolved, investigating, investigating.
        let updates = [
            update(Resolved),
            update(Investigating),
            update(Investigating),
        ];
        assert_eq!(
            timeline_labels(&updates),
            ["Resolved", "Update", "Investigating"]
        );
    }
}
