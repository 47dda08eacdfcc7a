//! `cargo xtask up`: both services on the stand-ins until Ctrl-C or SIGTERM.

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};

use crate::services::{self, Service};
use crate::standins::{self, ensure_port_free, kafka_bootstrap, log_tail, mongo_uri, StandIn};
use crate::{cargo, install, run_child, signals, workspace_root};

const HELP: &str = "usage: cargo xtask up [--contact-port 8080] [--order-port 3000] [--mongo-port 27017]
                      [--kafka-port 9092] [--persons 10] [--max-latency SECONDS(0)]
Runs SecantusDB (data in target/dev/mongo), tansu (in memory) and the services (logs in
target/dev/logs), writes target/dev/env, and stops everything on Ctrl-C or SIGTERM.";

struct Options {
    contact_port: u16,
    order_port: u16,
    mongo_port: u16,
    kafka_port: u16,
    persons: u64,
    max_latency: f64,
}

/// `None` for `--help`.
fn parse(args: &[String]) -> Result<Option<Options>> {
    let mut o = Options { contact_port: 8080, order_port: 3000, mongo_port: 27017, kafka_port: 9092, persons: 10, max_latency: 0.0 };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = arg.split_once('=').map_or((arg.as_str(), None), |(f, v)| (f, Some(v.to_string())));
        let value = inline.or_else(|| args.next().cloned()).with_context(|| format!("{flag} needs a value\n{HELP}"))?;
        let bad = || format!("invalid value `{value}` for {flag}\n{HELP}");
        match flag {
            "--contact-port" => o.contact_port = value.parse().with_context(bad)?,
            "--order-port" => o.order_port = value.parse().with_context(bad)?,
            "--mongo-port" => o.mongo_port = value.parse().with_context(bad)?,
            "--kafka-port" => o.kafka_port = value.parse().with_context(bad)?,
            "--persons" => o.persons = value.parse().with_context(bad)?,
            "--max-latency" => o.max_latency = value.parse().ok().filter(|s: &f64| *s >= 0.0 && s.is_finite()).with_context(bad)?,
            _ => bail!("unknown option `{flag}`\n{HELP}"),
        }
    }
    Ok(Some(o))
}

/// Servers in start order; dropping stops them in reverse (services before the stand-ins).
struct Running(Vec<StandIn>);

impl Drop for Running {
    fn drop(&mut self) {
        while let Some(mut server) = self.0.pop() {
            println!("==> stopping {}", server.name);
            server.stop();
        }
    }
}

