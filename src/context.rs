//! The request a task is serving: its id and W3C trace context, in a task-local that the HTTP
//! layer sets for each request and that code running for it reads (problem bodies, outgoing
//! calls, the events it causes). Below `http`: domain code reads it without importing `http`.

use std::{future::Future, sync::Arc};

use http::HeaderMap;

pub const REQUEST_ID_HEADER: &str = "x-request-id";
const MAX_REQUEST_ID_LEN: usize = 128;

#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub id: Arc<str>,
    pub path: String,
    /// W3C trace context of this request: the caller's trace with a new span, or a new trace.
    pub traceparent: Arc<str>,
}

impl RequestInfo {
    /// The request's id (the caller's when sane, else a new one), path and trace context.
    pub fn from_request(path: &str, headers: &HeaderMap) -> Self {
        Self { id: accepted_or_new(headers), path: path.to_string(), traceparent: child_traceparent(headers) }
    }
}

tokio::task_local! {
    static CURRENT: RequestInfo;
}

/// Runs `work` as the request `info`: [`current_request`] and [`current_traceparent`] see it.
pub async fn serve_as<F: Future>(info: RequestInfo, work: F) -> F::Output {
    CURRENT.scope(info, work).await
}

/// The request being served by this task, if any.
pub fn current_request() -> Option<RequestInfo> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The W3C `traceparent` of the request being served by this task, if any.
pub fn current_traceparent() -> Option<Arc<str>> {
    CURRENT.try_with(|r| r.traceparent.clone()).ok()
}

/// Continues the caller's trace (`00-<trace-id>-<parent-id>-<flags>`) with a new span id, or
/// starts a new sampled trace.
fn child_traceparent(headers: &HeaderMap) -> Arc<str> {
    let span_id = format!("{:016x}", rand::random::<u64>() | 1); // never all zeros
    let caller = headers.get("traceparent").and_then(|v| v.to_str().ok()).and_then(|v| {
        let parts: Vec<&str> = v.split('-').collect();
        let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        (parts.len() == 4
            && hex(parts[0], 2)
            && parts[0] != "ff"
            && hex(parts[1], 32)
            && parts[1] != "0".repeat(32)
            && hex(parts[2], 16)
            && hex(parts[3], 2))
        .then(|| (parts[1].to_string(), parts[3].to_string()))
    });
    let (trace_id, flags) = caller.unwrap_or_else(|| (format!("{:032x}", rand::random::<u128>() | 1), "01".to_string()));
    Arc::from(format!("00-{trace_id}-{span_id}-{flags}"))
}

/// A request id from elsewhere (an event) if it passes the same rule as the header.
pub fn sanitized_request_id(candidate: &str) -> Option<Arc<str>> {
    acceptable(candidate).then(|| Arc::from(candidate))
}

fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN && id.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A caller's id is kept when it is 1..=128 printable ASCII characters; otherwise a UUID.
pub fn accepted_or_new(headers: &HeaderMap) -> Arc<str> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(Arc::from)
        .unwrap_or_else(|| Arc::from(new_request_id().to_string()))
}

/// A random (version 4) UUID from the thread-local generator: `Uuid::new_v4` asks the kernel for
/// every id, a system call per request.
fn new_request_id() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_callers_trace_is_continued_and_garbage_starts_a_new_one() {
        let mut h = HeaderMap::new();
        h.insert("traceparent", HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        let continued = child_traceparent(&h);
        assert!(continued.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && continued.ends_with("-01"));
        assert!(!continued.contains("00f067aa0ba902b7"), "a new span id");
        h.insert("traceparent", HeaderValue::from_static("garbage"));
        assert_eq!(child_traceparent(&h).len(), 55);
    }

    #[test]
    fn a_sane_caller_id_is_kept() {
        assert_eq!(&*accepted_or_new(&with("abc-123")), "abc-123");
    }

    #[test]
    fn an_overlong_or_empty_id_is_replaced() {
        let long = "x".repeat(129);
        assert_ne!(&*accepted_or_new(&with(&long)), long);
        assert_eq!(accepted_or_new(&with("")).len(), 36);
        assert_eq!(accepted_or_new(&HeaderMap::new()).len(), 36);
    }
}
