//! Benchmarks, run by `cargo xtask bench <name>` on fresh stand-ins (ignored in the normal
//! suite: they print figures, they do not assert timings). Each measures a baseline in the same
//! run, because these machines are shared and absolute times drift: the raw MongoDB driver (or
//! Kafka client) doing the same work, which is the limit on this database.

mod api;
mod events;
mod fanout;
mod list;
mod load;
mod proc;
mod startup;

/// A contact service in this process (with or without its relay) and the configuration of an
/// order service following its topics.
pub async fn contact_and_order_config(contact_outbox: bool) -> (crate::harness::ContactApp, labs_order::order::OrderConfig) {
    let contact = crate::harness::ContactApp::spawn_with(|c| c.common.outbox.enabled = contact_outbox).await;
    let mut config = crate::harness::OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    (contact, config)
}

/// That order service as its own process, so `/proc` readings are its alone.
pub async fn order_service_process(config: &labs_order::order::OrderConfig) -> crate::harness::process::ServiceProcess {
    crate::harness::process::ServiceProcess::quiet(env!("CARGO_BIN_EXE_order-service"), serde_json::to_value(config).unwrap()).await
}

/// Writes `target/bench/<name>.json` and prints it.
pub fn write_report(name: &str, report: &serde_json::Value) {
    let dir = format!("{}/target/bench", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(format!("{dir}/{name}.json"), serde_json::to_vec_pretty(report).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(report).unwrap());
}

/// One series' value from an OpenMetrics text (0 when absent).
pub fn counter(metrics: &str, series: &str) -> f64 {
    metrics.lines().find(|l| l.starts_with(series)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok()).unwrap_or(0.0)
}

/// Prints rows under a header as an aligned text table.
pub fn print_table(title: &str, header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect::<Vec<_>>().join("  ");
    println!("\n{title}\n{}", line(header.to_vec()));
    for row in rows {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
}

/// Creates on `to` every index of `from` but `_id`; how many. Baselines run on collections
/// indexed like the service's: every index costs each write.
pub async fn copy_indexes(from: &mongodb::Collection<mongodb::bson::Document>, to: &mongodb::Collection<mongodb::bson::Document>) -> usize {
    let indexes: Vec<mongodb::IndexModel> = match from.list_indexes().await {
        Ok(cursor) => futures::TryStreamExt::try_collect(cursor).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let copied: Vec<mongodb::IndexModel> = indexes.into_iter().filter(|i| !(i.keys.len() == 1 && i.keys.contains_key("_id"))).collect();
    println!("baseline: {} indexes of {} copied to {}", copied.len(), from.name(), to.name());
    let count = copied.len();
    for index in copied {
        to.create_index(index).await.unwrap();
    }
    count
}
