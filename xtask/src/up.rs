//! `cargo xtask up`: both services on the stand-ins until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::secured::{self, User};
use crate::services::{self, Service};
use crate::standins::{self, ensure_port_free, log_tail, StandIn};
use crate::{apt, cargo, install, minutes_seconds, run_child, signals, workspace_root};

const HELP: &str = "usage: cargo xtask up [--contact-port 8080] [--order-port 3000] [--contact-internal-port 8443]
                      [--contact-metrics-port 9464] [--order-metrics-port 9465]
                      [--mongo-port 27017] [--kafka-port 9092] [--persons 10] [--max-latency SECONDS(0)]
                      [--release] [--yes]
Runs the whole system with its security on: SecantusDB with --auth and a user per service (data
in target/dev/mongo), nisshi with SCRAM-SHA-512 on a TLS-only listener (data in target/dev/kafka),
the contact service's mutual-TLS listener for the order service, and bearer tokens on both
APIs. Development secrets (CA, certificates, JWT signing key, passwords) are generated into
target/dev/secrets once. Logs go to target/dev/logs; target/dev/env says how to connect;
`cargo xtask token` prints a token. Ctrl-C or SIGTERM stops everything. --release runs
optimised builds (for load tests and profiling; the first build takes several minutes).
A first run installs what is missing: system packages through apt-get (asked first; --yes or
LABS_ORDER_ASSUME_YES=1 does not ask), SecantusDB (pip) and nisshi (built from crates.io, about
30-50 min on 2 cores, once), and builds the services (about 25 min on 2 cores, once).";

struct Options {
    contact_port: u16,
    order_port: u16,
    internal_port: u16,
    contact_metrics_port: u16,
    order_metrics_port: u16,
    mongo_port: u16,
    kafka_port: u16,
    persons: u64,
    max_latency: f64,
    release: bool,
}

