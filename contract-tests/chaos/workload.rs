//! A mixed load of writes and person changes through both public APIs, run until stopped.
//! Failures (a service being killed, a dependency down) are expected and counted, not fatal.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use rand::{seq::IndexedRandom, Rng};
use serde_json::{json, Value};

use crate::harness::auth::full_token;

/// One request per worker this often: with four workers 16 requests/s, about 7 person changes
/// a second, each rewriting every order of that person. The order service's consumer applies
/// about 4 such changes a second on SecantusDB once persons hold dozens of orders, so a fault's
/// backlog still drains within the invariants' wait.
const PACE: Duration = Duration::from_millis(250);

#[derive(Default)]
pub struct Tally {
    pub ok: AtomicUsize,
    pub failed: AtomicUsize,
}

pub struct Workload {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub tally: Arc<Tally>,
}

impl Workload {
    /// `workers` concurrent loops against the two services, each sending a request every
    /// [`PACE`]; `persons` are created first.
    pub async fn start(contact_url: String, order_url: String, workers: usize) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        let token = full_token();
        let persons = Arc::new(Mutex::new(Vec::new()));
        for i in 0..8 {
            let created = http
                .post(format!("{contact_url}/api/v1/person"))
                .bearer_auth(&token)
                .json(&json!({ "firstName": format!("Chaos{i}"), "lastName": "Start" }))
                .send()
                .await
                .unwrap();
            let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
            persons.lock().unwrap().push(id);
        }
        let (stop, tally) = (Arc::new(AtomicBool::new(false)), Arc::new(Tally::default()));
        let orders = Arc::new(Mutex::new(Vec::<String>::new()));
        let tasks = (0..workers)
            .map(|_| {
                let (http, token, contact_url, order_url) = (http.clone(), token.clone(), contact_url.clone(), order_url.clone());
                let (stop, tally, persons, orders) = (stop.clone(), tally.clone(), persons.clone(), orders.clone());
                tokio::spawn(async move {
                    // A steady rate, the same however fast the services answer (open loop: a
                    // faster write path must not turn into a heavier load); a flood only grows
                    // the backlog a fault leaves.
                    let mut pace = tokio::time::interval(PACE);
                    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    while !stop.load(Ordering::Relaxed) {
                        pace.tick().await;
                        let (roll, person, order, n) = {
                            let mut rng = rand::rng();
                            let person = persons.lock().unwrap().choose(&mut rng).cloned().unwrap();
                            let order = orders.lock().unwrap().choose(&mut rng).cloned();
                            (rng.random_range(0..100), person, order, rng.random_range(0..1_000_000))
                        };
                        let request = match (roll, &order) {
                            (0..35, _) | (_, None) => http.post(format!("{order_url}/api/v1/order")).json(&json!({
                                "soldToID": person, "billToID": person, "shipToID": person, "orderValue": n, "currencyCode": "EUR"
                            })),
                            (35..50, Some(o)) => http.patch(format!("{order_url}/api/v1/order/{o}")).json(&json!({ "orderValue": n })),
                            (50..55, Some(o)) => http.delete(format!("{order_url}/api/v1/order/{o}")),
                            (55..95, _) => {
                                http.patch(format!("{contact_url}/api/v1/person/{person}")).json(&json!({ "lastName": format!("L{n}") }))
                            }
                            _ => http
                                .post(format!("{contact_url}/api/v1/person"))
                                .json(&json!({ "firstName": "Late", "lastName": format!("L{n}") })),
                        };
                        match request.bearer_auth(&token).send().await {
                            Ok(response) if response.status().is_success() => {
                                tally.ok.fetch_add(1, Ordering::Relaxed);
                                if let Ok(body) = response.json::<Value>().await {
                                    if let Some(id) = body["orderID"].as_str() {
                                        orders.lock().unwrap().push(id.to_string());
                                    } else if roll >= 95 {
                                        if let Some(id) = body["id"].as_str() {
                                            persons.lock().unwrap().push(id.to_string());
                                        }
                                    }
                                }
                            }
                            _ => {
                                tally.failed.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        Self { stop, tasks, tally }
    }

    /// Stops the loops and waits for their last requests.
    pub async fn stop(self) -> (usize, usize) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
        (self.tally.ok.load(Ordering::Relaxed), self.tally.failed.load(Ordering::Relaxed))
    }
}
