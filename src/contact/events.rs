//! The person events this service publishes (see `spec/events/person-event.schema.json`).

use labs_order_client::contact::types::Person;
use serde_json::json;

use super::config::PersonTopics;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonChange {
    Created,
    Changed,
    Deleted,
}

impl PersonChange {
    pub fn event_type(self) -> &'static str {
        match self {
            Self::Created => "person.created",
            Self::Changed => "person.changed",
            Self::Deleted => "person.deleted",
        }
    }

    pub fn topic(self, topics: &PersonTopics) -> &str {
        match self {
            Self::Created => &topics.created,
            Self::Changed => &topics.changed,
            Self::Deleted => &topics.deleted,
        }
    }
}

/// A person event: `data` is `{personid, person, version}`, without `person` on delete.
pub fn person_event(
    change: PersonChange,
    source: &str,
    id: &str,
    person: Option<&Person>,
    version: i64,
    request_id: Option<&str>,
) -> anyhow::Result<cloudevents::Event> {
    let data = match person {
        Some(p) if change != PersonChange::Deleted => json!({ "personid": id, "person": p, "version": version }),
        _ => json!({ "personid": id, "version": version }),
    };
    crate::cloudevents::new_event(source, change.event_type(), id, data, request_id)
}
