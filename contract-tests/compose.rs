//! `docker compose up` as a user runs it: the whole secured stack of compose.yaml (secrets-init,
//! MongoDB with a user per service, Kafka over SASL_SSL, both services with bearer tokens and
//! mutual TLS between them), with deploy/standins/compose.stand-ins.yaml swapping in the
//! stand-in images `cargo xtask images` builds. Reached only through the ports published on
//! 127.0.0.1, and through `docker compose exec` where compose.yaml publishes nothing (Kafka,
//! the metrics ports); Prometheus scrapes the metrics ports.
//!
//! Skipped, saying why, when no Docker engine answers or the images are not built;
//! `cargo xtask test` builds them whenever an engine answers.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use labs_order_client::{contact, order, ClientAuth};
use serde_json::Value;

const FILES: [&str; 2] = ["compose.yaml", "deploy/standins/compose.stand-ins.yaml"];
const IMAGES: [&str; 6] = [
    "labs-order/mongo-standin:local",
    "labs-order/kafka-standin:local",
    "labs-order/prometheus-standin:local",
    "labs-order/contact-service:local",
    "labs-order/order-service:local",
    "labs-order/dev-tools:local",
];
const FOLLOW_WAIT: Duration = Duration::from_secs(60);

/// A compose project of its own (name, volumes, network), taken down with its volumes when
/// dropped, also after a failed assertion.
struct Stack {
    project: String,
}

impl Stack {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker");
        cmd.arg("compose").args(["--project-name", &self.project]);
        for file in FILES {
            cmd.args(["--file", file]);
        }
        // Any free host port: the test asks compose which one it got.
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("LABS_CONTACT_PORT", "0")
            .env("LABS_ORDER_PORT", "0")
            .env("LABS_PROMETHEUS_PORT", "0");
        cmd
    }

    fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("docker compose runs")
    }

    /// stdout of a command that must succeed; on failure, its stderr and the stack's state.
    fn run(&self, args: &[&str]) -> String {
        let out = self.output(args);
        if !out.status.success() {
            panic!(
                "`docker compose {}` failed ({}):\n{}\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr),
                self.diagnostics()
            );
        }
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn diagnostics(&self) -> String {
        let ps = self.output(&["ps", "--all"]);
        let logs = self.output(&["logs", "--no-color", "--tail", "40"]);
        format!("{}\n{}", String::from_utf8_lossy(&ps.stdout), String::from_utf8_lossy(&logs.stdout))
    }

    /// The base URL of a published port.
    fn url(&self, service: &str, port: u16) -> String {
        format!("http://{}", self.run(&["port", service, &port.to_string()]).trim())
    }

    /// The JSON records on a Kafka topic now (the stand-in's read-topic.py, as the admin user).
    fn topic(&self, topic: &str) -> Vec<Value> {
        let python = "/opt/kafka-tools/bin/python";
        let out = self.run(&["exec", "-T", "kafka", python, "/usr/local/lib/nisshi/read-topic.py", topic]);
        out.lines().map(|l| serde_json::from_str(l).expect("a JSON record")).collect()
    }

    /// GET /metrics on a service's metrics port (published nowhere), from inside its container.
    fn metrics(&self, service: &str, port: u16) -> String {
        let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3");
        self.run(&["exec", "-T", service, "bash", "-c", &script])
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.output(&["down", "--volumes", "--timeout", "20"]);
    }
}

fn docker_answers() -> bool {
    Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"]).output().is_ok_and(|o| o.status.success())
}

fn image_exists(image: &str) -> bool {
    Command::new("docker").args(["image", "inspect", image]).output().is_ok_and(|o| o.status.success())
}

fn skip_reason() -> Option<String> {
    if !docker_answers() {
        return Some("no Docker engine answers (`docker info` fails)".into());
    }
    let missing: Vec<&str> = IMAGES.into_iter().filter(|i| !image_exists(i)).collect();
    (!missing.is_empty()).then(|| format!("images not built: {} (`cargo xtask images` builds them)", missing.join(", ")))
}

fn person(first: &str, last: &str) -> contact::types::Person {
    contact::types::Person { first_name: Some(first.into()), last_name: Some(last.into()), ..Default::default() }
}

