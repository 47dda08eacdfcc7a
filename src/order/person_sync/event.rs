//! A person event as the order service understands it, from either publisher: the reference
//! contact service (`data = {personid}`) or ours (`data = {personid, person, version}`).

use cloudevents::{AttributesReader, Event};
use labs_order_client::order::types::Person;
use serde_json::Value;

use crate::{cloudevents as ce, cloudevents::DecodeError, topics::PersonTopics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Created,
    Changed,
    Deleted,
}

#[derive(Debug, Clone)]
pub struct PersonEvent {
    /// `(source, id)` of the CloudEvent: what deduplicates it.
    pub source: String,
    pub id: String,
    pub person_id: String,
    pub kind: Kind,
    /// The person as of `version` (ours only; absent on delete).
    pub snapshot: Option<Person>,
    pub version: Option<i64>,
    pub request_id: Option<String>,
}

impl PersonEvent {
    /// The key under which the handled event is recorded.
    pub fn dedup_key(&self) -> String {
        format!("{}|{}", self.source, self.id)
    }
}

/// The meaning comes from the topic; the type is only a hint (some deployments of the
/// original publish deletes as `person.changed` on the deleted topic).
pub fn kind_of(topic: &str, event_type: &str, topics: &PersonTopics) -> Option<Kind> {
    if topic == topics.deleted {
        Some(Kind::Deleted)
    } else if topic == topics.created {
        Some(Kind::Created)
    } else if topic == topics.changed {
        Some(if event_type == "person.deleted" { Kind::Deleted } else { Kind::Changed })
    } else {
        None
    }
}

/// Parses a decoded CloudEvent from `topic` into a person event, or says what is wrong.
pub fn parse(event: &Event, topic: &str, topics: &PersonTopics) -> Result<PersonEvent, DecodeError> {
    let kind = kind_of(topic, event.ty(), topics).ok_or_else(|| DecodeError(format!("topic {topic} is not a person topic")))?;
    let data = ce::json_data(event)?;
    let Value::Object(data) = data else { return Err(DecodeError("data is not a JSON object".into())) };
    let person_id = match data.get("personid") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(DecodeError("data.personid is empty".into())),
        Some(_) => return Err(DecodeError("data.personid is not a string".into())),
        None => return Err(DecodeError("data.personid is missing".into())),
    };
    let version = match data.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().filter(|v| *v >= 1).ok_or_else(|| DecodeError("data.version is not an integer >= 1".into()))?),
    };
    let snapshot = match data.get("person") {
        None | Some(Value::Null) => None,
        Some(p) => {
            let person: Person = serde_json::from_value(p.clone()).map_err(|e| DecodeError(format!("data.person is not a Person: {e}")))?;
            if person.id.as_deref().is_some_and(|id| id != person_id) {
                return Err(DecodeError("data.person.id differs from data.personid".into()));
            }
            Some(Person { id: Some(person_id.clone()), ..person })
        }
    };
    if snapshot.is_some() && version.is_none() {
        return Err(DecodeError("data.person without data.version".into()));
    }
    let (source, id) = ce::identity(event);
    Ok(PersonEvent { source, id, person_id, kind, snapshot, version, request_id: ce::extension(event, ce::REQUEST_ID_EXTENSION) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(ty: &str, data: Value) -> Event {
        ce::new_event("http://c/api/v1/person", ty, "p1", data, None).unwrap()
    }

    #[test]
    fn both_data_shapes_parse_and_the_topic_decides_the_meaning() {
        let topics = PersonTopics::default();
        let reference = parse(&event("person.changed", json!({"personid": "p1"})), "personevents-deleted", &topics).unwrap();
        assert_eq!((reference.kind, reference.version, reference.snapshot.is_none()), (Kind::Deleted, None, true));
        let ours = parse(
            &event("person.changed", json!({"personid": "p1", "version": 3, "person": {"firstName": "Ada"}})),
            "personevents-changed",
            &topics,
        )
        .unwrap();
        assert_eq!((ours.kind, ours.version), (Kind::Changed, Some(3)));
        assert_eq!(ours.snapshot.unwrap().id.as_deref(), Some("p1"));
    }

    #[test]
    fn malformed_data_is_refused_with_a_reason() {
        let topics = PersonTopics::default();
        let bad = |data: Value| parse(&event("person.changed", data), "personevents-changed", &topics).unwrap_err().0;
        assert!(bad(json!({})).contains("missing"));
        assert!(bad(json!({"personid": 7})).contains("not a string"));
        assert!(bad(json!({"personid": "p1", "version": "two"})).contains("version"));
        assert!(bad(json!({"personid": "p1", "version": 1, "person": {"firstName": 5}})).contains("not a Person"));
        assert!(bad(json!([1])).contains("not a JSON object"));
        assert!(parse(&event("person.changed", json!({"personid": "p1"})), "elsewhere", &topics).is_err());
    }
}
