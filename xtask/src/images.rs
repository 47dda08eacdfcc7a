//! `cargo xtask images`: the container images, made without a registry and cached by content.
//! Every image is tagged with a key hashed from its inputs (`<repo>:<key>`); an image whose
//! tag exists is not built again. Each is also tagged `:local`, the name compose files use.
//!
//! - `labs-order/debian`: Debian 12 from `debootstrap --variant=minbase`, imported with
//!   `docker import`: the base of the others (no `debian` image can be pulled here);
//! - `labs-order/mongo-standin`: SecantusDB (deploy/standins/mongo);
//! - `labs-order/kafka-standin`: the nisshi binary `cargo xtask install` built on the host
//!   (deploy/standins/kafka);
//! - `labs-order/prometheus-standin`: Debian's prometheus package (deploy/standins/prometheus);
//! - `labs-order/contact-service`, `order-service`, `dev-tools`: the root Dockerfile with
//!   `BINARIES=host`, from binaries `cargo build` makes on the host.
//!
//! Uses an engine that answers; never installs one (CI does: .ci/docker-engine).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

use crate::standins::{self, SECANTUS_VERSION};
use crate::{cargo, install, run_child, services, workspace_root};

const HELP: &str = "usage: cargo xtask images [--release]
Builds the container images (Debian base, MongoDB and Kafka stand-ins, both services and the
dev tools) with the Docker engine that answers, skipping each image whose inputs are unchanged.
The services' images take binaries built on the host: the dev profile, or --release.";

/// Where images come from when nothing is set: the Debian mirror debootstrap uses.
const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";

/// The images of one run, by full name with their content tag.
pub struct Images {
    pub mongo: String,
    pub kafka: String,
}

pub fn run(args: &[String]) -> Result<i32> {
    let release = match args {
        [] => false,
        [flag] if flag == "--release" => true,
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{HELP}");
            return Ok(0);
        }
        _ => bail!("{HELP}"),
    };
    ensure!(
        engine_answers(),
        "no Docker engine answers (`docker info` fails): start one, or use `cargo xtask up` / `cargo xtask test`, which run on the local stand-ins"
    );
    install::runtime("cargo xtask images")?;
    build(release)?;
    Ok(0)
}

/// A Docker engine answers `docker info`.
pub fn engine_answers() -> bool {
    let info = Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    info.is_ok_and(|s| s.success())
}

/// Builds what is missing and returns the stand-in images' names.
pub fn build(release: bool) -> Result<Images> {
    let root = workspace_root();
    let work = standins::cache_dir().join("images");
    fs::create_dir_all(&work)?;
    let base = base_image(&work)?;

    let mongo_dir = root.join("deploy/standins/mongo");
    let mongo_key = key(&[base.as_bytes(), SECANTUS_VERSION.as_bytes(), &dir_digest(&mongo_dir)?])?;
    let mongo = image("labs-order/mongo-standin", &mongo_key, |tags| {
        let mut cmd = docker_build(tags, &mongo_dir.join("Dockerfile"), &mongo_dir);
        cmd.args(["--build-arg", &format!("BASE_IMAGE={base}"), "--build-arg", &format!("SECANTUS_VERSION={SECANTUS_VERSION}")]);
        run_ok(&mut cmd, "the MongoDB stand-in image")
    })?;

    let kafka_dir = root.join("deploy/standins/kafka");
    let nisshi = standins::nisshi_bin();
    let kafka_key = key(&[base.as_bytes(), &dir_digest(&kafka_dir)?, file_digest(&nisshi)?.as_bytes()])?;
    let kafka = image("labs-order/kafka-standin", &kafka_key, |tags| {
        let context = fresh_dir(&work.join("kafka-context"))?;
        for entry in fs::read_dir(&kafka_dir)? {
            let path = entry?.path();
            link_or_copy(&path, &context.join(path.file_name().expect("a file name")))?;
        }
        link_or_copy(&nisshi, &context.join("nisshi"))?;
        let mut cmd = docker_build(tags, &kafka_dir.join("Dockerfile"), &context);
        cmd.args(["--build-arg", &format!("BASE_IMAGE={base}")]);
        run_ok(&mut cmd, "the Kafka stand-in image")
    })?;

    let prometheus_dir = root.join("deploy/standins/prometheus");
    let prometheus_key = key(&[base.as_bytes(), &dir_digest(&prometheus_dir)?])?;
    image("labs-order/prometheus-standin", &prometheus_key, |tags| {
        let mut cmd = docker_build(tags, &prometheus_dir.join("Dockerfile"), &prometheus_dir);
        cmd.args(["--build-arg", &format!("BASE_IMAGE={base}")]);
        run_ok(&mut cmd, "the Prometheus stand-in image")
    })?;

    services_images(&root, &work, &base, release)?;
    Ok(Images { mongo, kafka })
}

