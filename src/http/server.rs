//! Serving a router with the layers every service shares, and graceful shutdown.

use std::future::Future;

use axum::{extract::DefaultBodyLimit, middleware, Router};
use tokio::net::TcpListener;

use super::ApiError;

/// Larger bodies answer 413 and change nothing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Adds latency metrics, the body limit, the request id and span, and problem answers for
/// unknown routes.
pub fn with_common_layers(router: Router, metrics: std::sync::Arc<crate::ops::Metrics>) -> Router {
    router
        .route_layer(middleware::from_fn_with_state(metrics, super::context::record_route))
        .fallback(|| async { ApiError::NotFound("no such resource".to_string()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(super::context::request_id_middleware))
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
