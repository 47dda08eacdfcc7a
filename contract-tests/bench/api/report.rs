//! The table, the targets met or not, and `target/bench/api.json`.

use serde_json::{json, Value};

use super::{
    scenario::{self as s, Scenario},
    scrape::Counts,
    service::Measured,
};
use crate::bench::{load::LoadResult, print_table};

/// One scenario at one concurrency: the service and the baseline in the same run.
pub struct Run {
    pub scenario: Scenario,
    pub concurrency: usize,
    pub service: Measured,
    pub baseline: LoadResult,
    pub baseline_counts: Counts,
    pub baseline_drained: bool,
    /// This process's CPU over the baseline's run, per request: the raw driver's own cost.
    pub baseline_cpu_us_per_request: f64,
    /// The database server's CPU over the baseline's run, per request.
    pub baseline_db_cpu_us_per_request: Option<f64>,
    /// The service's CPU seconds per second while idle (see `ServiceProbe::idle`).
    pub idle_cpu_per_s: f64,
}

impl Run {
    fn requests(&self) -> usize {
        self.service.load.requests
    }

    /// The part of the CPU per request that the service spends idle over the same window.
    fn idle_cpu_us_per_request(&self) -> f64 {
        self.idle_cpu_per_s * self.service.window.as_secs_f64() * 1e6 / self.requests() as f64
    }

    fn ratio(&self) -> f64 {
        self.service.load.per_second() / self.baseline.per_second()
    }

    fn row(&self) -> Vec<String> {
        let (m, b) = (&self.service, &self.baseline);
        let drained = if m.drained && self.baseline_drained { "" } else { " (relay not drained)" };
        vec![
            self.scenario.name().to_string(),
            self.concurrency.to_string(),
            format!("{:.0}", m.load.per_second()),
            format!("{:.0}", b.per_second()),
            format!("{:.2}", self.ratio()),
            format!("{:.2}", m.load.quantile_ms(0.5)),
            format!("{:.2}", m.load.quantile_ms(0.99)),
            format!("{:.2}", m.load.quantile_ms(0.999)),
            format!("{:.2}", b.quantile_ms(0.99)),
            format!("{:.0}", m.cpu_us_per_request),
            format!("{:.0}", self.idle_cpu_us_per_request()),
            format!("{:.0}", self.baseline_cpu_us_per_request),
            micros(m.db_cpu_us_per_request),
            micros(self.baseline_db_cpu_us_per_request),
            format!("{:.1}", m.peak_rss_mib),
            format!("{:.2}{drained}", m.counts.per_request(self.requests())),
            format!("{:.2}", self.baseline_counts.per_request(b.requests)),
            format!("{:.0}/{:.0}", m.counts.retries, self.baseline_counts.retries),
            format!("{}/{}", m.load.failures, b.failures),
        ]
    }

    fn json(&self) -> Value {
        let (m, b, n) = (&self.service, &self.baseline, self.requests());
        let mut service = json!({
            "requests_per_s": m.load.per_second(), "p50_ms": m.load.quantile_ms(0.5), "p99_ms": m.load.quantile_ms(0.99),
            "p999_ms": m.load.quantile_ms(0.999), "failures": m.load.failures, "cpu_us_per_request": m.cpu_us_per_request,
            "idle_cpu_us_per_request": self.idle_cpu_us_per_request(),
            "db_cpu_us_per_request": m.db_cpu_us_per_request,
            "peak_rss_mib": m.peak_rss_mib, "db_commands_per_request": m.counts.per_request(n),
            "transaction_retries": m.counts.retries, "relay_drained": m.drained,
        });
        let mut baseline = json!({
            "does": self.scenario.baseline(), "requests_per_s": b.per_second(), "p50_ms": b.quantile_ms(0.5),
            "p99_ms": b.quantile_ms(0.99), "p999_ms": b.quantile_ms(0.999), "failures": b.failures,
            "db_commands_per_request": self.baseline_counts.per_request(n), "transaction_retries": self.baseline_counts.retries,
            "relay_drained": self.baseline_drained, "db_cpu_us_per_request": self.baseline_db_cpu_us_per_request,
            "cpu_us_per_request_benchmark_process": self.baseline_cpu_us_per_request,
        });
        if self.scenario.is_post() {
            service["db_commands_by_operation_per_request"] = m.counts.by_command_per_request(n);
            baseline["db_commands_by_operation_per_request"] = self.baseline_counts.by_command_per_request(n);
        }
        json!({
            "scenario": self.scenario.name(), "concurrency": self.concurrency, "requests": n, "service": service,
            "baseline_raw_driver": baseline, "throughput_ratio": self.ratio(),
            "added_p99_ms": m.load.quantile_ms(0.99) - b.quantile_ms(0.99),
        })
    }
}

