//! CloudEvents 1.0 on Kafka records. We publish structured mode (the record value is the whole
//! event as JSON, `content-type: application/cloudevents+json`); we read both structured and
//! binary mode (`ce_*` headers, the value is the data), robust to missing or malformed headers.

use cloudevents::{AttributesReader, Data, Event, EventBuilder, EventBuilderV10};
use serde_json::Value;

pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json; charset=UTF-8";
/// Extension attribute carrying the id of the request that caused the event.
pub const REQUEST_ID_EXTENSION: &str = "requestid";
/// CloudEvents distributed tracing extension (W3C trace context).
pub const TRACEPARENT_EXTENSION: &str = "traceparent";

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
    // Distributed tracing extension: the trace of the request that caused the event.
    if let Some(traceparent) = crate::context::current_traceparent() {
        builder = builder.extension(TRACEPARENT_EXTENSION, traceparent.as_ref());
    }
    builder.build().map_err(|e| anyhow::anyhow!("invalid CloudEvent: {e}"))
}

/// The structured-mode record value.
pub fn to_structured_json(event: &Event) -> serde_json::Result<String> {
    serde_json::to_string(event)
}

/// Why a record is not a usable CloudEvent; becomes the `dlq-reason` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Reads a record as a CloudEvent: binary mode when a `ce_specversion` header is present,
/// structured mode otherwise. `headers` are (name, value) pairs as on the record.
pub fn from_record(headers: &[(&str, Option<&[u8]>)], payload: Option<&[u8]>) -> Result<Event, DecodeError> {
    let header = |name: &str| headers.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
    match header("ce_specversion") {
        Some(_) => binary(headers, payload),
        None => structured(payload),
    }
}

fn structured(payload: Option<&[u8]>) -> Result<Event, DecodeError> {
    let payload = payload.filter(|p| !p.is_empty()).ok_or_else(|| DecodeError("empty record value (and no ce_ headers)".into()))?;
    let json: Value = serde_json::from_slice(payload).map_err(|e| DecodeError(format!("record value is not JSON: {e}")))?;
    if json.get("specversion").is_none() {
        return Err(DecodeError("not a CloudEvent: no specversion".into()));
    }
    serde_json::from_value(json).map_err(|e| DecodeError(format!("not a valid CloudEvent: {e}")))
}

fn binary(headers: &[(&str, Option<&[u8]>)], payload: Option<&[u8]>) -> Result<Event, DecodeError> {
    let mut builder = EventBuilderV10::new();
    let mut content_type = None;
    for (name, value) in headers {
        let text = |v: Option<&[u8]>| {
            v.and_then(|b| std::str::from_utf8(b).ok())
                .map(str::to_string)
                .ok_or_else(|| DecodeError(format!("header {name} is not UTF-8 text")))
        };
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" {
            content_type = Some(text(*value)?);
            continue;
        }
        let Some(attribute) = lower.strip_prefix("ce_") else { continue };
        let value = text(*value)?;
        builder = match attribute {
            "specversion" if value != "1.0" => return Err(DecodeError(format!("unsupported specversion {value}"))),
            "specversion" => builder,
            "id" => builder.id(value),
            "source" => builder.source(value),
            "type" => builder.ty(value),
            "subject" => builder.subject(value),
            "time" => builder.time(value),
            "dataschema" | "datacontenttype" => builder,
            other => builder.extension(other, value),
        };
    }
    if let Some(data) = payload.filter(|p| !p.is_empty()) {
        let ct = content_type.unwrap_or_else(|| "application/json".into());
        let data = match serde_json::from_slice::<Value>(data) {
            Ok(json) => Data::Json(json),
            Err(_) => Data::Binary(data.to_vec()),
        };
        builder = builder.data(ct, data);
    }
    builder.build().map_err(|e| DecodeError(format!("not a valid binary-mode CloudEvent: {e}")))
}

/// The event's data as JSON, whatever way it was carried.
pub fn json_data(event: &Event) -> Result<Value, DecodeError> {
    match event.data() {
        Some(Data::Json(v)) => Ok(v.clone()),
        Some(Data::String(s)) => serde_json::from_str(s).map_err(|e| DecodeError(format!("data is not JSON: {e}"))),
        Some(Data::Binary(b)) => serde_json::from_slice(b).map_err(|e| DecodeError(format!("data is not JSON: {e}"))),
        None => Err(DecodeError("the event has no data".into())),
    }
}

/// A string extension attribute, if present.
pub fn extension(event: &Event, name: &str) -> Option<String> {
    event.extension(name).map(|v| v.to_string())
}

/// `(source, id)`: what identifies an event for deduplication.
pub fn identity(event: &Event) -> (String, String) {
    (event.source().to_string(), event.id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn structured_events_round_trip() {
        let event = new_event("http://x/api", "person.changed", "p1", json!({"personid": "p1"}), Some("r1")).unwrap();
        let bytes = to_structured_json(&event).unwrap();
        let back = from_record(&[("content-type", Some(STRUCTURED_CONTENT_TYPE.as_bytes()))], Some(bytes.as_bytes())).unwrap();
        assert_eq!(back, event);
        assert_eq!(json_data(&back).unwrap(), json!({"personid": "p1"}));
        assert_eq!(extension(&back, "requestid").as_deref(), Some("r1"));
    }

    #[test]
    fn binary_mode_reads_attributes_from_headers() {
        let h: Vec<(&str, Option<&[u8]>)> = vec![
            ("ce_specversion", Some(b"1.0")),
            ("ce_id", Some(b"e-1")),
            ("ce_source", Some(b"http://localhost:8080/v1/api/person")),
            ("ce_type", Some(b"person.deleted")),
            ("ce_requestid", Some(b"req-9")),
            ("content-type", Some(b"application/json")),
        ];
        let event = from_record(&h, Some(br#"{"personid":"p9"}"#)).unwrap();
        assert_eq!(identity(&event), ("http://localhost:8080/v1/api/person".into(), "e-1".into()));
        assert_eq!(json_data(&event).unwrap()["personid"], "p9");
        assert_eq!(extension(&event, "requestid").as_deref(), Some("req-9"));
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(from_record(&[], Some(b"not json")).unwrap_err().0.contains("not JSON"));
        assert!(from_record(&[], Some(br#"{"a":1}"#)).unwrap_err().0.contains("specversion"));
        assert!(from_record(&[], None).unwrap_err().0.contains("empty"));
        let missing_id: Vec<(&str, Option<&[u8]>)> = vec![("ce_specversion", Some(b"1.0")), ("ce_type", Some(b"t"))];
        assert!(from_record(&missing_id, Some(b"{}")).is_err());
        let bad_utf8: Vec<(&str, Option<&[u8]>)> = vec![("ce_specversion", Some(b"1.0")), ("ce_id", Some(&[0xff, 0xfe]))];
        assert!(from_record(&bad_utf8, Some(b"{}")).unwrap_err().0.contains("UTF-8"));
    }
}
