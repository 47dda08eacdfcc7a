//! The order service. Options: `--config FILE`, `--port`, `--host`, `--contact-url`,
//! `--log-level`; every setting also as `ORDER_<KEY>` (see docs/configuration.md).

use labs_order::order::{self, config::FLAGS, OrderConfig};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // Test builds only (feature `failpoints`): crash points armed by `FAILPOINTS`.
    #[cfg(feature = "failpoints")]
    let _crash_points = labs_order::crash_points::arm_from_env();
    let (file, overrides) = labs_order::config::parse_args(std::env::args(), FLAGS)?;
    let config: OrderConfig = labs_order::config::load("order", file.as_deref(), &overrides)?;
    labs_order::telemetry::init(&config.common.log_level);
    config.common.runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind((config.common.host.as_str(), config.common.port)).await?;
        let app = order::build(config, listener).await?;
        tracing::info!(addr = %app.local_addr(), "order service listening");
        app.run(labs_order::host::termination()).await
    })
}
