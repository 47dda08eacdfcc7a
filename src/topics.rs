//! Topic names both services agree on (the person events contract).

use serde::{Deserialize, Serialize};

/// The three person topics; their meaning (created, changed, deleted) comes from the topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonTopics {
    pub created: String,
    pub changed: String,
    pub deleted: String,
}

impl Default for PersonTopics {
    fn default() -> Self {
        Self { created: "personevents-created".into(), changed: "personevents-changed".into(), deleted: "personevents-deleted".into() }
    }
}

impl PersonTopics {
    pub fn all(&self) -> [&str; 3] {
        [&self.created, &self.changed, &self.deleted]
    }
}