/// Microseconds, or "-" when not measured.
fn micros(us: Option<f64>) -> String {
    us.map_or_else(|| "-".into(), |us| format!("{us:.0}"))
}

/// One target held against one run.
struct Check {
    target: &'static str,
    scenario: Scenario,
    concurrency: usize,
    measured: f64,
    limit: f64,
    at_least: bool,
}

impl Check {
    fn met(&self) -> bool {
        if self.at_least {
            self.measured >= self.limit
        } else {
            self.measured <= self.limit
        }
    }
}

fn checks(runs: &[Run]) -> Vec<Check> {
    let mut checks = Vec::new();
    for run in runs {
        let (m, c, scenario) = (&run.service, run.concurrency, run.scenario);
        let mut check =
            |target, measured, limit, at_least| checks.push(Check { target, scenario, concurrency: c, measured, limit, at_least });
        if scenario.is_post() {
            check("POST/s >= Node original", m.load.per_second(), s::node_post_per_s(c), true);
            check("db commands per order <= 5", m.counts.per_request(run.requests()), s::DB_COMMANDS_PER_ORDER_MAX, false);
            check("CPU µs per POST <= 1000", m.cpu_us_per_request, s::CPU_US_PER_POST_MAX, false);
            if c == 16 {
                check("p99 ms at c=16 <= 200", m.load.quantile_ms(0.99), s::POST_P99_MS_MAX_AT_16, false);
            }
            if c == 16 && scenario != Scenario::Post {
                check("transaction retries at c=16 = 0", m.counts.retries, 0.0, false);
            }
        }
        if scenario == Scenario::Get {
            check("CPU µs per GET <= 150", m.cpu_us_per_request, s::CPU_US_PER_GET_MAX, false);
        }
        check("throughput >= 0.9x raw driver", run.ratio(), s::THROUGHPUT_RATIO_MIN, true);
        check("peak RSS MiB <= 40", m.peak_rss_mib, s::RSS_MIB_MAX, false);
    }
    checks
}

/// Prints the runs and the targets, and writes the report.
pub fn report(runs: &[Run], extra: Value) {
    let rows: Vec<Vec<String>> = runs.iter().map(Run::row).collect();
    print_table(
        "api: order service (own process) vs raw driver loop, same database commands (cmd/req and retries from /metrics, relay included)",
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
            "cpu µs/req",
            "of it idle",
            "base cpu µs",
            "db cpu µs",
            "base db µs",
            "rss MiB",
            "cmd/req",
            "base cmd/req",
            "retries s/b",
            "fail s/b",
        ],
        &rows,
    );
    let checks = checks(runs);
    let mut met_rows: Vec<Vec<String>> = Vec::new();
    for check in &checks {
        let key = [check.target.to_string(), check.scenario.name().to_string()];
        let index = match met_rows.iter().position(|r| r[..2] == key) {
            Some(index) => index,
            None => {
                met_rows.push(vec![key[0].clone(), key[1].clone(), "-".into(), "-".into(), "-".into(), String::new()]);
                met_rows.len() - 1
            }
        };
        let row = &mut met_rows[index];
        let column = 2 + super::CONCURRENCY.iter().position(|c| *c == check.concurrency).unwrap_or(0);
        row[column] = format!("{:.2} {}", check.measured, if check.met() { "yes" } else { "NO" });
    }
    for row in &mut met_rows {
        row[5] = if row[2..5].iter().any(|c| c.ends_with("NO")) { "no".into() } else { "yes".into() };
    }
    print_table(
        "api targets (issue 11, docs/performance.md): measured, met?",
        &["target", "scenario", "c=1", "c=16", "c=64", "met?"],
        &met_rows,
    );
    for scenario in Scenario::ALL {
        println!("baseline for {}: {}", scenario.name(), scenario.baseline());
    }

    let checks_json: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({ "target": c.target, "scenario": c.scenario.name(), "concurrency": c.concurrency, "measured": c.measured,
                    "limit": c.limit, "met": c.met() })
        })
        .collect();
    let mut report = json!({
        "benchmark": "api", "targets": s::targets_json(), "checks": checks_json, "runs": runs.iter().map(Run::json).collect::<Vec<_>>(),
    });
    if let (Some(report), Some(extra)) = (report.as_object_mut(), extra.as_object()) {
        report.extend(extra.clone());
    }
    crate::bench::write_report("api", &report);
}
