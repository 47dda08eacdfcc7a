//! What a user sees while the database is unreachable, and how long until it is back: shared
//! by the outage scenarios (database stopped, database cut off its network).

use std::time::{Duration, Instant};

use super::system::System;

/// What [`requests_fail_fast_and_readiness_says_so`] saw.
pub struct Seen {
    /// The slowest answer to a list request, and to a readiness probe.
    pub slowest: Duration,
    pub slowest_ready: Duration,
    /// List requests asked.
    pub asked: usize,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} list requests all 503, slowest {:.2?}; readiness 503, slowest {:.2?}", self.asked, self.slowest, self.slowest_ready)
    }
}

/// For `how_long`, every half second: a list request (it needs the database) must be a 503
/// with `retry-after`, and readiness a 503.
pub async fn requests_fail_fast_and_readiness_says_so(system: &System, how_long: Duration) -> Seen {
    let http = reqwest::Client::new();
    let token = crate::harness::auth::full_token();
    let started = Instant::now();
    let mut seen = Seen { slowest: Duration::ZERO, slowest_ready: Duration::ZERO, asked: 0 };
    while started.elapsed() < how_long {
        let t = Instant::now();
        let response = http.get(format!("{}/api/v1/order", system.order_url())).bearer_auth(&token).send().await.unwrap();
        seen.slowest = seen.slowest.max(t.elapsed());
        seen.asked += 1;
        assert_eq!(response.status().as_u16(), 503, "a database outage is 503 (after {:?})", started.elapsed());
        assert!(response.headers().contains_key("retry-after"));
        let t = Instant::now();
        let ready = http.get(format!("{}/health/ready", system.order_url())).send().await.unwrap();
        seen.slowest_ready = seen.slowest_ready.max(t.elapsed());
        assert_eq!(ready.status().as_u16(), 503, "readiness while the database is unreachable");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    seen
}

/// Waits (at most 60 s) until the order service is ready again; returns how long that took.
pub async fn ready_again(system: &System) -> Duration {
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{}/health/ready", system.order_url())).send().await.unwrap().status().as_u16() != 200 {
        assert!(started.elapsed() < Duration::from_secs(60), "never ready again");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    started.elapsed()
}
