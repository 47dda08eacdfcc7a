//! Listing 100,000 orders without paging: the service streams them from a cursor, so its memory
//! must not grow with the result. Baseline: the raw driver iterating the same cursor and
//! serialising each order to JSON.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use labs_order::order::service::ORDERS_COLLECTION;
use mongodb::bson::{doc, Document};
use serde_json::json;

use super::{
    print_table,
    proc::{status_kib, RssSampler},
    write_report,
};
use crate::{harness::auth::full_token, order::input_for};

const ORDERS: usize = 100_000;

#[tokio::test]
#[ignore = "benchmark: cargo xtask bench list"]
async fn list() {
    let (contact, config) = super::contact_and_order_config(false).await;
    let service = super::order_service_process(&config).await;
    let (http, token) = (reqwest::Client::new(), full_token());
    let ada = labs_order_client::contact::types::Person { first_name: Some("Ada".into()), ..Default::default() };
    let ada = contact.client.create_using_post().body(ada).send().await.unwrap().into_inner().id.unwrap();
    let url = format!("{}/api/v1/order", service.url);
    assert_eq!(http.post(&url).bearer_auth(&token).json(&input_for(&ada)).send().await.unwrap().status().as_u16(), 200);

    let db = labs_order::mongo::connect(&config.common.mongodb, "bench").await.unwrap();
    let orders = db.collection::<Document>(ORDERS_COLLECTION);
    let mut template = orders.find_one(doc! {}).await.unwrap().unwrap();
    template.remove("outbox"); // copies are published orders: nothing staged
    template.remove("outboxPending");
    let inserting = Instant::now();
    for chunk in (1..ORDERS).collect::<Vec<_>>().chunks(5_000) {
        let docs = chunk.iter().map(|i| {
            let mut d = template.clone();
            let id = format!("bench-{i:06}");
            d.insert("_id", &id);
            d.insert("orderID", &id);
            d
        });
        orders.insert_many(docs).await.unwrap();
    }
    println!("inserted {ORDERS} orders in {:.1} s", inserting.elapsed().as_secs_f64());
    // A paged request first, so the idle reading includes a warmed-up service.
    http.get(format!("{url}?page=0&size=20")).bearer_auth(&token).send().await.unwrap().bytes().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = service.pid();
    let idle_mib = status_kib(pid, "VmRSS") as f64 / 1024.0;
    let sampler = RssSampler::start(pid);
    let started = Instant::now();
    let response = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let mut body = response.bytes_stream();
    let (mut bytes, mut first_byte, mut count) = (0usize, None, 0usize);
    let mut tail = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len();
        // Count orders across chunk borders: keep the last few bytes for the next chunk.
        tail.extend_from_slice(&chunk);
        count += tail.windows(10).filter(|w| *w == b"\"orderID\":").count();
        let keep = tail.len().min(9);
        tail = tail[tail.len() - keep..].to_vec();
    }
    let last_byte = started.elapsed();
    let peak_mib = sampler.stop().await;
    assert_eq!(count, ORDERS, "every order was streamed");

    let started = Instant::now();
    let mut cursor = orders.find(doc! {}).sort(doc! { "_id": 1 }).await.unwrap();
    let (mut baseline_bytes, mut baseline_count) = (0usize, 0usize);
    while let Some(order) = cursor.try_next().await.unwrap() {
        baseline_bytes += serde_json::to_vec(&order).unwrap().len();
        baseline_count += 1;
    }
    let baseline_time = started.elapsed();
    assert_eq!(baseline_count, ORDERS);

    let growth = peak_mib - idle_mib;
    print_table(
        "list: 100,000 orders without paging (streamed)",
        &["who", "first byte ms", "last byte s", "MiB sent", "rss idle MiB", "rss peak MiB", "growth MiB"],
        &[
            vec![
                "order service".into(),
                format!("{:.0}", first_byte.unwrap_or_default().as_secs_f64() * 1000.0),
                format!("{:.2}", last_byte.as_secs_f64()),
                format!("{:.1}", bytes as f64 / 1048576.0),
                format!("{idle_mib:.1}"),
                format!("{peak_mib:.1}"),
                format!("{growth:.1}"),
            ],
            vec![
                "raw driver cursor".into(),
                "-".into(),
                format!("{:.2}", baseline_time.as_secs_f64()),
                format!("{:.1}", baseline_bytes as f64 / 1048576.0),
                "-".into(),
                "-".into(),
                "-".into(),
            ],
        ],
    );
    write_report(
        "list",
        &json!({
            "benchmark": "list", "orders": ORDERS,
            "service": { "first_byte_ms": first_byte.unwrap_or_default().as_secs_f64() * 1000.0, "last_byte_s": last_byte.as_secs_f64(),
                "bytes": bytes, "rss_idle_mib": idle_mib, "rss_peak_mib": peak_mib, "rss_growth_mib": growth },
            "baseline_raw_driver_cursor": { "seconds": baseline_time.as_secs_f64(), "json_bytes": baseline_bytes },
            "target_rss_growth_mib_max": 20,
        }),
    );
}
