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

use std::path::PathBuf;

use labs_devkit::token;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: labs-dev init DIR | labs-dev token DIR [options] | labs-dev demo ENV_FILE";
    let (command, rest) = args.split_first().ok_or_else(|| anyhow::anyhow!("{usage}"))?;
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
        other => anyhow::bail!("unknown command {other}; commands: init, token, demo"),
    }
    Ok(())
}
