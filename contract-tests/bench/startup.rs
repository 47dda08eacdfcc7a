//! Start to ready: from spawning the order service (database and broker up) to its first 200
//! on `/health/ready`. Baseline: the same dependencies' own start-up work done by the raw
//! clients in this process (connect and ping MongoDB, fetch Kafka metadata).

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    ClientConfig,
};
use serde_json::json;

use super::{print_table, write_report};

const RUNS: usize = 7;

fn ready(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok() && stream.read_exact(&mut head).is_ok() && &head[9..12] == b"200"
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

#[tokio::test]
#[ignore = "benchmark: cargo xtask bench startup"]
async fn startup() {
    let (_contact, mut config) = super::contact_and_order_config(true).await; // runs until the end
    let file = std::env::temp_dir().join(format!("startup-{}.yaml", crate::harness::unique_suffix()));

    let mut service_ms = Vec::new();
    for run in 0..=RUNS {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        config.common.port = port;
        std::fs::write(&file, serde_json::to_vec(&config).unwrap()).unwrap();
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_order-service"))
            .arg("--config")
            .arg(&file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while !ready(port) {
            assert!(started.elapsed() < Duration::from_secs(30), "not ready after 30 s");
            std::thread::sleep(Duration::from_millis(2));
        }
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let _ = child.kill();
        let _ = child.wait();
        if run > 0 {
            // The first run creates topics and indexes; later ones are ordinary restarts.
            service_ms.push(elapsed);
        }
    }

    let mut baseline_ms = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let db = labs_order::mongo::connect(&config.common.mongodb, "bench-startup").await.unwrap();
        db.run_command(mongodb::bson::doc! { "ping": 1 }).await.unwrap();
        let bootstrap = config.common.kafka.bootstrap_servers.clone();
        tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer = ClientConfig::new().set("bootstrap.servers", &bootstrap).create().unwrap();
            consumer.fetch_metadata(None, Duration::from_secs(5)).unwrap();
        })
        .await
        .unwrap();
        baseline_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = std::fs::remove_file(&file);

    let row = |who: &str, v: &[f64]| {
        let (min, max) = (v.iter().cloned().fold(f64::MAX, f64::min), v.iter().cloned().fold(0.0, f64::max));
        vec![who.to_string(), format!("{min:.0}"), format!("{:.0}", median(v.to_vec())), format!("{max:.0}")]
    };
    print_table(
        "startup: process start to /health/ready 200 (restarts; database and broker up)",
        &["who", "min ms", "median ms", "max ms"],
        &[row("order service", &service_ms), row("raw clients: connect + ping + metadata", &baseline_ms)],
    );
    write_report(
        "startup",
        &json!({
            "benchmark": "startup", "runs": RUNS,
            "service_ms": service_ms, "service_median_ms": median(service_ms.clone()),
            "baseline_raw_clients_ms": baseline_ms, "baseline_median_ms": median(baseline_ms.clone()),
            "target_ms": 200,
        }),
    );
}
