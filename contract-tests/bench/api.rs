//! The order API under load: GET one order, POST an order whose persons are in the replica, and
//! GET a page, at concurrency 1, 16 and 64. The service runs as its own process so its CPU time
//! and memory can be read from `/proc`; the baseline is the raw driver doing the same database
//! commands (the same transaction for POST) at the same concurrency from this process.

use std::{sync::Arc, time::Duration};

use futures::{future::BoxFuture, TryStreamExt};
use labs_order::order::{persons::PERSONS_COLLECTION, service::ORDERS_COLLECTION};
use mongodb::{
    bson::{doc, Document},
    Collection, Database,
};
use serde_json::{json, Value};

use super::{
    load::{self, LoadResult},
    print_table,
    proc::{cpu_seconds, RssSampler},
    write_report,
};
use crate::{harness::auth::full_token, order::input_for};

const CONCURRENCY: [usize; 3] = [1, 16, 64];
const PERSONS: usize = 20;
const SEEDED_ORDERS: usize = 200;

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Get,
    Post,
    Page,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::Get => "GET /api/v1/order/{id}",
            Self::Post => "POST /api/v1/order",
            Self::Page => "GET /api/v1/order?page&size=20",
        }
    }

    /// SecantusDB commits a few hundred transactions per second: fewer POSTs keep the run short.
    fn requests(self) -> usize {
        match self {
            Self::Get => 3000,
            Self::Post => 400,
            Self::Page => 1500,
        }
    }
}

/// What the raw driver needs: the same collections' shapes, as `baseline_*` copies.
struct Baseline {
    db: Database,
    orders: Collection<Document>,
    persons: Collection<Document>,
    outbox: Collection<Document>,
    tombstones: Collection<Document>,
    order_template: Document,
    outbox_template: Document,
}

impl Baseline {
    async fn prepare(db: &Database) -> Self {
        let orders = db.collection::<Document>("baseline_orders");
        for role in ["soldTo", "billTo", "shipTo"] {
            orders.create_index(mongodb::IndexModel::builder().keys(doc! { format!("{role}.id"): 1 }).build()).await.unwrap();
        }
        let outbox = db.collection::<Document>("baseline_outbox");
        outbox.create_index(mongodb::IndexModel::builder().keys(doc! { "sent": 1, "_id": 1 }).build()).await.unwrap();
        outbox.create_index(mongodb::IndexModel::builder().keys(doc! { "sent": 1, "key": 1, "version": 1 }).build()).await.unwrap();
        let persons = db.collection::<Document>("baseline_persons");
        let replica: Vec<Document> =
            db.collection::<Document>(PERSONS_COLLECTION).find(doc! {}).await.unwrap().try_collect().await.unwrap();
        persons.insert_many(replica).await.unwrap();
        let served: Vec<Document> = db.collection::<Document>(ORDERS_COLLECTION).find(doc! {}).await.unwrap().try_collect().await.unwrap();
        orders.insert_many(served.clone()).await.unwrap();
        let outbox_template = db.collection::<Document>("outbox").find_one(doc! {}).await.unwrap().expect("an outbox record");
        Self {
            db: db.clone(),
            orders,
            persons,
            outbox,
            tombstones: db.collection("baseline_tombstones"),
            order_template: served[0].clone(),
            outbox_template,
        }
    }

    /// The service's database commands for a POST with one person in all three roles: the
    /// replica read, then in one transaction: order and tombstone reads, three replica touches,
    /// the order upsert and the outbox insert.
    async fn post(self: Arc<Self>, person: String) -> bool {
        let id = uuid::Uuid::new_v4().to_string();
        if self.persons.find_one(doc! { "_id": &person }).await.is_err() {
            return false;
        }
        let this = self.clone();
        let outcome = labs_order::mongo::transaction(self.db.client(), move |session| {
            let (this, id, person) = (this.clone(), id.clone(), person.clone());
            let body: BoxFuture<'_, mongodb::error::Result<Result<(), ()>>> = Box::pin(async move {
                this.orders.find_one(doc! { "_id": &id }).session(&mut *session).await?;
                this.tombstones.find_one(doc! { "_id": &id }).session(&mut *session).await?;
                for _ in 0..3 {
                    let touch = doc! { "$set": { "referencedAt": mongodb::bson::DateTime::now() } };
                    this.persons.find_one_and_update(doc! { "_id": &person }, touch).session(&mut *session).await?;
                }
                let mut order = this.order_template.clone();
                order.insert("_id", &id);
                order.insert("orderID", &id);
                this.orders.replace_one(doc! { "_id": &id }, order).upsert(true).session(&mut *session).await?;
                let mut record = this.outbox_template.clone();
                record.insert("_id", mongodb::bson::oid::ObjectId::new());
                record.insert("key", &id);
                this.outbox.insert_one(record).session(&mut *session).await?;
                Ok(Ok(()))
            });
            body
        })
        .await;
        matches!(outcome, Ok(Ok(())))
    }
}

struct Measured {
    load: LoadResult,
    cpu_us_per_request: f64,
    peak_rss_mib: f64,
}

async fn measure_service(pid: u32, load: impl std::future::Future<Output = LoadResult>) -> Measured {
    let (cpu_before, sampler) = (cpu_seconds(pid), RssSampler::start(pid));
    let load = load.await;
    let cpu = cpu_seconds(pid) - cpu_before;
    Measured { cpu_us_per_request: cpu * 1e6 / load.requests as f64, peak_rss_mib: sampler.stop().await, load }
}

