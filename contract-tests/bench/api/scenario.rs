//! The scenarios and the targets they are held against (issue 11; docs/performance.md for RSS and ratio).

use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    Get,
    Page,
    /// Persons already in the service's replica, spread over `PERSONS`, one per order in all roles.
    Post,
    /// Every order references the same three persons (sold-to, bill-to, ship-to), all known.
    PostBigCustomer,
    /// Every order references three persons the order service has never seen.
    PostFreshPersons,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [Self::Get, Self::Page, Self::Post, Self::PostBigCustomer, Self::PostFreshPersons];

    pub fn name(self) -> &'static str {
        match self {
            Self::Get => "GET /api/v1/order/{id}",
            Self::Page => "GET /api/v1/order?page&size=20",
            Self::Post => "POST (persons in the replica)",
            Self::PostBigCustomer => "POST big customer",
            Self::PostFreshPersons => "POST fresh persons",
        }
    }

    pub fn requests(self) -> usize {
        match self {
            Self::Get => super::GET_REQUESTS,
            Self::Page => super::PAGE_REQUESTS,
            _ => super::POST_REQUESTS,
        }
    }

    pub fn is_post(self) -> bool {
        matches!(self, Self::Post | Self::PostBigCustomer | Self::PostFreshPersons)
    }

    /// What the baseline does for this scenario, for the report.
    pub fn baseline(self) -> &'static str {
        match self {
            Self::Get => "find_one by _id; GETs that arrive while one is in flight share one find with $in (labs_order::mongo::batch, as the service)",
            Self::Page => "find, same sort/skip/limit",
            Self::Post | Self::PostBigCustomer => "persons find $in; orders insert_one (staged event embedded), creates that arrive while one is in flight sharing one unordered insert (as the service); relay: find pending, persons find $in, Kafka, one update command",
            Self::PostFreshPersons => "as POST, plus before the insert (no transaction) one update inserting the persons as replica entries (an upsert each), and a read of those that existed; without the service's 3 HTTP lookups to the contact service",
        }
    }
}

/// The original Node/Fastify service's POST throughput on this machine and database (issue 11):
/// 262/s at c=1, 165–249/s at c=16 (the lower round is the floor). It has no c=64 figure: the
/// c=16 floor stands in.
pub fn node_post_per_s(concurrency: usize) -> f64 {
    if concurrency == 1 {
        262.0
    } else {
        165.0
    }
}
pub const POST_P99_MS_MAX_AT_16: f64 = 200.0;
pub const DB_COMMANDS_PER_ORDER_MAX: f64 = 5.0;
pub const CPU_US_PER_POST_MAX: f64 = 1000.0;
pub const CPU_US_PER_GET_MAX: f64 = 150.0;
/// docs/performance.md: peak RSS under load, and throughput against the raw driver.
pub const RSS_MIB_MAX: f64 = 40.0;
pub const THROUGHPUT_RATIO_MIN: f64 = 0.9;

pub fn targets_json() -> Value {
    json!({
        "post_requests_per_s_min": { "c1": node_post_per_s(1), "c16": node_post_per_s(16), "c64": node_post_per_s(64),
            "source": "Node/Fastify original (issue 11): 262/s at c=1, 165-249/s at c=16; no c=64 figure, the c=16 floor is used" },
        "post_p99_ms_max_at_c16": POST_P99_MS_MAX_AT_16,
        "db_commands_per_created_order_max": DB_COMMANDS_PER_ORDER_MAX,
        "transaction_retries_at_c16_max": { "POST big customer": 0, "POST fresh persons": 0 },
        "cpu_us_per_post_max": CPU_US_PER_POST_MAX,
        "cpu_us_per_get_max": CPU_US_PER_GET_MAX,
        "rss_mib_max": RSS_MIB_MAX,
        "throughput_ratio_vs_raw_driver_min": THROUGHPUT_RATIO_MIN,
    })
}
