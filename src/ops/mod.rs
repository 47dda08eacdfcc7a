//! Operating a service: liveness and readiness, Prometheus metrics, and the service's own
//! OpenAPI document. These routes need no authentication.

pub mod metrics;

use std::{sync::Arc, time::Duration};

use axum::{extract::State, response::IntoResponse, routing::get, Json, Router};
use futures::future::BoxFuture;
use http::{header, StatusCode};
use mongodb::{bson::doc, Database};
use rdkafka::producer::{FutureProducer, Producer};
use serde_json::{json, Value};

pub use metrics::Metrics;

/// Refreshes gauges that are read from the database at scrape time.
pub type GaugeRefresh = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

pub struct Ops {
    pub metrics: Arc<Metrics>,
    pub db: Database,
    pub producer: FutureProducer,
    /// The service's spec, as JSON.
    pub spec: Value,
    pub refresh: Option<GaugeRefresh>,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// `/health/live`, `/health/ready`, `/metrics`, `/openapi.json` and the interactive docs at
/// `/docs` (Swagger UI compiled into the binary: works without internet access).
/// With `with_metrics` false, `/metrics` is left to [`metrics_router`] on its own address.
pub fn router(ops: Arc<Ops>, with_metrics: bool) -> Router {
    let docs = utoipa_swagger_ui::SwaggerUi::new("/docs").external_url_unchecked("/openapi.json", ops.spec.clone());
    let router = Router::new()
        .route("/health/live", get(|| async { Json(json!({ "status": "up" })) }))
        .route("/health/ready", get(ready))
        .merge(docs);
    let router = if with_metrics { router.route("/metrics", get(metrics)) } else { router };
    router.with_state(ops)
}

/// `/metrics` alone, for a separate (not public) address.
pub fn metrics_router(ops: Arc<Ops>) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(ops)
}

/// Parses a spec file (YAML) into the JSON served at `/openapi.json`, with this instance
/// (`/`) as the first server so "Try it out" calls the service that serves the page.
pub fn spec_json(yaml: &str) -> anyhow::Result<Value> {
    let mut spec: Value = serde_yaml::from_str(yaml)?;
    if let Some(servers) = spec.get_mut("servers").and_then(Value::as_array_mut) {
        servers.insert(0, json!({ "url": "/", "description": "This instance" }));
    }
    Ok(spec)
}

async fn ready(State(ops): State<Arc<Ops>>) -> axum::response::Response {
    let mongo = matches!(tokio::time::timeout(CHECK_TIMEOUT, ops.db.run_command(doc! { "ping": 1 })).await, Ok(Ok(_)));
    let producer = ops.producer.clone();
    let kafka = tokio::task::spawn_blocking(move || producer.client().fetch_metadata(None, CHECK_TIMEOUT).is_ok()).await.unwrap_or(false);
    let state = |up: bool| if up { "up" } else { "down" };
    let checks = json!({ "mongodb": state(mongo), "kafka": state(kafka) });
    if mongo && kafka {
        return Json(json!({ "status": "ready", "checks": checks })).into_response();
    }
    let failing: Vec<&str> = [("mongodb", mongo), ("kafka", kafka)].iter().filter(|(_, up)| !up).map(|(n, _)| *n).collect();
    let body = json!({
        "type": "about:blank", "title": "Service Unavailable", "status": 503,
        "detail": format!("not ready: {} unreachable", failing.join(" and ")), "checks": checks,
    });
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

async fn metrics(State(ops): State<Arc<Ops>>) -> impl IntoResponse {
    if let Some(refresh) = &ops.refresh {
        refresh().await;
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], ops.metrics.render())
}
