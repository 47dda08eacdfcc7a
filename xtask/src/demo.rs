//! `cargo xtask demo`: the original flow against a running `cargo xtask up`. The walk itself is
//! `labs-dev demo` (`src/devkit/demo.rs`): it has an HTTP client, xtask stays std-only.

use anyhow::{ensure, Context, Result};

use crate::{exit_code, labs_dev, workspace_root};

pub fn run() -> Result<i32> {
    let root = workspace_root();
    let env = root.join("target/dev/env");
    ensure!(
        env.exists(),
        "no running system ({} is missing): start `cargo xtask up` in another terminal, wait for `==> up`, then rerun `cargo xtask demo`",
        env.display()
    );
    let mut demo = labs_dev(&root)?;
    demo.arg("demo").arg(&env);
    Ok(exit_code(demo.status().context("cannot run labs-dev")?))
}
