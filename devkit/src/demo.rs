//! The original flow, walked against running services with plain HTTP, every request and
//! response printed: list persons, create an order for three of them, change one person
//! through the contact API, read the order until it shows the change. `cargo xtask demo` runs
//! it (through `labs-dev demo`) against `cargo xtask up`; a contract test runs it too.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Where the services are and the token to call them with.
pub struct Target {
    /// The person collection, e.g. `http://127.0.0.1:8080/api/v1/person`.
    pub contact_url: String,
    /// The order collection, e.g. `http://127.0.0.1:3000/api/v1/order`.
    pub order_url: String,
    pub token: String,
    /// How long to wait for the order service to apply the person change.
    pub patience: Duration,
}

/// What the walk did, for callers that check it.
#[derive(Debug)]
pub struct Walked {
    pub order_id: String,
    pub changed_person_id: String,
    /// The order as last read: its `shipTo` shows the change.
    pub order: Value,
    /// From the person change's answer to the first read of the order that showed it.
    pub applied_after: Duration,
}

/// Walks the flow, printing to `out`.
pub async fn walk(target: &Target, out: &mut dyn Write) -> anyhow::Result<Walked> {
    // reqwest is built without a TLS provider of its own (see the workspace manifest).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?;
    let demo = Demo { http, target, out };
    demo.run().await
}

struct Demo<'a> {
    http: reqwest::Client,
    target: &'a Target,
    out: &'a mut dyn Write,
}

