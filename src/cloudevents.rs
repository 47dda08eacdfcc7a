//! CloudEvents 1.0 on Kafka records, structured mode: the record value is the whole event as
//! JSON, with `content-type: application/cloudevents+json`.

use cloudevents::{Event, EventBuilder, EventBuilderV10};
use serde_json::Value;

pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json; charset=UTF-8";
/// Extension attribute carrying the id of the request that caused the event.
pub const REQUEST_ID_EXTENSION: &str = "requestid";

/// A new event with a random id, the current time and JSON data.
pub fn new_event(source: &str, ty: &str, subject: &str, data: Value, request_id: Option<&str>) -> anyhow::Result<Event> {
    let mut builder = EventBuilderV10::new()
        .id(uuid::Uuid::new_v4().to_string())
        .source(source)
        .ty(ty)
        .subject(subject)
        .time(chrono::Utc::now())
        .data("application/json", data);
    if let Some(id) = request_id {
        builder = builder.extension(REQUEST_ID_EXTENSION, id);
    }
    builder.build().map_err(|e| anyhow::anyhow!("invalid CloudEvent: {e}"))
}

/// The structured-mode record value.
pub fn to_structured_json(event: &Event) -> serde_json::Result<String> {
    serde_json::to_string(event)
}
