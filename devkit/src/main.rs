//! Development secrets for a local system (used by `cargo xtask up` and `cargo xtask token`):
//!
//!   labs-dev init DIR
//!       creates the development CA and certificates, the JWT signing key and JWKS, and the
//!       users' passwords under DIR, keeping whatever is already there.
//!   labs-dev token DIR [--scope S]... [--ttl 1h] [--audience A]... [--subject NAME]
//!       prints one token signed by DIR's key (all scopes, both audiences by default).

use std::path::PathBuf;

use labs_devkit::token;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args.split_first().ok_or_else(|| anyhow::anyhow!("usage: labs-dev init DIR | labs-dev token DIR [options]"))?;
    let (dir, options) = rest.split_first().ok_or_else(|| anyhow::anyhow!("{command}: give the secrets directory"))?;
    let dir = PathBuf::from(dir);
    match command.as_str() {
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
        other => anyhow::bail!("unknown command {other}; commands: init, token"),
    }
    Ok(())
}
