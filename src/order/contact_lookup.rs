//! Reading a person from the contact service, resiliently: a timeout per call, a few retries
//! with jittered backoff inside an overall budget, and a circuit breaker so a contact service
//! that is down costs callers nothing while it stays down.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use labs_order_client::{
    contact::{self, types::Person},
    ClientAuth,
};

use super::config::ContactClientConfig;

/// What the contact service says about a person.
#[derive(Debug)]
pub enum Lookup {
    /// The person and its version (0 when the contact service does not tell).
    Found(Box<Person>, i64),
    /// 404: the person does not exist.
    Missing,
}

/// Why the person could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LookupFailure {
    #[error("the contact service did not answer in time")]
    Timeout,
    #[error("the contact service cannot be reached")]
    Connect,
    #[error("the contact service answered with an error")]
    Status,
    #[error("the contact service is failing; calls are paused")]
    CircuitOpen,
    /// 401/403: our service credentials are missing, expired or lack `persons:read`. An
    /// operator's problem, never a reason to tell a client that the person does not exist.
    #[error("the contact service refused this service's credentials")]
    Unauthorized,
}

impl LookupFailure {
    /// Metric label.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Status => "status",
            Self::CircuitOpen => "circuit_open",
            Self::Unauthorized => "unauthorized",
        }
    }
}

pub struct ContactLookup {
    client: contact::Client,
    metrics: std::sync::Arc<crate::ops::Metrics>,
    config: ContactClientConfig,
    breaker: Breaker,
}

impl ContactLookup {
    pub fn new(config: &ContactClientConfig, auth: ClientAuth, metrics: std::sync::Arc<crate::ops::Metrics>) -> anyhow::Result<Self> {
        let tls = crate::tls::client_config(Some(&config.tls).filter(|t| t.is_configured()))?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(Duration::from_millis(config.timeout_ms))
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()?;
        Ok(Self {
            metrics,
            client: contact::Client::new_with_client(config.url.trim_end_matches('/'), http, auth),
            config: config.clone(),
            breaker: Breaker::new(config.breaker_failures, Duration::from_millis(config.breaker_open_ms)),
        })
    }

    #[tracing::instrument(skip_all, fields(person_id = %id))]
    pub async fn person(&self, id: &str, request_id: &str) -> Result<Lookup, LookupFailure> {
        let deadline = Instant::now() + Duration::from_millis(self.config.budget_ms);
        let mut last = LookupFailure::Timeout;
        // An id the contact API cannot address as one person (a reserved path such as
        // `search`, or one that does not survive the trip) is no person: an answer, not a failure.
        let request_id = crate::context::sanitized_request_id(request_id);
        for attempt in 0..=self.config.retries {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            if !self.breaker.allow() {
                self.metrics.contact_failure(LookupFailure::CircuitOpen.reason());
                return Err(LookupFailure::CircuitOpen);
            }
            let mut call = self.client.read_using_get().id(id);
            if let Some(rid) = &request_id {
                call = call.x_request_id(rid.as_ref());
            }
            let outcome = match tokio::time::timeout(remaining, call.send()).await {
                Err(_) => Err(LookupFailure::Timeout),
                Ok(Ok(found)) => {
                    let version = version_from_etag(found.headers()).unwrap_or(0);
                    let person = found.into_inner();
                    match person.id.as_deref() == Some(id) {
                        true => Ok(Lookup::Found(Box::new(person), version)),
                        false => Ok(Lookup::Missing),
                    }
                }
                Ok(Err(contact::Error::ErrorResponse(r))) if is_auth_refusal(r.status()) => Err(LookupFailure::Unauthorized),
                Ok(Err(contact::Error::UnexpectedResponse(r))) if is_auth_refusal(r.status()) => Err(LookupFailure::Unauthorized),
                Ok(Err(contact::Error::ErrorResponse(r))) if r.status().is_client_error() => Ok(Lookup::Missing),
                Ok(Err(contact::Error::UnexpectedResponse(r))) if r.status().is_client_error() => Ok(Lookup::Missing),
                Ok(Err(contact::Error::InvalidRequest(_))) => Ok(Lookup::Missing),
                Ok(Err(contact::Error::CommunicationError(e))) if e.is_timeout() => Err(LookupFailure::Timeout),
                Ok(Err(contact::Error::CommunicationError(_))) => Err(LookupFailure::Connect),
                Ok(Err(_)) => Err(LookupFailure::Status),
            };
            match outcome {
                Ok(found) => {
                    self.breaker.success();
                    return Ok(found);
                }
                Err(failure) => {
                    self.breaker.failure();
                    self.metrics.contact_failure(failure.reason());
                    tracing::warn!(attempt, reason = failure.reason(), "contact service lookup failed");
                    last = failure;
                }
            }
            let pause = backoff(attempt).min(deadline.saturating_duration_since(Instant::now()));
            tokio::time::sleep(pause).await;
        }
        Err(last)
    }
}

/// The version in the contact service's `ETag` (`"<version>"`, as `http::respond::etag` writes).
fn version_from_etag(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    headers.get(reqwest::header::ETAG)?.to_str().ok()?.trim_start_matches("W/").trim_matches('"').parse().ok()
}

fn is_auth_refusal(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN
}

fn backoff(attempt: u32) -> Duration {
    let base = 50u64 << attempt.min(5);
    Duration::from_millis(base / 2 + rand::random_range(0..=base))
}

/// Closed: calls pass. After `threshold` consecutive failures: open for `open_for`, then one
/// probe call; its success closes the circuit, its failure opens it again.
struct Breaker {
    threshold: u32,
    open_for: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
    probing: bool,
}

impl Breaker {
    fn new(threshold: u32, open_for: Duration) -> Self {
        Self { threshold: threshold.max(1), open_for, state: Mutex::default() }
    }

    fn allow(&self) -> bool {
        let mut s = self.state.lock().expect("breaker lock");
        let now = Instant::now();
        match s.open_until {
            None => true,
            Some(until) if now < until => false,
            // A probe that never reported back (its caller went away) expires after one period.
            Some(until) if s.probing && now < until + self.open_for => false,
            Some(_) => {
                s.probing = true;
                s.open_until = Some(now);
                true
            }
        }
    }

    fn success(&self) {
        *self.state.lock().expect("breaker lock") = BreakerState::default();
    }

    fn failure(&self) {
        let mut s = self.state.lock().expect("breaker lock");
        s.failures += 1;
        if s.probing || s.failures >= self.threshold {
            s.open_until = Some(Instant::now() + self.open_for);
            s.probing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_repeated_failures_and_one_probe_closes_it() {
        let b = Breaker::new(2, Duration::from_millis(30));
        b.failure();
        assert!(b.allow());
        b.failure();
        assert!(!b.allow(), "open");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow(), "one probe");
        assert!(!b.allow(), "only one");
        b.success();
        assert!(b.allow() && b.allow(), "closed again");
    }

    #[test]
    fn a_probe_that_never_reports_back_does_not_keep_the_circuit_open() {
        let b = Breaker::new(1, Duration::from_millis(20));
        b.failure();
        std::thread::sleep(Duration::from_millis(30));
        assert!(b.allow(), "probe admitted, then its caller vanished");
        assert!(!b.allow());
        std::thread::sleep(Duration::from_millis(30));
        assert!(b.allow(), "a new probe after one period");
    }

    #[test]
    fn a_failed_probe_opens_the_circuit_again() {
        let b = Breaker::new(1, Duration::from_millis(20));
        b.failure();
        std::thread::sleep(Duration::from_millis(30));
        assert!(b.allow());
        b.failure();
        assert!(!b.allow());
    }
}
