//! MongoDB and Kafka in containers, started once per test process: what a plain `cargo test`
//! uses on a machine with a Docker engine and none of the `LABS_TEST_*` server variables. The
//! fixture itself is `labs_devkit::containers` (devkit/src/containers/mod.rs: default images
//! `mongo:8.0` and `apache/kafka:4.1.0`, `LABS_TEST_MONGO_IMAGE` / `LABS_TEST_KAFKA_IMAGE`
//! for others), shared with `labs-dev containers`, which `cargo xtask test` runs once for the
//! whole suite. The containers are removed when the test process ends, however it ends.

use std::sync::OnceLock;

pub use labs_devkit::containers::{docker_answers, KAFKA_IMAGE_VAR, MONGO_IMAGE_VAR};

pub struct Containers {
    pub mongo_uri: String,
    pub kafka_bootstrap: String,
    pub mongo_image: String,
    pub kafka_image: String,
}

/// The containers of this test process, started on first use (on a thread of its own, so that
/// any test, async or not, can ask).
pub fn shared() -> &'static Containers {
    static CONTAINERS: OnceLock<Containers> = OnceLock::new();
    CONTAINERS.get_or_init(|| {
        let started = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let (mongo_image, kafka_image) = labs_devkit::containers::images_from_env();
            runtime.block_on(labs_devkit::containers::Containers::start(&mongo_image, &kafka_image))
        });
        let started = started.join().expect("container start-up thread").unwrap_or_else(|e| {
            panic!(
                "MongoDB and Kafka containers did not start: {e:#}\nWithout a registry, name local images with \
                 {MONGO_IMAGE_VAR}/{KAFKA_IMAGE_VAR} (`cargo xtask images` builds stand-in images), or run \
                 `cargo xtask test`."
            )
        });
        let shared = Containers {
            mongo_uri: started.mongo_uri.clone(),
            kafka_bootstrap: started.kafka_bootstrap.clone(),
            mongo_image: started.mongo_image.clone(),
            kafka_image: started.kafka_image.clone(),
        };
        // Never dropped: the watchers remove them when the process ends.
        started.keep_until_exit();
        shared
    })
}

/// Where tests that start MongoDB and Kafka of their own (chaos::, to stop and break them) run
/// them, by the rule `cargo xtask test` uses for the suite: as `LABS_TEST_SERVERS` says
/// (`containers` or `processes`; xtask passes its own environment on), else in containers when
/// a Docker engine answers and the images are at hand (named by `LABS_TEST_MONGO_IMAGE` /
/// `LABS_TEST_KAFKA_IMAGE`, as xtask does with the stand-in images, or the default images,
/// pulled here when absent, as the shared containers' testcontainers would), else as
/// processes. Decided once per test process; the second value says why.
pub fn own_servers() -> &'static (Servers, String) {
    static CHOICE: OnceLock<(Servers, String)> = OnceLock::new();
    CHOICE.get_or_init(|| match std::env::var(SERVERS_VAR).unwrap_or_default().as_str() {
        "containers" => (Servers::Containers, format!("{SERVERS_VAR}=containers")),
        "processes" => (Servers::Processes, format!("{SERVERS_VAR}=processes")),
        _ if !docker_answers() => (Servers::Processes, "no Docker engine answers (`docker info` fails)".into()),
        _ => {
            let (mongo, kafka) = labs_devkit::containers::images_from_env();
            let named = std::env::var_os(MONGO_IMAGE_VAR).is_some() && std::env::var_os(KAFKA_IMAGE_VAR).is_some();
            let ready = if named { Ok(()) } else { at_hand(&mongo).and_then(|()| at_hand(&kafka)) };
            match ready {
                Ok(()) => (Servers::Containers, format!("a Docker engine answers; images {mongo} and {kafka}")),
                Err(why) => (Servers::Processes, format!("{why} (`cargo xtask images` builds stand-in images)")),
            }
        }
    })
}

/// `containers` or `processes` (see [`own_servers`]).
pub const SERVERS_VAR: &str = "LABS_TEST_SERVERS";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Servers {
    Containers,
    Processes,
}

/// The image is in the engine, or `docker pull` brought it (no time limit: a first pull of the
/// real images takes minutes, and a missing registry fails in milliseconds).
fn at_hand(image: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut inspect = Command::new("docker");
    inspect.args(["image", "inspect", image]).stdout(Stdio::null()).stderr(Stdio::null());
    if inspect.status().is_ok_and(|s| s.success()) {
        return Ok(());
    }
    let pulled = Command::new("docker").args(["pull", "--quiet", image]).stdin(Stdio::null()).output();
    match pulled {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("image {image} is not here and `docker pull` failed: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("image {image} is not here and `docker pull` did not run: {e}")),
    }
}
