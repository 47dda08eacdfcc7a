//! The request id at the HTTP boundary: accepted from the caller when sane, generated otherwise
//! (the rules are in [`crate::context`]), echoed on every response, attached to the request's
//! tracing span (so every log line carries it) and set as the task's current request.

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use http::{request::Parts, HeaderMap, HeaderValue};
use tracing::Instrument;

use crate::context::{self, RequestInfo, REQUEST_ID_HEADER};

/// What every operation receives besides its typed inputs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: Arc<str>,
    /// The request headers, for the operations that declare header parameters.
    pub headers: HeaderMap,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let request_id = match parts.extensions.get::<RequestInfo>() {
            Some(info) => info.id.clone(),
            None => context::accepted_or_new(&parts.headers),
        };
        Ok(Self { request_id, headers: parts.headers.clone() })
    }
}

/// Middleware: assigns the request id, opens the request span, logs the outcome, echoes the id.
pub(crate) async fn request_id_middleware(mut request: Request, next: Next) -> Response {
    let info = RequestInfo::from_request(request.uri().path(), request.headers());
    let id = info.id.clone();
    request.extensions_mut().insert(info.clone());
    let span = tracing::info_span!("http_request", request_id = %id, method = %request.method(), route = tracing::field::Empty, status = tracing::field::Empty);
    let started = std::time::Instant::now();
    let mut response = context::serve_as(info, next.run(request).instrument(span.clone())).await;
    span.record("status", response.status().as_u16());
    span.in_scope(|| {
        tracing::info!(latency_ms = started.elapsed().as_secs_f64() * 1e3, "request finished");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Route-level middleware: names the matched route template (never the raw path) on the span
/// and records the request's latency under it.
pub(crate) async fn record_route(
    axum::extract::State(metrics): axum::extract::State<std::sync::Arc<crate::ops::Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    tracing::Span::current().record("route", route.as_str());
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let labels = crate::ops::metrics::HttpLabels { method, route, status: response.status().as_u16() };
    metrics.http.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    response
}
