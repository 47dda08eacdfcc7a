//! The stand-ins with their security on: SecantusDB with `--auth` and one user per service,
//! nisshi with SCRAM-SHA-512 on a TLS-only listener. Std only, like `standins.rs`, which it
//! builds on; the contract-test harness uses both.
//!
//! Both stand-ins only take users while they run without authentication, so the first start
//! on a data directory creates the users, stops, and starts again with authentication on. A
//! marker file remembers that the users exist.

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::standins::{self, StandIn};

/// A user of one database (`readWrite` there and nowhere else), or of the broker.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub password: String,
    /// The database this user may use (MongoDB only).
    pub database: String,
}

const USERS_CREATED: &str = ".users-created";

/// SecantusDB on 127.0.0.1:`port` requiring SCRAM-SHA-256, with `admin` (root, for set-up
/// only) and `users`, all stored in the `admin` database.
pub fn start_mongo(port: u16, storage: &Path, log: &Path, admin_password: &str, users: &[User]) -> io::Result<StandIn> {
    if !storage.join(USERS_CREATED).exists() {
        let mut open = standins::start_mongo(port, storage, log)?;
        create_mongo_users(port, admin_password, users).map_err(|e| open.failure(&format!("refused the users: {e}")))?;
        open.stop();
        fs::write(storage.join(USERS_CREATED), "")?;
    }
    let mut cmd = standins::mongo_command(port, storage);
    cmd.arg("--auth");
    let mut stand_in = StandIn::start("SecantusDB (auth)", port, cmd, log)?;
    stand_in.grace = Duration::from_secs(15);
    Ok(stand_in)
}

/// Runs createUser through pymongo (in the SecantusDB venv); passwords go through the
/// environment, not the command line.
fn create_mongo_users(port: u16, admin_password: &str, users: &[User]) -> io::Result<()> {
    let script = r#"
import os, pymongo
c = pymongo.MongoClient(f"mongodb://127.0.0.1:{os.environ['PORT']}/?replicaSet=secantus", serverSelectionTimeoutMS=20000)
admin = c.admin
admin.command("createUser", "admin", pwd=os.environ["ADMIN_PASSWORD"], roles=["root"])
for line in os.environ["USERS"].splitlines():
    name, db, env = line.split(" ")
    admin.command("createUser", name, pwd=os.environ[env], roles=[{"role": "readWrite", "db": db}])
"#;
    let mut cmd = Command::new(standins::secantus_python());
    cmd.args(["-c", script]).env("PORT", port.to_string()).env("ADMIN_PASSWORD", admin_password);
    let mut lines = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let env = format!("PASSWORD_{i}");
        cmd.env(&env, &user.password);
        lines.push(format!("{} {} {env}", user.name, user.database));
    }
    cmd.env("USERS", lines.join("\n"));
    run_quietly(&mut cmd, "createUser")
}

/// The URI a service uses: its own user, authenticated against `admin`, its own database.
pub fn mongo_uri(port: u16, user: &User) -> String {
    mongo_uri_with(port, user, "replicaSet=secantus")
}

/// [`mongo_uri`] with other connection options (`directConnection=true` for a container).
pub fn mongo_uri_with(port: u16, user: &User, options: &str) -> String {
    format!("mongodb://{}:{}@127.0.0.1:{port}/{}?{options}&authSource=admin", user.name, user.password, user.database)
}

/// The Kafka endpoint of a secured broker: clients speak SASL_SSL to `bootstrap`; the broker
/// itself terminates TLS (no proxy) and accepts nothing else on that port.
pub struct SecuredKafka {
    pub broker: StandIn,
    pub bootstrap: String,
}

/// nisshi on 127.0.0.1:`port`, TLS only (`cert`/`key`, PEM files), every client required to
/// authenticate with SCRAM-SHA-512 as one of `users`; SQLite storage in `workdir`, so the users
/// survive the restart. The users are created through a plaintext broker on another loopback
/// port (nisshi's `user create` speaks plaintext and takes users only without
/// `--authentication`), which stops before the secured one starts: `port` never serves
/// plaintext.
pub fn start_kafka(port: u16, workdir: &Path, users: &[User], cert: &Path, key: &Path) -> io::Result<SecuredKafka> {
    fs::create_dir_all(workdir)?;
    let log = workdir.join("nisshi.log");
    // Without nisshi's database (a data directory of tansu, which this project used before) the
    // users are created again.
    if !workdir.join(USERS_CREATED).exists() || !workdir.join(DATABASE).exists() {
        let setup_port = standins::free_port();
        let mut open = standins::start_nisshi(
            "nisshi (set-up)",
            setup_port,
            standins::kafka_command(setup_port, "127.0.0.1", STORAGE, workdir),
            &log,
        )?;
        for user in users {
            let broker = format!("tcp://127.0.0.1:{setup_port}");
            let mut cmd = Command::new(standins::nisshi_bin());
            cmd.args(["user", "create", "--broker", &broker, "--mechanism", "scram512", &user.name, &user.password]).current_dir(workdir);
            run_quietly(&mut cmd, "nisshi user create").map_err(|e| open.failure(&e.to_string()))?;
        }
        open.stop();
        fs::write(workdir.join(USERS_CREATED), "")?;
    }
    // The certificate names localhost: clients connect to the advertised name.
    let mut cmd = standins::kafka_command(port, "localhost", STORAGE, workdir);
    cmd.args(["--authentication", "--cert"]).arg(cert).arg("--key").arg(key);
    let broker = standins::start_nisshi("nisshi (SCRAM, TLS)", port, cmd, &log)?;
    Ok(SecuredKafka { broker, bootstrap: format!("localhost:{port}") })
}

/// A relative SQLite path: nisshi resolves it against its working directory.
const STORAGE: &str = "sqlite://nisshi.db";
const DATABASE: &str = "nisshi.db";

/// The librdkafka properties of a SASL_SSL client.
pub fn kafka_client_properties(user: &User, ca_file: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("security.protocol", "SASL_SSL".into()),
        ("sasl.mechanisms", "SCRAM-SHA-512".into()),
        ("sasl.username", user.name.clone()),
        ("sasl.password", user.password.clone()),
        ("ssl.ca.location", ca_file.display().to_string()),
    ]
}

fn run_quietly(cmd: &mut Command, what: &str) -> io::Result<()> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(io::Error::other(format!("{what} failed ({}): {}", out.status, stderr.lines().last().unwrap_or(""))))
}