pub fn run(args: &[String]) -> Result<i32> {
    let Some(o) = parse(args)? else {
        println!("{HELP}");
        return Ok(0);
    };
    let root = workspace_root();
    let (dev, logs) = (root.join("target/dev"), root.join("target/dev/logs"));
    let kafka = kafka_bootstrap(o.kafka_port);
    let contact_url = format!("http://127.0.0.1:{}/api/v1/person", o.contact_port);
    let order_url = format!("http://127.0.0.1:{}/api/v1/order", o.order_port);
    let (contacts_db, orders_db) = (db_uri(o.mongo_port, "contacts"), db_uri(o.mongo_port, "orders"));
    let mut services = vec![Service {
        name: "contact-service",
        port: o.contact_port,
        probe: "/api/v1/person/count",
        env: vec![
            ("CONTACT_PORT", o.contact_port.to_string()),
            ("CONTACT_MONGODB__URI", contacts_db.clone()),
            ("CONTACT_KAFKA__BOOTSTRAP_SERVERS", kafka.clone()),
            ("CONTACT_EVENT_SOURCE", contact_url.clone()),
            ("CONTACT_SEED_PERSONS", o.persons.to_string()),
            ("CONTACT_MAX_LATENCY_SECS", o.max_latency.to_string()),
        ],
    }];
    let with_order = root.join("src/bin/order-service.rs").exists();
    if with_order {
        let contact_base = format!("http://127.0.0.1:{}", o.contact_port);
        services.push(Service {
            name: "order-service",
            port: o.order_port,
            probe: "/api/v1/order",
            env: vec![
                ("ORDER_PORT", o.order_port.to_string()),
                ("ORDER_MONGODB__URI", orders_db.clone()),
                ("ORDER_KAFKA__BOOTSTRAP_SERVERS", kafka.clone()),
                ("ORDER_EVENT_SOURCE", order_url.clone()),
                // `contact.url` in the config (`__` separates levels); a base URL.
                ("ORDER_CONTACT__URL", contact_base),
            ],
        });
    }

    // Fail before the slow steps if a port is taken.
    ensure_port_free(o.mongo_port, "SecantusDB (--mongo-port)")?;
    ensure_port_free(o.kafka_port, "tansu (--kafka-port)")?;
    for service in &services {
        ensure_port_free(service.port, service.name)?;
    }
    let env_file = dev.join("env");
    let _ = std::fs::remove_file(&env_file); // left by an `up` that was killed
    install::install()?;
    println!("==> building the services");
    let mut build = cargo();
    build.arg("build").current_dir(&root);
    for service in &services {
        build.args(["--bin", service.name]);
    }
    let built = run_child(&mut build)?.success();
    ensure!(!signals::stop_requested(), "interrupted");
    ensure!(built, "the build failed; fix the errors above and rerun `cargo xtask up`");

    let mut running = Running(Vec::new());
    println!("==> starting SecantusDB on 127.0.0.1:{} (data in {})", o.mongo_port, dev.join("mongo").display());
    running.0.push(standins::start_mongo(o.mongo_port, &dev.join("mongo"), &logs.join("secantus.log"))?);
    println!("==> starting tansu on 127.0.0.1:{} (memory storage)", o.kafka_port);
    running.0.push(standins::start_kafka(o.kafka_port, &dev.join("kafka"), &logs.join("tansu.log"))?);
    // Seeding runs before the first answer; with artificial latency each answer may wait that long.
    let startup = Duration::from_secs(120 + o.persons / 100) + Duration::from_secs_f64(o.max_latency);
    let read_timeout = Duration::from_secs_f64(5.0 + o.max_latency);
    for service in &services {
        running.0.push(services::start(service, &root, &logs, startup, read_timeout)?);
    }

    let mut env = format!("CONTACT_URL={contact_url}\n");
    if with_order {
        env += &format!("ORDER_URL={order_url}\n");
    }
    env += &format!("KAFKA_BOOTSTRAP_SERVERS={kafka}\nCONTACTS_MONGODB_URI={contacts_db}\n");
    env += &format!("ORDERS_MONGODB_URI={orders_db}\nLOG_DIR={}\n", logs.display());
    std::fs::write(&env_file, &env).with_context(|| format!("cannot write {}", env_file.display()))?;

    println!("==> up");
    println!("    contact service  {contact_url}");
    if with_order {
        println!("    order service    {order_url}");
    }
    println!("    MongoDB          {}", mongo_uri(o.mongo_port));
    println!("    Kafka            {kafka}");
    println!("    logs             {}", logs.display());
    println!("    settings         {} (KEY=VALUE lines)", env_file.display());
    println!("    Ctrl-C stops everything");

    let code = watch(&mut running);
    drop(running);
    let _ = std::fs::remove_file(&env_file); // it describes servers that no longer run
    println!("==> stopped");
    Ok(code)
}

/// Waits for Ctrl-C/SIGTERM (0) or a server's unexpected exit (1).
fn watch(running: &mut Running) -> i32 {
    loop {
        if signals::stop_requested() {
            println!("\n==> signal received, stopping");
            return 0;
        }
        for server in running.0.iter_mut() {
            if let Some(status) = server.exited() {
                let tail = log_tail(&server.log, 30);
                eprintln!("==> {} exited unexpectedly ({status}); end of {}:\n{tail}", server.name, server.log.display());
                return 1;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn db_uri(port: u16, db: &str) -> String {
    format!("mongodb://127.0.0.1:{port}/{db}?replicaSet=secantus")
}