/// Whether this `up` runs optimised builds (the binaries' lookup follows it).
static RELEASE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn release_build() -> bool {
    RELEASE.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn set_release(release: bool) {
    RELEASE.store(release, std::sync::atomic::Ordering::Relaxed);
}

/// Which profile (`debug` or `release`) the last `up` built, for `cargo xtask token`.
pub const PROFILE_FILE: &str = "target/dev/profile";

/// `None` for `--help`.
fn parse(args: &[String]) -> Result<Option<Options>> {
    let mut o = Options {
        contact_port: 8080,
        order_port: 3000,
        internal_port: 8443,
        contact_metrics_port: 9464,
        order_metrics_port: 9465,
        mongo_port: 27017,
        kafka_port: 9092,
        persons: 10,
        max_latency: 0.0,
        release: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        if arg == "--release" {
            o.release = true;
            continue;
        }
        if arg == "--yes" {
            apt::assume_yes();
            continue;
        }
        let (flag, inline) = arg.split_once('=').map_or((arg.as_str(), None), |(f, v)| (f, Some(v.to_string())));
        let value = inline.or_else(|| args.next().cloned()).with_context(|| format!("{flag} needs a value\n{HELP}"))?;
        let bad = || format!("invalid value `{value}` for {flag}\n{HELP}");
        match flag {
            "--contact-port" => o.contact_port = value.parse().with_context(bad)?,
            "--order-port" => o.order_port = value.parse().with_context(bad)?,
            "--contact-internal-port" => o.internal_port = value.parse().with_context(bad)?,
            "--contact-metrics-port" => o.contact_metrics_port = value.parse().with_context(bad)?,
            "--order-metrics-port" => o.order_metrics_port = value.parse().with_context(bad)?,
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

/// The generated development secrets, read back from target/dev/secrets.
struct Secrets {
    dir: PathBuf,
}

impl Secrets {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn password(&self, name: &str) -> Result<String> {
        let path = self.dir.join(format!("{name}.password"));
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    }

    fn user(&self, name: &str, password: &str, database: &str) -> Result<User> {
        Ok(User { name: name.into(), password: self.password(password)?, database: database.into() })
    }

    /// A secret value in a file only its owner can read, handed to a service as `<KEY>_FILE`.
    fn write(&self, name: &str, value: &str) -> Result<String> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.join(name);
        std::fs::write(&path, value)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        Ok(path.display().to_string())
    }
}

pub fn run(args: &[String]) -> Result<i32> {
    let started = Instant::now();
    let Some(o) = parse(args)? else {
        println!("{HELP}");
        return Ok(0);
    };
    let root = workspace_root();
    let (dev, logs) = (root.join("target/dev"), root.join("target/dev/logs"));
    let secrets = Secrets { dir: dev.join("secrets") };

    // Fail before the slow steps if a port is taken.
    ensure_port_free(o.mongo_port, "SecantusDB (--mongo-port)")?;
    ensure_port_free(o.kafka_port, "Kafka TLS (--kafka-port)")?;
    let ports = [
        (o.contact_port, "contact service (--contact-port)"),
        (o.internal_port, "contact service internal listener (--contact-internal-port)"),
        (o.contact_metrics_port, "contact service metrics (--contact-metrics-port)"),
        (o.order_port, "order service (--order-port)"),
        (o.order_metrics_port, "order service metrics (--order-metrics-port)"),
    ];
    for (port, what) in ports {
        ensure_port_free(port, what)?;
    }
    let env_file = dev.join("env");
    let _ = std::fs::remove_file(&env_file); // left by an `up` that was killed
    let profile = if o.release { "release" } else { "debug" };
    let first_build = !services::target_dir(&root).join(profile).join("order-service").exists();
    let mut once = Vec::new();
    if !standins::nisshi_installed() {
        once.push("the Kafka stand-in nisshi (about 30–50 min)");
    }
    if first_build {
        once.push("the services (debug: about 25 min)");
    }
    if !once.is_empty() {
        println!("==> first run: building {} on 2 cores, once; later runs start in seconds", once.join(" and "));
    }
    install::runtime("cargo xtask up")?;
    if first_build {
        println!("==> building the services ({profile}) for the first time: about 25 min on 2 cores for debug, longer for release");
    } else {
        println!("==> building the services ({profile}; only what changed)");
    }
    let mut build = cargo();
    build
        .args(["build", "-p", "labs-order", "-p", "labs-devkit", "--bin", "contact-service", "--bin", "order-service", "--bin", "labs-dev"])
        .current_dir(&root);
    set_release(o.release);
    if o.release {
        build.arg("--release");
    }
    let built = run_child(&mut build)?.success();
    ensure!(!signals::stop_requested(), "interrupted");
    ensure!(built, "the build failed; fix the errors above and rerun `cargo xtask up`");

    // Users are created once per data directory: new passwords need new data directories.
    if !secrets.dir.join("mongo-admin.password").exists() && (dev.join("mongo").exists() || dev.join("kafka").exists()) {
        println!("==> new development passwords: starting with empty target/dev/mongo and target/dev/kafka");
        let _ = std::fs::remove_dir_all(dev.join("mongo"));
        let _ = std::fs::remove_dir_all(dev.join("kafka"));
    }
    std::fs::create_dir_all(&dev)?;
    std::fs::write(root.join(PROFILE_FILE), if o.release { "release" } else { "debug" })?;
    println!("==> development secrets in {} (never committed)", secrets.dir.display());
    let mut init = Command::new(services::binary(&root, "labs-dev")?);
    init.arg("init").arg(&secrets.dir);
    ensure!(run_child(&mut init)?.success(), "could not create the development secrets");

    let mongo_order = secrets.user("order_service", "mongo-order-service", "orders")?;
    let mongo_contact = secrets.user("contact_service", "mongo-contact-service", "contacts")?;
    let kafka_order = secrets.user("order-service", "kafka-order-service", "")?;
    let kafka_contact = secrets.user("contact-service", "kafka-contact-service", "")?;

    let mut running = Running(Vec::new());
    println!("==> starting SecantusDB with --auth on 127.0.0.1:{} (data in {})", o.mongo_port, dev.join("mongo").display());
    let admin_password = secrets.password("mongo-admin")?;
    let mongo_users = [mongo_order.clone(), mongo_contact.clone()];
    running.0.push(secured::start_mongo(o.mongo_port, &dev.join("mongo"), &logs.join("secantus.log"), &admin_password, &mongo_users)?);
    println!("==> starting nisshi (SCRAM-SHA-512, TLS only) on localhost:{} (data in {})", o.kafka_port, dev.join("kafka").display());
    let kafka_users = [kafka_order.clone(), kafka_contact.clone()];
    let (cert, key) = (secrets.dir.join("kafka.pem"), secrets.dir.join("kafka-key.pem"));
    let kafka = secured::start_kafka(o.kafka_port, &dev.join("kafka"), &kafka_users, &cert, &key)?;
    let kafka_bootstrap = kafka.bootstrap.clone();
    running.0.push(kafka.broker);

    let contact_url = format!("http://127.0.0.1:{}/api/v1/person", o.contact_port);
    let order_url = format!("http://127.0.0.1:{}/api/v1/order", o.order_port);
    let internal_url = format!("https://localhost:{}", o.internal_port);
    let ca = secrets.path("ca.pem");
    let kafka_env = |prefix: &str, password: &str| {
        vec![
            (format!("{prefix}_KAFKA__BOOTSTRAP_SERVERS"), kafka_bootstrap.clone()),
            (format!("{prefix}_KAFKA__SECURITY_PROTOCOL"), "SASL_SSL".to_string()),
            (format!("{prefix}_KAFKA__USERNAME"), format!("{}-service", prefix.to_lowercase())),
            (format!("{prefix}_KAFKA__PASSWORD_FILE"), secrets.path(&format!("{password}.password"))),
            (format!("{prefix}_KAFKA__CA_FILE"), ca.clone()),
        ]
    };
    let mut contact_env = vec![
        ("CONTACT_PORT".to_string(), o.contact_port.to_string()),
        ("CONTACT_MONGODB__URI_FILE".into(), secrets.write("contact-mongodb-uri", &secured::mongo_uri(o.mongo_port, &mongo_contact))?),
        ("CONTACT_EVENT_SOURCE".into(), contact_url.clone()),
        ("CONTACT_SEED_PERSONS".into(), o.persons.to_string()),
        ("CONTACT_MAX_LATENCY_SECS".into(), o.max_latency.to_string()),
        ("CONTACT_AUTH__JWKS_FILE".into(), secrets.path("jwks.json")),
        ("CONTACT_METRICS_ADDRESS".into(), format!("127.0.0.1:{}", o.contact_metrics_port)),
        ("CONTACT_INTERNAL__ENABLED".into(), "true".into()),
        ("CONTACT_INTERNAL__PORT".into(), o.internal_port.to_string()),
        ("CONTACT_INTERNAL__TLS__CERT_FILE".into(), secrets.path("contact-service.pem")),
        ("CONTACT_INTERNAL__TLS__KEY_FILE".into(), secrets.path("contact-service-key.pem")),
        ("CONTACT_INTERNAL__TLS__CA_FILE".into(), ca.clone()),
    ];
    contact_env.extend(kafka_env("CONTACT", "kafka-contact-service"));
    let mut order_env = vec![
        ("ORDER_PORT".to_string(), o.order_port.to_string()),
        ("ORDER_MONGODB__URI_FILE".into(), secrets.write("order-mongodb-uri", &secured::mongo_uri(o.mongo_port, &mongo_order))?),
        ("ORDER_EVENT_SOURCE".into(), order_url.clone()),
        ("ORDER_AUTH__JWKS_FILE".into(), secrets.path("jwks.json")),
        ("ORDER_METRICS_ADDRESS".into(), format!("127.0.0.1:{}", o.order_metrics_port)),
        // The contact service's mutual-TLS listener, with the order service's own certificate.
        ("ORDER_CONTACT__URL".into(), internal_url.clone()),
        ("ORDER_CONTACT__TLS__CERT_FILE".into(), secrets.path("order-service.pem")),
        ("ORDER_CONTACT__TLS__KEY_FILE".into(), secrets.path("order-service-key.pem")),
        ("ORDER_CONTACT__TLS__CA_FILE".into(), ca.clone()),
    ];
    order_env.extend(kafka_env("ORDER", "kafka-order-service"));
    let services = [
        Service { name: "contact-service", port: o.contact_port, probe: "/health/ready", env: contact_env },
        Service { name: "order-service", port: o.order_port, probe: "/health/ready", env: order_env },
    ];
    // Seeding runs before the first answer; with artificial latency each answer may wait that long.
    let startup = Duration::from_secs(120 + o.persons / 100) + Duration::from_secs_f64(o.max_latency);
    let read_timeout = Duration::from_secs_f64(5.0 + o.max_latency);
    for service in &services {
        running.0.push(services::start(service, &root, &logs, startup, read_timeout)?);
    }

    let contact_metrics = format!("http://127.0.0.1:{}/metrics", o.contact_metrics_port);
    let order_metrics = format!("http://127.0.0.1:{}/metrics", o.order_metrics_port);
    let mongo_base = standins::mongo_uri(o.mongo_port);
    let env = [
        ("CONTACT_URL", contact_url.clone()),
        ("ORDER_URL", order_url.clone()),
        ("CONTACT_INTERNAL_URL", internal_url.clone()),
        ("CONTACT_METRICS_URL", contact_metrics.clone()),
        ("ORDER_METRICS_URL", order_metrics.clone()),
        ("MONGODB_URI", format!("{mongo_base}&authSource=admin")),
        ("MONGODB_ORDERS_USER", mongo_order.name.clone()),
        ("MONGODB_ORDERS_PASSWORD_FILE", secrets.path("mongo-order-service.password")),
        ("MONGODB_CONTACTS_USER", mongo_contact.name.clone()),
        ("MONGODB_CONTACTS_PASSWORD_FILE", secrets.path("mongo-contact-service.password")),
        ("MONGODB_ADMIN_PASSWORD_FILE", secrets.path("mongo-admin.password")),
        ("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap.clone()),
        ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL".into()),
        ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512".into()),
        ("KAFKA_ORDER_USER", kafka_order.name.clone()),
        ("KAFKA_ORDER_PASSWORD_FILE", secrets.path("kafka-order-service.password")),
        ("KAFKA_CONTACT_USER", kafka_contact.name.clone()),
        ("KAFKA_CONTACT_PASSWORD_FILE", secrets.path("kafka-contact-service.password")),
        ("CA_FILE", ca.clone()),
        ("JWKS_FILE", secrets.path("jwks.json")),
        ("SECRETS_DIR", secrets.dir.display().to_string()),
        ("LOG_DIR", logs.display().to_string()),
    ];
    let text: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&env_file, &text).with_context(|| format!("cannot write {}", env_file.display()))?;

    println!("==> up in {} (since `cargo xtask up` started; ready for requests)", minutes_seconds(started.elapsed()));
    println!("    contact service  {contact_url}  (bearer token; internal mTLS {internal_url})");
    println!("    order service    {order_url}  (bearer token)");
    println!("    metrics          {contact_metrics}  {order_metrics}");
    println!("    MongoDB          {mongo_base} (--auth; users in {})", env_file.display());
    println!("    Kafka            {kafka_bootstrap} (SASL_SSL, SCRAM-SHA-512)");
    println!("    logs             {}", logs.display());
    println!("    settings         {} (KEY=VALUE lines)", env_file.display());
    println!("    a token          TOKEN=$(cargo xtask token) && curl -H \"Authorization: Bearer $TOKEN\" {order_url}");
    println!("    a walk-through   cargo xtask demo  (persons, an order, a person change the order follows)");
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