#[tokio::test]
async fn compose_up_runs_the_secured_system_end_to_end_and_stops_cleanly() {
    if let Some(reason) = skip_reason() {
        eprintln!("SKIPPED compose test: {reason}");
        return;
    }
    let stack = Stack { project: format!("labs-order-test-{}", std::process::id()) };
    stack.run(&["up", "--wait", "--no-build"]);

    // A token from the generated signing key, as compose.yaml's header describes.
    let token = stack.run(&["run", "--rm", "-T", "--no-deps", "secrets-init", "labs-dev", "token", "/secrets"]);
    labs_order::tls::install_default_provider();
    let auth = ClientAuth::bearer(token.trim());
    let contacts = contact::Client::new(&stack.url("contact-service", 8080), auth.clone());
    let orders = order::Client::new(&stack.url("order-service", 3000), auth);

    // The original flow: persons, an order referencing them, a person change the order follows.
    let ada = contacts.create_using_post().body(person("Ada", "Lovelace")).send().await.unwrap().into_inner().id.unwrap();
    let grace = contacts.create_using_post().body(person("Grace", "Hopper")).send().await.unwrap().into_inner().id.unwrap();
    let input = order::types::InputOrder {
        sold_to_id: Some(ada.clone()),
        bill_to_id: Some(grace.clone()),
        ship_to_id: Some(ada.clone()),
        ..Default::default()
    };
    let created = orders.create_using_post().body(input).send().await.unwrap().into_inner();
    let order_id = created.order_id.clone().unwrap();
    assert_eq!(created.sold_to.unwrap().last_name.as_deref(), Some("Lovelace"), "looked up from the contact service");
    assert_eq!(created.bill_to.unwrap().last_name.as_deref(), Some("Hopper"));

    let change = contact::types::Person { last_name: Some("King".into()), ..Default::default() };
    contacts.delta_update_using_patch().id(&ada).body(change).send().await.unwrap();
    let deadline = Instant::now() + FOLLOW_WAIT;
    let followed = loop {
        let current = orders.read_using_get().order_id(&order_id).send().await.unwrap().into_inner();
        if current.sold_to.as_ref().and_then(|p| p.last_name.as_deref()) == Some("King") {
            break current;
        }
        assert!(Instant::now() < deadline, "the order never followed the person change: {current:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(followed.ship_to.unwrap().last_name.as_deref(), Some("King"), "every role of Ada follows");
    assert_eq!(followed.bill_to.unwrap().last_name.as_deref(), Some("Hopper"), "Grace did not change");

    // The order's events on orderevents: created, then updated by the person change.
    let deadline = Instant::now() + FOLLOW_WAIT;
    loop {
        let types: Vec<String> = stack
            .topic("orderevents")
            .iter()
            .filter(|e| e["data"]["orderID"] == order_id.as_str())
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect();
        if types.iter().any(|t| t == "order.updated") {
            assert_eq!(types[0], "order.created", "the first event of the order: {types:?}");
            break;
        }
        assert!(Instant::now() < deadline, "no order.updated on orderevents for {order_id}: {types:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The metrics ports answer on the compose network, and count what was just done.
    let order_metrics = stack.metrics("order-service", 9465);
    assert!(order_metrics.starts_with("HTTP/1.0 200"), "{order_metrics:.300}");
    let post = order_metrics.lines().find(|l| l.starts_with("http_server_request_duration_seconds_count{method=\"POST\""));
    assert!(post.is_some_and(|l| l.contains("status=\"200\"")), "the order POST is counted: {post:?}");
    let contact_metrics = stack.metrics("contact-service", 9464);
    assert!(contact_metrics.contains("method=\"PATCH\""), "the person PATCH is counted");

    // Prometheus (published on 127.0.0.1) scrapes both services' metrics ports.
    let query = format!("{}/api/v1/query?query=up", stack.url("prometheus", 9090));
    let deadline = Instant::now() + FOLLOW_WAIT;
    loop {
        let answer: Value = reqwest::get(&query).await.unwrap().json().await.unwrap();
        let up: Vec<String> = answer["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["value"][1] == "1")
            .map(|r| r["metric"]["job"].as_str().unwrap_or_default().to_string())
            .collect();
        if ["order-service", "contact-service"].iter().all(|job| up.iter().any(|u| u == job)) {
            break;
        }
        assert!(Instant::now() < deadline, "Prometheus does not see both services up: {answer}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // SIGTERM reaches the services (PID 1 in their containers) and they exit cleanly, not by
    // the SIGKILL that follows an ignored SIGTERM.
    stack.run(&["stop", "--timeout", "20", "order-service", "contact-service"]);
    for service in ["order-service", "contact-service"] {
        let id = stack.run(&["ps", "--all", "--quiet", service]);
        let inspect = Command::new("docker").args(["inspect", "--format", "{{.State.ExitCode}}", id.trim()]).output().unwrap();
        let code = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
        assert_eq!(code, "0", "{service} exit code after SIGTERM");
    }
}
