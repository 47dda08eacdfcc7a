//! The order API under load, at concurrency 1, 16 and 64: GET one order, GET a page, and three
//! POSTs: persons already in the replica, a big customer (every order the same three persons),
//! and fresh persons (three the service has never seen, fetched from the contact service). The
//! service runs as its own process: its CPU time and memory come from `/proc`, its database
//! commands and transaction retries from its own `/metrics` (relay included: each write run
//! ends when the relay published its events). The baseline is the raw driver doing the same
//! database commands at the same concurrency from this process (`api/baseline.rs`).

mod baseline;
mod relay;
mod report;
mod scenario;
pub(super) mod scrape;
mod service;

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use serde_json::{json, Value};

use self::{baseline::Baseline, relay::Publisher, report::Run, scenario::Scenario, service::ServiceProbe};
use super::load;
use crate::{harness::auth::full_token, order::input_for};

const CONCURRENCY: [usize; 3] = [1, 16, 64];
/// Persons of the replica POSTs (and the first three are the big customer).
const PERSONS: usize = 20;
const SEEDED_ORDERS: usize = 200;
const GET_REQUESTS: usize = 3000;
const PAGE_REQUESTS: usize = 1500;
/// Per POST scenario and concurrency. SecantusDB commits a few hundred transactions per second:
/// fewer POSTs keep the run short.
const POST_REQUESTS: usize = 400;
/// Three unused persons per fresh-persons order, at every concurrency.
const FRESH_PERSONS: usize = 3 * POST_REQUESTS * CONCURRENCY.len();
/// How many persons are created in the contact service at once, before the runs.
const CREATE_CONCURRENCY: usize = 8;
/// How long a relay may take to publish the events of one run.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test]
#[ignore = "benchmark: cargo xtask bench api"]
async fn api() {
    // The contact service's relay is off: the order service hears of no person before an order
    // references it (fresh persons are fetched through the contact API), and no person events
    // run in the background of the measurements.
    let (contact, config) = super::contact_and_order_config(false).await;
    let service = super::order_service_process(&config).await;
    let token = full_token();
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let base = format!("{}/api/v1/order", service.url);

    let persons = Arc::new(create_persons(&contact, PERSONS, "P").await);
    let fresh = Arc::new(create_persons(&contact, FRESH_PERSONS, "Fresh").await);
    // Orders to read; they bring the replica persons into the service's replica.
    let mut ids = Vec::new();
    for i in 0..SEEDED_ORDERS {
        let created = http.post(&base).bearer_auth(&token).json(&input_for(&persons[i % PERSONS])).send().await.unwrap();
        assert_eq!(created.status().as_u16(), 200);
        ids.push(created.json::<Value>().await.unwrap()["orderID"].as_str().unwrap().to_string());
    }
    let ids = Arc::new(ids);
    let probe_db = labs_order::mongo::connect(&config.common.mongodb, "bench-probe").await.unwrap();
    let probe = ServiceProbe::new(&service, &config, probe_db.clone());
    if !probe.drained(DRAIN_TIMEOUT).await {
        println!("warning: the relay had not published the seeded orders' events after {DRAIN_TIMEOUT:?}");
    }

    let served: Value = http.get(format!("{base}/{}", ids[0])).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let event = labs_order::cloudevents::new_event(&config.event_source, "order.created", &ids[0], served, Some("bench")).unwrap();
    let payload = labs_order::cloudevents::to_structured_json(&event).unwrap();
    let baseline = Baseline::prepare(&config, &probe_db, payload).await;
    let baseline_relay = relay::spawn(baseline.clone(), Publisher::new(&config).await, &config.common.outbox);
    let idle_rss = super::proc::status_kib(probe.pid, "VmRSS") as f64 / 1024.0;
    let idle = probe.idle(Duration::from_secs(3)).await;

    let mut runs = Vec::new();
    let mut fresh_used = 0;
    for scenario in Scenario::ALL {
        for concurrency in CONCURRENCY {
            let n = scenario.requests();
            let (http, base, token, order_ids, known, fresh, offset) =
                (http.clone(), base.clone(), token.clone(), ids.clone(), persons.clone(), fresh.clone(), fresh_used);
            let service_load = load::run(concurrency, n, move |i| {
                let request = match scenario {
                    Scenario::Get => http.get(format!("{base}/{}", order_ids[i % order_ids.len()])),
                    Scenario::Page => http.get(format!("{base}?page={}&size=20", i % 10)),
                    Scenario::PostFreshPersons => http.post(&base).json(&order_input(&fresh[offset + 3 * i..offset + 3 * i + 3])),
                    _ => http.post(&base).json(&order_input(&known_persons(scenario, &known, i))),
                };
                let request = request.bearer_auth(&token);
                async move {
                    match request.send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            });
            let measured = probe.run(scenario.is_post(), service_load).await;
            if scenario == Scenario::PostFreshPersons {
                fresh_used += 3 * n;
            }

            let baseline_before = baseline.scrape();
            // This process does nothing but the baseline meanwhile: its CPU is the raw driver's
            // (and the baseline relay's) cost of the same commands.
            let bench_cpu_before = super::proc::cpu_seconds(std::process::id());
            let baseline_db_cpu = service::DbCpu::start(probe.db_pid);
            let (b, ids, persons) = (baseline.clone(), ids.clone(), persons.clone());
            let baseline_load = load::run(concurrency, n, move |i| {
                let (b, ids, persons) = (b.clone(), ids.clone(), persons.clone());
                async move {
                    match scenario {
                        Scenario::Get => b.get(&ids[i % ids.len()]).await,
                        Scenario::Page => b.page((i % 10) as u64).await,
                        Scenario::PostFreshPersons => {
                            b.post_fresh([(); 3].map(|_| format!("baseline-fresh-{}", uuid::Uuid::new_v4()))).await
                        }
                        _ => b.post_known(known_persons(scenario, &persons, i)).await,
                    }
                }
            })
            .await;
            let baseline_drained = baseline.relay.wait_idle(DRAIN_TIMEOUT).await;
            let baseline_cpu_us_per_request =
                (super::proc::cpu_seconds(std::process::id()) - bench_cpu_before) * 1e6 / baseline_load.requests as f64;
            let baseline_counts = baseline.scrape().since(&baseline_before);
            let baseline_db_cpu_us_per_request = baseline_db_cpu.per_request_us(baseline_load.requests);
            runs.push(Run {
                scenario,
                concurrency,
                service: measured,
                baseline: baseline_load,
                baseline_counts,
                baseline_drained,
                baseline_cpu_us_per_request,
                baseline_db_cpu_us_per_request,
                idle_cpu_per_s: idle.cpu_per_s,
            });
        }
    }
    baseline_relay.abort();

    report::report(
        &runs,
        json!({
            "idle_rss_mib": idle_rss, "peak_rss_mib_process_lifetime": super::proc::status_kib(probe.pid, "VmHWM") as f64 / 1024.0,
            "idle_db_commands_per_s": idle.commands_per_s, "idle_cpu_ms_per_s": idle.cpu_per_s * 1e3,
            "baseline_relay_failed_passes": baseline.relay.errors(),
            "baseline_publishes_to_kafka": relay::PUBLISH_TO_KAFKA,
            "notes": [
                "db commands per request: the delta of db_client_operation_duration_seconds_count (all series) in the service's /metrics over the run, write runs ending when the relay published every event; includes the background loops meanwhile and the closing scrape's own reads (see idle_db_commands_per_s)",
                "transaction retries: the delta of mongo_transaction_retries_total (service) and of this process's counter (baseline)",
                "CPU per request: utime + stime of the service process from the start of the load until its relay published the run's events",
                "idle CPU per request: the service's CPU while idle (idle_cpu_ms_per_s, measured before the runs) over the same window, per request: the share of the CPU per request that is background work, not the requests' (the checks use the gross figure)",
                "baseline CPU per request: utime + stime of this benchmark process over the baseline's run (the raw driver, the baseline relay's Kafka producer and the load loop; nothing else runs in it meanwhile): the floor the service's own CPU per request sits on",
                "db CPU per request: utime + stime of the database server's process (found by its listening port; absent when it is not a process of this machine) over the same window as the service's or the baseline's CPU, per request; includes the database's work for anything else meanwhile (the idle service's polls, the contact service's lookups in the fresh-persons runs)",
                "POST fresh persons: the baseline does not make the service's three HTTP lookups to the contact service",
            ],
        }),
    );
}

/// The persons of a POST whose persons are known: one of `PERSONS` in all three roles, or the
/// big customer's three.
fn known_persons(scenario: Scenario, persons: &[String], i: usize) -> [String; 3] {
    match scenario {
        Scenario::PostBigCustomer => [persons[0].clone(), persons[1].clone(), persons[2].clone()],
        _ => [(); 3].map(|_| persons[i % persons.len()].clone()),
    }
}

/// The order the other tests post, with sold-to, bill-to and ship-to from `ids`.
fn order_input(ids: &[String]) -> Value {
    let mut input = serde_json::to_value(input_for(&ids[0])).unwrap();
    input["billToID"] = json!(ids[1]);
    input["shipToID"] = json!(ids[2]);
    input
}

/// `n` persons created through the contact API; their ids.
async fn create_persons(contact: &crate::harness::ContactApp, n: usize, prefix: &str) -> Vec<String> {
    futures::stream::iter(0..n)
        .map(|i| async move {
            let person = labs_order_client::contact::types::Person { first_name: Some(format!("{prefix}{i}")), ..Default::default() };
            contact.client.create_using_post().body(person).send().await.unwrap().into_inner().id.unwrap()
        })
        .buffered(CREATE_CONCURRENCY)
        .collect()
        .await
}
