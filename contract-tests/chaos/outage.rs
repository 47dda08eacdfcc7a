//! What a user sees while the database is unreachable, and how long until it is back: shared
//! by the outage scenarios (database stopped, database cut off its network).

use std::time::{Duration, Instant};

use super::system::System;

/// For `how_long`, every half second: a list request (it needs the database) must be a 503
/// with `retry-after`, and readiness a 503. Returns the slowest list answer and how many were
/// asked.
pub async fn requests_fail_fast_and_readiness_says_so(system: &System, how_long: Duration) -> (Duration, usize) {
    let http = reqwest::Client::new();
    let token = crate::harness::auth::full_token();
    let started = Instant::now();
    let (mut slowest, mut asked) = (Duration::ZERO, 0);
    while started.elapsed() < how_long {
        let t = Instant::now();
        let response = http.get(format!("{}/api/v1/order", system.order_url())).bearer_auth(&token).send().await.unwrap();
        slowest = slowest.max(t.elapsed());
        asked += 1;
        assert_eq!(response.status().as_u16(), 503, "a database outage is 503 (after {:?})", started.elapsed());
        assert!(response.headers().contains_key("retry-after"));
        let ready = http.get(format!("{}/health/ready", system.order_url())).send().await.unwrap();
        assert_eq!(ready.status().as_u16(), 503, "readiness while the database is unreachable");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    (slowest, asked)
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
