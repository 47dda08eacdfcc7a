//! Rendering of typed responses; used by the generated routers.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

use super::ApiError;

/// An `ETag` header holding an entity version (`"<version>"`).
pub fn etag(version: i64) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers
}

/// A JSON body with the given status.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    body_with_type(status, body, "application/json")
}

/// An RFC 9457 problem body.
pub fn problem<T: Serialize>(status: StatusCode, body: T) -> Response {
    body_with_type(status, &body, "application/problem+json")
}

/// A handler's outcome: the typed response, or the error as a problem.
pub fn result<R: IntoResponse>(outcome: Result<R, ApiError>) -> Response {
    match outcome {
        Ok(response) => response.into_response(),
        Err(err) => err.into_response(),
    }
}

fn body_with_type<T: Serialize>(status: StatusCode, body: &T, content_type: &'static str) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], bytes).into_response(),
        Err(err) => ApiError::Internal(anyhow::Error::new(err).context("serialising the response")).into_response(),
    }
}