impl Demo<'_> {
    async fn run(mut self) -> anyhow::Result<Walked> {
        let (contact, order) = (self.target.contact_url.clone(), self.target.order_url.clone());

        self.step("1. three persons from the contact service")?;
        let url = format!("{contact}?page=0&size=3");
        let persons = self.call(&Req::new(Method::GET, &url, None, "demo-1-list-persons"), true).await?;
        let ids: Vec<String> = persons.as_array().into_iter().flatten().filter_map(|p| p["id"].as_str().map(str::to_string)).collect();
        ensure!(
            ids.len() == 3,
            "the contact service has {} persons, the walk needs 3: start `cargo xtask up --persons 3` (or more)",
            ids.len()
        );

        self.step("2. an order sold to the first, shipped to the second, billed to the third")?;
        let input = json!({
            "orderDate": chrono::Utc::now().format("%Y-%m-%d").to_string(),
            "soldToID": ids[0], "shipToID": ids[1], "billToID": ids[2],
            "orderValue": 107.26, "taxValue": 10.1, "currencyCode": "CHF",
            "items": [{ "itemID": "0001", "productID": "100000101", "quantity": 5, "itemPrice": 21.5 }],
        });
        let created = self.call(&Req::new(Method::POST, &order, Some(&input), "demo-2-create-order"), true).await?;
        let order_id = created["orderID"].as_str().context("the created order has no orderID")?.to_string();
        let before = created["shipTo"].clone();

        self.step("3. the ship-to person moves (PATCH: only the fields given change)")?;
        let number = (chrono::Utc::now().timestamp() % 900 + 1).to_string();
        let number = if before["houseNumber"].as_str() == Some(number.as_str()) { format!("{number}a") } else { number };
        let change =
            json!({ "streetAddress": "Bahnhofstrasse", "houseNumber": number, "zip": "8001", "city": "Zürich", "country": "Switzerland" });
        let person_url = format!("{contact}/{}", ids[1]);
        self.call(&Req::new(Method::PATCH, &person_url, Some(&change), "demo-3-change-person"), true).await?;
        let changed_at = Instant::now();

        self.step("4. the order again: the order service applied the change from the person event")?;
        let order_url = format!("{order}/{order_id}");
        let read = Req::new(Method::GET, &order_url, None, "demo-4-read-order");
        let shows_change = |o: &Value| o["shipTo"]["houseNumber"] == change["houseNumber"] && o["shipTo"]["city"] == change["city"];
        let mut reads = 0;
        let (order, applied_after) = loop {
            reads += 1;
            let current = self.call(&read, false).await?;
            if shows_change(&current) {
                break (current, changed_at.elapsed());
            }
            if changed_at.elapsed() > self.target.patience {
                self.print_exchange(&read, StatusCode::OK, &current)?;
                bail!(
                    "the order still shows the old shipTo after {:?} ({reads} reads): the order service has not applied the person event; see its log (target/dev/logs/order-service.log)",
                    self.target.patience
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        writeln!(
            self.out,
            "  (read {reads} time(s) every 200 ms; the change showed {} ms after the PATCH answered)",
            applied_after.as_millis()
        )?;
        self.print_exchange(&read, StatusCode::OK, &order)?;
        let address =
            |p: &Value| format!("{} {}, {} {}", text(&p["streetAddress"]), text(&p["houseNumber"]), text(&p["zip"]), text(&p["city"]));
        writeln!(self.out, "\nshipTo before: {}\nshipTo after:  {}", address(&before), address(&order["shipTo"]))?;
        Ok(Walked { order_id, changed_person_id: ids[1].clone(), order, applied_after })
    }

    fn step(&mut self, title: &str) -> anyhow::Result<()> {
        writeln!(self.out, "\n=== {title}")?;
        Ok(())
    }

    /// Sends `req`; prints it with its answer when `print`. Anything but 200 is an error.
    async fn call(&mut self, req: &Req<'_>, print: bool) -> anyhow::Result<Value> {
        let Req { method, url, body, id } = req;
        let mut request = self.http.request(method.clone(), *url).bearer_auth(&self.target.token).header("x-request-id", *id);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| format!("{method} {url}: no answer (is `cargo xtask up` running?)"))?;
        let status = response.status();
        let text = response.text().await?;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if print || status != StatusCode::OK {
            self.print_exchange(req, status, &value)?;
        }
        ensure!(status == StatusCode::OK, "{method} {url} answered {status}");
        Ok(value)
    }

    fn print_exchange(&mut self, req: &Req<'_>, status: StatusCode, answer: &Value) -> anyhow::Result<()> {
        let token = self.target.token.get(..12).unwrap_or("");
        writeln!(self.out, "> {} {}", req.method, req.url)?;
        writeln!(self.out, "> authorization: Bearer {token}… (cargo xtask token)")?;
        writeln!(self.out, "> x-request-id: {}", req.id)?;
        if let Some(body) = req.body {
            writeln!(self.out, "> content-type: application/json\n{}", serde_json::to_string_pretty(body)?)?;
        }
        writeln!(self.out, "< {status}")?;
        match answer {
            Value::String(raw) => writeln!(self.out, "{raw}")?,
            json => writeln!(self.out, "{}", serde_json::to_string_pretty(json)?)?,
        }
        Ok(())
    }
}

/// A request as the walk prints it.
struct Req<'r> {
    method: Method,
    url: &'r str,
    body: Option<&'r Value>,
    /// Its `x-request-id`, to find it in the services' logs.
    id: &'r str,
}

impl<'r> Req<'r> {
    fn new(method: Method, url: &'r str, body: Option<&'r Value>, id: &'r str) -> Self {
        Self { method, url, body, id }
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// The target of a running `cargo xtask up`: the URLs from its `target/dev/env`, a token like
/// `cargo xtask token`'s (every scope, both audiences, 1 h) from the secrets it names.
pub fn target_from_env_file(path: &std::path::Path) -> anyhow::Result<Target> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {} (is `cargo xtask up` running?)", path.display()))?;
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
            .map(str::to_string)
            .with_context(|| format!("{} has no {key}", path.display()))
    };
    let secrets = std::path::PathBuf::from(get("SECRETS_DIR")?);
    let token = super::token::SigningKey::read(&secrets)?.mint(&super::token::TokenSpec::default())?;
    Ok(Target { contact_url: get("CONTACT_URL")?, order_url: get("ORDER_URL")?, token, patience: Duration::from_secs(20) })
}