#[tokio::test]
#[ignore = "benchmark: cargo xtask bench api"]
async fn api() {
    let (contact, config) = super::contact_and_order_config(true).await;
    let service = super::order_service_process(&config).await;
    let pid = service.pid();
    let token = full_token();
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let base = format!("{}/api/v1/order", service.url);

    // Persons, read once through the contact API into the replica; orders to read.
    let mut persons = Vec::new();
    for i in 0..PERSONS {
        let person = labs_order_client::contact::types::Person { first_name: Some(format!("P{i}")), ..Default::default() };
        persons.push(contact.client.create_using_post().body(person).send().await.unwrap().into_inner().id.unwrap());
    }
    let mut ids = Vec::new();
    for i in 0..SEEDED_ORDERS {
        let created = http.post(&base).bearer_auth(&token).json(&input_for(&persons[i % PERSONS])).send().await.unwrap();
        assert_eq!(created.status().as_u16(), 200);
        ids.push(created.json::<Value>().await.unwrap()["orderID"].as_str().unwrap().to_string());
    }
    let db = labs_order::mongo::connect(&config.mongodb, "bench-baseline").await.unwrap();
    let baseline = Arc::new(Baseline::prepare(&db).await);
    let (persons, ids) = (Arc::new(persons), Arc::new(ids));
    let idle_rss = super::proc::status_kib(pid, "VmRSS") as f64 / 1024.0;

    let mut rows = Vec::new();
    let mut report = Vec::new();
    for scenario in [Scenario::Get, Scenario::Page, Scenario::Post] {
        for concurrency in CONCURRENCY {
            let n = scenario.requests();
            let (http, base, token, service_ids, service_persons) =
                (http.clone(), base.clone(), token.clone(), ids.clone(), persons.clone());
            let service_load = load::run(concurrency, n, move |i| {
                let (ids, persons) = (&service_ids, &service_persons);
                let request = match scenario {
                    Scenario::Get => http.get(format!("{base}/{}", ids[i % ids.len()])),
                    Scenario::Page => http.get(format!("{base}?page={}&size=20", i % 10)),
                    Scenario::Post => http.post(&base).json(&input_for(&persons[i % persons.len()])),
                };
                let request = request.bearer_auth(&token);
                async move {
                    match request.send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            });
            let measured = measure_service(pid, service_load).await;

            let (b, ids, persons) = (baseline.clone(), ids.clone(), persons.clone());
            let baseline_load = load::run(concurrency, n, move |i| {
                let (b, ids, persons) = (b.clone(), ids.clone(), persons.clone());
                async move {
                    match scenario {
                        Scenario::Get => b.orders.find_one(doc! { "_id": &ids[i % ids.len()] }).await.is_ok(),
                        Scenario::Page => {
                            let page = b.orders.find(doc! {}).sort(doc! { "_id": 1 }).skip((i % 10) as u64 * 20).limit(20).await;
                            match page {
                                Ok(cursor) => cursor.try_collect::<Vec<_>>().await.is_ok(),
                                Err(_) => false,
                            }
                        }
                        Scenario::Post => b.post(persons[i % persons.len()].clone()).await,
                    }
                }
            })
            .await;

            let s = &measured.load;
            let throughput_ratio = s.per_second() / baseline_load.per_second();
            let added_p99 = s.quantile_ms(0.99) - baseline_load.quantile_ms(0.99);
            rows.push(vec![
                scenario.name().to_string(),
                concurrency.to_string(),
                format!("{:.0}", s.per_second()),
                format!("{:.0}", baseline_load.per_second()),
                format!("{throughput_ratio:.2}"),
                format!("{:.2}", s.quantile_ms(0.5)),
                format!("{:.2}", s.quantile_ms(0.99)),
                format!("{:.2}", s.quantile_ms(0.999)),
                format!("{:.2}", baseline_load.quantile_ms(0.99)),
                format!("{added_p99:+.2}"),
                format!("{:.0}", measured.cpu_us_per_request),
                format!("{:.1}", measured.peak_rss_mib),
                format!("{}/{}", s.failures, baseline_load.failures),
            ]);
            report.push(json!({
                "scenario": scenario.name(), "concurrency": concurrency, "requests": n,
                "service": { "requests_per_s": s.per_second(), "p50_ms": s.quantile_ms(0.5), "p99_ms": s.quantile_ms(0.99),
                    "p999_ms": s.quantile_ms(0.999), "failures": s.failures, "cpu_us_per_request": measured.cpu_us_per_request,
                    "peak_rss_mib": measured.peak_rss_mib },
                "baseline_raw_driver": { "requests_per_s": baseline_load.per_second(), "p50_ms": baseline_load.quantile_ms(0.5),
                    "p99_ms": baseline_load.quantile_ms(0.99), "p999_ms": baseline_load.quantile_ms(0.999), "failures": baseline_load.failures },
                "throughput_ratio": throughput_ratio, "added_p99_ms": added_p99,
            }));
            tokio::time::sleep(Duration::from_millis(500)).await; // let the relay drain between runs
        }
    }
    print_table(
        "api: order service (own process) vs raw driver loop, same database commands",
        &[
            "scenario",
            "conc",
            "rps",
            "base rps",
            "ratio",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "base p99",
            "added p99",
            "cpu µs/req",
            "rss MiB",
            "fail s/b",
        ],
        &rows,
    );
    write_report(
        "api",
        &json!({
            "benchmark": "api", "idle_rss_mib": idle_rss, "peak_rss_mib_process_lifetime": super::proc::status_kib(pid, "VmHWM") as f64 / 1024.0,
            "targets": { "throughput_ratio_min": 0.9, "added_p99_ms_max": 1.0, "cpu_us_per_get_max": 60, "cpu_us_per_post_max": 150, "rss_mib_max": 40 },
            "runs": report,
        }),
    );
}
