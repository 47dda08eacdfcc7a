//! Database commands and transaction retries, counted from a service's own `/metrics`
//! (`db_client_operation_duration_seconds_count{operation,collection}` and
//! `mongo_transaction_retries_total`), or from the same metrics kept for the baseline's client.

use std::collections::BTreeMap;

/// The histogram counts of every database command, one series per (operation, collection).
const DB_COMMANDS: &str = "db_client_operation_duration_seconds_count";
/// The same histogram's total seconds per series.
const DB_SECONDS: &str = "db_client_operation_duration_seconds_sum";
/// Transactions retried after a transient error (a counter: the `_total` suffix is the exporter's).
const TRANSACTION_RETRIES: &str = "mongo_transaction_retries_total";
/// Staged events not yet acknowledged by Kafka.
const OUTBOX_BACKLOG: &str = "outbox_backlog";

/// The counters of interest at one moment.
#[derive(Debug, Clone, Default)]
pub struct Scrape {
    /// Commands so far by "operation collection" (or "operation" alone).
    pub commands: BTreeMap<String, f64>,
    /// Seconds spent in them so far, by the same key.
    pub seconds: BTreeMap<String, f64>,
    pub retries: f64,
    /// The gauge, when the service exports it.
    pub outbox_backlog: Option<f64>,
}

impl Scrape {
    pub fn parse(text: &str) -> Self {
        let mut scrape = Scrape::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((name, labels, value)) = series(line) else { continue };
            let label = |key: &str| labels.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| *v);
            // getMore and commitTransaction name no collection.
            let command = || format!("{} {}", label("operation"), label("collection")).trim_end().to_string();
            match name {
                DB_COMMANDS => *scrape.commands.entry(command()).or_default() += value,
                DB_SECONDS => *scrape.seconds.entry(command()).or_default() += value,
                TRANSACTION_RETRIES => scrape.retries += value,
                OUTBOX_BACKLOG => *scrape.outbox_backlog.get_or_insert(0.0) += value,
                _ => {}
            }
        }
        scrape
    }

    /// What happened between `before` and this scrape.
    pub fn since(&self, before: &Scrape) -> Counts {
        let by_command: BTreeMap<String, f64> = self
            .commands
            .iter()
            .map(|(k, v)| (k.clone(), v - before.commands.get(k).copied().unwrap_or(0.0)))
            .filter(|(_, d)| *d > 0.0)
            .collect();
        let seconds_by_command = by_command
            .keys()
            .map(|k| (k.clone(), self.seconds.get(k).copied().unwrap_or(0.0) - before.seconds.get(k).copied().unwrap_or(0.0)))
            .collect();
        Counts { commands: by_command.values().sum(), by_command, seconds_by_command, retries: self.retries - before.retries }
    }
}

/// Database commands and transaction retries over one run.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub commands: f64,
    pub by_command: BTreeMap<String, f64>,
    /// Seconds spent in the commands of `by_command`, by the same key.
    pub seconds_by_command: BTreeMap<String, f64>,
    pub retries: f64,
}

impl Counts {
    pub fn per_request(&self, requests: usize) -> f64 {
        self.commands / requests as f64
    }

    /// Each (operation, collection) per request, as a JSON object.
    pub fn by_command_per_request(&self, requests: usize) -> serde_json::Value {
        self.by_command.iter().map(|(k, v)| (k.clone(), serde_json::json!(v / requests as f64))).collect::<serde_json::Map<_, _>>().into()
    }
}

/// Reads a service's `/metrics`.
pub async fn scrape(http: &reqwest::Client, metrics_url: &str) -> Scrape {
    let text = http.get(metrics_url).send().await.expect("GET /metrics").text().await.expect("the metrics text");
    Scrape::parse(&text)
}

/// A series' name, labels and value.
type Series<'a> = (&'a str, Vec<(&'a str, &'a str)>, f64);

/// `name{k="v",...} value` (or `name value`) as its parts.
fn series(line: &str) -> Option<Series<'_>> {
    let (name, labels, rest) = match line.split_once('{') {
        Some((name, tail)) => {
            let (labels, rest) = tail.split_once('}')?;
            (name, labels, rest)
        }
        None => {
            let (name, rest) = line.split_once(' ')?;
            (name, "", rest)
        }
    };
    let value = rest.split_whitespace().next()?.parse().ok()?;
    let labels = labels
        .split("\",")
        .filter_map(|pair| pair.split_once("=\""))
        .map(|(k, v)| (k.trim_start_matches(',').trim(), v.trim_end_matches('"')))
        .collect();
    Some((name, labels, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_commands_per_operation_and_collection_and_retries() {
        let before = Scrape::parse("mongo_transaction_retries_total 2\n");
        let after = Scrape::parse(concat!(
            "# TYPE db_client_operation_duration_seconds histogram\n",
            "db_client_operation_duration_seconds_sum{operation=\"find\",collection=\"persons\"} 0.5\n",
            "db_client_operation_duration_seconds_count{operation=\"find\",collection=\"persons\"} 3\n",
            "db_client_operation_duration_seconds_bucket{le=\"0.001\",operation=\"find\",collection=\"persons\"} 3\n",
            "db_client_operation_duration_seconds_count{operation=\"insert\",collection=\"orders\"} 2\n",
            "mongo_transaction_retries_total 5\n",
            "outbox_backlog 0\n",
        ));
        let counts = after.since(&before);
        assert_eq!(counts.commands, 5.0);
        assert_eq!(counts.by_command["find persons"], 3.0);
        assert_eq!(counts.seconds_by_command["find persons"], 0.5);
        assert_eq!(counts.retries, 3.0);
        assert_eq!(after.outbox_backlog, Some(0.0));
    }
}
