//! The contact service. Options: `--config FILE`, `--port`, `--host`, `--persons N`,
//! `--max-latency SECONDS`, `--log-level`; every setting also as `CONTACT_<KEY>` (see docs/configuration.md).

use labs_order::contact::{self, config::FLAGS, ContactConfig};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let (file, overrides) = labs_order::config::parse_args(std::env::args(), FLAGS)?;
    let config: ContactConfig = labs_order::config::load("contact", file.as_deref(), &overrides)?;
    labs_order::telemetry::init(&config.common.log_level);
    config.common.runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind((config.common.host.as_str(), config.common.port)).await?;
        let app = contact::build(config, listener).await?;
        tracing::info!(addr = %app.local_addr(), "contact service listening");
        app.run(labs_order::host::termination()).await
    })
}