/// The three images of the root Dockerfile, from binaries built here.
fn services_images(root: &Path, work: &Path, base: &str, release: bool) -> Result<()> {
    const BINARIES: [&str; 3] = ["contact-service", "order-service", "labs-dev"];
    let profile = if release { "release" } else { "dev" };
    println!("==> building the service binaries on the host (cargo build, profile {profile})");
    let mut build = cargo();
    build.args(["build", "--locked", "--bins", "--package", "labs-order", "--package", "labs-devkit"]).current_dir(root);
    if release {
        build.arg("--release");
    }
    run_ok(&mut build, "the service binaries")?;
    let dir = services::target_dir(root).join(if release { "release" } else { "debug" });
    let mut inputs = vec![base.as_bytes().to_vec(), fs::read(root.join("Dockerfile"))?];
    for name in BINARIES {
        inputs.push(file_digest(&dir.join(name))?.into_bytes());
    }
    let key = key(&inputs.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
    if ["contact-service", "order-service", "dev-tools"].iter().all(|t| exists(&format!("labs-order/{t}:{key}"))) {
        println!("==> services' images up to date (labs-order/{{contact-service,order-service,dev-tools}}:{key})");
        for target in ["contact-service", "order-service", "dev-tools"] {
            tag(&format!("labs-order/{target}:{key}"), &format!("labs-order/{target}:local"))?;
        }
        return Ok(());
    }
    let context = fresh_dir(&work.join("services-context"))?;
    for name in BINARIES {
        link_or_copy(&dir.join(name), &context.join(name))?;
    }
    for target in ["dev-tools", "contact-service", "order-service"] {
        let started = Instant::now();
        println!("==> building labs-order/{target}:{key} (Dockerfile, target {target}, BINARIES=host)");
        let tags = [format!("labs-order/{target}:{key}"), format!("labs-order/{target}:local")];
        let mut cmd = docker_build(&tags, &root.join("Dockerfile"), &context);
        cmd.args(["--target", target, "--build-arg", "BINARIES=host", "--build-arg", &format!("RUNTIME_IMAGE={base}")]);
        run_ok(&mut cmd, &format!("the {target} image"))?;
        println!("==> labs-order/{target}:{key} built in {:.0?}", started.elapsed());
    }
    Ok(())
}

/// The Debian base: debootstrap into the cache, `docker import`, remove the root file system.
fn base_image(work: &Path) -> Result<String> {
    let mirror = std::env::var("LABS_DEBIAN_MIRROR").unwrap_or_else(|_| DEFAULT_MIRROR.into());
    let recipe = format!("debootstrap --variant=minbase bookworm {mirror}");
    let key = key(&[recipe.as_bytes()])?;
    image("labs-order/debian", &format!("bookworm-{key}"), |tags| {
        ensure_debootstrap()?;
        let rootfs = fresh_dir(&work.join("rootfs"))?;
        println!("==> {recipe} (about 2 minutes)");
        let mut strap = Command::new("debootstrap");
        strap.args(["--variant=minbase", "bookworm"]).arg(&rootfs).arg(&mirror).stdout(Stdio::null());
        run_ok(&mut strap, "debootstrap")?;
        let mut import = Command::new("sh");
        let script = format!("tar -C \"$1\" -c . | docker import -c 'CMD [\"bash\"]' - {}", tags[0]);
        import.args(["-c", &script, "sh"]).arg(&rootfs);
        run_ok(&mut import, "docker import")?;
        for t in &tags[1..] {
            tag(&tags[0], t)?;
        }
        fs::remove_dir_all(&rootfs)?;
        Ok(())
    })
}

/// The CA bundle this machine's pip uses (`PIP_CERT`, `SSL_CERT_FILE`, else Debian's).
fn ca_bundle() -> Option<PathBuf> {
    let named = ["PIP_CERT", "SSL_CERT_FILE"].iter().find_map(std::env::var_os).map(PathBuf::from);
    named.into_iter().chain([PathBuf::from("/etc/ssl/certs/ca-certificates.crt")]).find(|p| p.is_file())
}

fn ensure_debootstrap() -> Result<()> {
    if crate::apt::succeeds(Command::new("debootstrap").arg("--version")) {
        return Ok(());
    }
    let need = crate::apt::Need { package: "debootstrap", why: "builds the Debian base image (labs-order/debian)" };
    crate::apt::install(&[need], "cargo xtask images")
}

/// `<repo>:<key>`, built by `make` (given both tags, keyed first) unless it exists; tagged
/// `<repo>:local` either way.
fn image(repo: &str, key: &str, make: impl FnOnce(&[String]) -> Result<()>) -> Result<String> {
    let (name, local) = (format!("{repo}:{key}"), format!("{repo}:local"));
    if exists(&name) {
        println!("==> {name} up to date");
    } else {
        let started = Instant::now();
        println!("==> building {name}");
        make(&[name.clone(), local.clone()])?;
        println!("==> {name} built in {:.0?}", started.elapsed());
    }
    tag(&name, &local)?;
    Ok(name)
}

fn exists(image: &str) -> bool {
    let inspect = Command::new("docker").args(["image", "inspect", image]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    inspect.is_ok_and(|s| s.success())
}

fn tag(source: &str, target: &str) -> Result<()> {
    let status = Command::new("docker").args(["tag", source, target]).status()?;
    ensure!(status.success(), "`docker tag {source} {target}` failed ({status})");
    Ok(())
}

/// A BuildKit build (the Dockerfiles need it): through buildx where the CLI has it, else the
/// classic CLI with `DOCKER_BUILDKIT=1` (Docker 20.10 and older).
fn docker_build(tags: &[String], dockerfile: &Path, context: &Path) -> Command {
    let buildx = Command::new("docker").args(["buildx", "version"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    let mut cmd = Command::new("docker");
    if buildx.is_ok_and(|s| s.success()) {
        cmd.args(["buildx", "build", "--load"]);
    } else {
        cmd.env("DOCKER_BUILDKIT", "1").arg("build");
    }
    cmd.args(["--progress", "plain"]);
    if let Some(bundle) = ca_bundle() {
        // pip inside a build trusts what pip here trusts (e.g. an intercepting proxy's CA).
        cmd.arg("--secret").arg(format!("id=ca-bundle,src={}", bundle.display()));
    }
    for t in tags {
        cmd.args(["--tag", t]);
    }
    cmd.arg("--file").arg(dockerfile).arg(context);
    cmd
}

fn run_ok(cmd: &mut Command, what: &str) -> Result<()> {
    let status = run_child(cmd)?;
    ensure!(status.success(), "building {what} failed ({status})");
    Ok(())
}

/// An empty directory at `path`.
fn fresh_dir(path: &Path) -> Result<PathBuf> {
    if path.exists() {
        fs::remove_dir_all(path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    fs::create_dir_all(path)?;
    Ok(path.to_path_buf())
}

/// A hard link where possible (binaries are large), else a copy.
fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// The sha256 of a file (sha256sum: coreutils; std has no hash that is stable across releases).
fn file_digest(path: &Path) -> Result<String> {
    let out = Command::new("sha256sum").arg(path).output().context("cannot run sha256sum")?;
    ensure!(out.status.success(), "sha256sum {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr).trim());
    Ok(String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_string())
}

/// The names and digests of a folder's files, sorted.
fn dir_digest(dir: &Path) -> Result<Vec<u8>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().expect("a file name").to_string_lossy().into_owned();
        out.extend(format!("{name} {}\n", file_digest(&file)?).into_bytes());
    }
    Ok(out)
}

/// 12 hex digits of the sha256 of `parts` (each length-prefixed).
fn key(parts: &[&[u8]]) -> Result<String> {
    let mut child = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().context("cannot run sha256sum")?;
    {
        let mut stdin = child.stdin.take().expect("piped");
        for part in parts {
            stdin.write_all(format!("{}:", part.len()).as_bytes())?;
            stdin.write_all(part)?;
        }
    }
    let out = child.wait_with_output()?;
    Ok(String::from_utf8_lossy(&out.stdout)[..12].to_string())
}
