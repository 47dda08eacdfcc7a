//! Development secrets for a local system (used by `cargo xtask up` and `cargo xtask token`):
//!
//!   labs-dev init DIR
//!       creates the development CA and certificates, the JWT signing key and JWKS, and the
//!       users' passwords under DIR, keeping whatever is already there.
//!   labs-dev token DIR [--scope S]... [--ttl 1h] [--audience A]... [--subject NAME]
//!       prints one token signed by DIR's key (all scopes, both audiences by default).
//!   labs-dev demo ENV_FILE
//!       walks the original flow against the system ENV_FILE describes (`target/dev/env` of a
//!       running `cargo xtask up`), printing every request and response.
//!   labs-dev containers [--mongo-image IMAGE] [--kafka-image IMAGE]
//!       starts MongoDB and Kafka containers (testcontainers, `labs_devkit::containers`; images
//!       from the options, else LABS_TEST_MONGO_IMAGE / LABS_TEST_KAFKA_IMAGE, else mongo:8.0
//!       and apache/kafka:4.1.0), prints `LABS_TEST_MONGODB_URI=...` and
//!       `LABS_TEST_KAFKA_BOOTSTRAP=...` on stdout, one line each, and keeps them until its
//!       stdin closes or it gets SIGTERM or SIGINT; then removes them. Killed otherwise, a
//!       watcher removes them once its pid is gone. `cargo xtask test` runs the suite on them.
//!       Needs the feature `containers`.

use std::path::PathBuf;

use labs_devkit::token;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: labs-dev init DIR | labs-dev token DIR [options] | labs-dev demo ENV_FILE | labs-dev containers [options]";
    let (command, rest) = args.split_first().ok_or_else(|| anyhow::anyhow!("{usage}"))?;
    if command == "containers" {
        #[cfg(feature = "containers")]
        return containers(rest);
        #[cfg(not(feature = "containers"))]
        anyhow::bail!("labs-dev containers: built without the feature `containers` (cargo build -p labs-devkit --features containers)");
    }
    let (dir, options) = rest.split_first().ok_or_else(|| anyhow::anyhow!("{command}: give the secrets directory (demo: the env file)"))?;
    let dir = PathBuf::from(dir);
    match command.as_str() {
        "demo" => {
            anyhow::ensure!(options.is_empty(), "{usage}");
            let target = labs_devkit::demo::target_from_env_file(&dir)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let walked = runtime.block_on(labs_devkit::demo::walk(&target, &mut std::io::stdout()))?;
            println!("\norder {} follows person {}: done", walked.order_id, walked.changed_person_id);
        }
        "init" => {
            for written in labs_devkit::init(&dir)? {
                eprintln!("created {written} in {}", dir.display());
            }
        }
        "token" => {
            let mut spec = token::TokenSpec::default();
            let (mut scopes, mut audiences) = (Vec::new(), Vec::new());
            let mut options = options.iter();
            while let Some(option) = options.next() {
                let mut value = || options.next().cloned().ok_or_else(|| anyhow::anyhow!("{option} needs a value"));
                match option.as_str() {
                    "--scope" => scopes.push(value()?),
                    "--audience" => audiences.push(value()?),
                    "--subject" => spec.subject = value()?,
                    "--ttl" => spec.ttl_secs = token::parse_ttl(&value()?)?.as_secs() as i64,
                    other => anyhow::bail!("unknown option {other}; options: --scope S, --ttl D, --audience A, --subject NAME"),
                }
            }
            for scope in &scopes {
                anyhow::ensure!(token::SCOPES.contains(&scope.as_str()), "unknown scope {scope}; scopes: {:?}", token::SCOPES);
            }
            if !scopes.is_empty() {
                spec.scopes = scopes;
            }
            if !audiences.is_empty() {
                spec.audiences = audiences;
            }
            println!("{}", token::SigningKey::read(&dir)?.mint(&spec)?);
        }
        other => anyhow::bail!("unknown command {other}; commands: init, token, demo, containers"),
    }
    Ok(())
}

/// `labs-dev containers`: see the module documentation.
#[cfg(feature = "containers")]
fn containers(options: &[String]) -> anyhow::Result<()> {
    use labs_devkit::containers::{self, Containers};
    use std::io::Write;

    let (mut mongo_image, mut kafka_image) = containers::images_from_env();
    let mut options = options.iter();
    while let Some(option) = options.next() {
        let mut value = || options.next().cloned().ok_or_else(|| anyhow::anyhow!("{option} needs a value"));
        match option.as_str() {
            "--mongo-image" => mongo_image = value()?,
            "--kafka-image" => kafka_image = value()?,
            other => anyhow::bail!("unknown option {other}; options: --mongo-image IMAGE, --kafka-image IMAGE"),
        }
    }
    anyhow::ensure!(containers::docker_answers(), "no Docker engine answers (`docker info` fails)");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // Signals first, so a SIGTERM during the start-up removes what was started.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        let started = tokio::select! {
            started = Containers::start(&mongo_image, &kafka_image) => started?,
            _ = term.recv() => anyhow::bail!("SIGTERM during the start-up"),
            _ = int.recv() => anyhow::bail!("SIGINT during the start-up"),
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "LABS_TEST_MONGODB_URI={}", started.mongo_uri)?;
        writeln!(stdout, "LABS_TEST_KAFKA_BOOTSTRAP={}", started.kafka_bootstrap)?;
        stdout.flush()?;
        drop(stdout);
        eprintln!(
            "labs-dev: MongoDB ({mongo_image}) and Kafka ({kafka_image}) containers are up; close stdin or send SIGTERM to remove them"
        );
        // stdin is read on a thread of its own (a blocking read); its end is the signal to stop.
        let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed_tx.send(());
        });
        let why = tokio::select! {
            _ = closed_rx => "stdin closed",
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        eprintln!("labs-dev: {why}: removing the containers");
        started.remove().await
    })
}
