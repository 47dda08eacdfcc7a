//! Serving a router with the layers every service shares, the limits that keep slow or greedy
//! clients from holding the service, optional TLS, and graceful shutdown.

use std::{future::Future, sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Request},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::ApiError;

/// Larger bodies answer 413 and change nothing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a client may take (`<SERVICE>_HTTP__*`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpLimits {
    /// A client that has not sent all request headers by then is disconnected.
    pub header_read_timeout_ms: u64,
    /// A request (body included) not handled by then answers 408.
    pub request_timeout_ms: u64,
    /// A TLS handshake not finished by then is dropped.
    pub tls_handshake_timeout_ms: u64,
    /// Most request headers accepted; more answer 431.
    pub max_headers: usize,
    /// Connections still open this long after shutdown began are closed.
    pub shutdown_grace_ms: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout_ms: 10_000,
            request_timeout_ms: 30_000,
            tls_handshake_timeout_ms: 10_000,
            max_headers: 64,
            shutdown_grace_ms: 20_000,
        }
    }
}

/// Adds latency metrics, the body limit and request timeout, the request id and span, and
/// problem answers for unknown routes.
pub fn with_common_layers(router: Router, metrics: Arc<crate::ops::Metrics>, limits: &HttpLimits) -> Router {
    let timeout = Duration::from_millis(limits.request_timeout_ms);
    router
        .route_layer(middleware::from_fn_with_state(metrics, super::request::record_route))
        .fallback(|| async { ApiError::NotFound("no such resource".to_string()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(move |request: Request, next: Next| request_timeout(timeout, request, next)))
        .layer(middleware::from_fn(super::request::request_id_middleware))
}

/// Slow bodies end in 408 instead of holding a handler (and its database session) forever.
async fn request_timeout(timeout: Duration, request: Request, next: Next) -> Response {
    tokio::time::timeout(timeout, next.run(request)).await.unwrap_or_else(|_| ApiError::RequestTimeout.into_response())
}

/// Serves `router` on `listener` (through `tls` when given) until `shutdown` resolves, then
/// stops accepting and lets in-flight requests finish within the grace period.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (router, tls, limits, watcher) = (router.clone(), tls.clone(), limits.clone(), graceful.watcher());
        tokio::spawn(async move {
            let service = TowerToHyperService::new(router.map_request(|request: Request<Incoming>| request.map(Body::new)));
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(Duration::from_millis(limits.header_read_timeout_ms))
                .max_headers(limits.max_headers);
            let result = match tls {
                None => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                Some(acceptor) => {
                    let handshake = Duration::from_millis(limits.tls_handshake_timeout_ms);
                    match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                        Ok(Err(err)) => return tracing::info!(error = %err, "TLS handshake refused"),
                        Err(_) => return tracing::info!("TLS handshake timed out"),
                    }
                }
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_millis(limits.shutdown_grace_ms), graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
    Ok(())
}
