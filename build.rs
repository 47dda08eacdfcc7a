//! Generates, from `spec/*.yaml`, into `OUT_DIR` only:
//! - `<api>_server.rs`: the server trait, typed inputs and responses, and the axum router
//!   (included by `src/spec.rs`);
//! - `<api>_client.rs`: the progenitor client, which must equal the committed copy in
//!   `generated/src/<api>.rs` (the crate outside consumers use): a drift fails the build with
//!   what to run. `UPDATE_GENERATED=1` (set by `cargo xtask codegen`) rewrites the copy instead.

#[path = "codegen/mod.rs"]
mod codegen;

use std::{env, fs, path::PathBuf};

/// (module name, spec file, trait name)
const APIS: &[(&str, &str, &str)] =
    &[("contact", "spec/contact-service.yaml", "ContactApi"), ("order", "spec/order-service.yaml", "OrderApi")];

fn main() {
    println!("cargo:rerun-if-changed=spec");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=generated/src");
    println!("cargo:rerun-if-env-changed=UPDATE_GENERATED");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let update = env::var_os("UPDATE_GENERATED").is_some();
    let mut drifted = Vec::new();
    for (module, file, trait_name) in APIS {
        let spec = match codegen::load_spec(file) {
            Ok(spec) => spec,
            Err(err) => fail(file, &err),
        };
        let server = codegen::server::generate(&spec, module, trait_name).unwrap_or_else(|err| fail(file, &err));
        fs::write(out.join(format!("{module}_server.rs")), server).expect("write OUT_DIR");
        let client = codegen::client::generate(&spec).unwrap_or_else(|err| fail(file, &err));
        fs::write(out.join(format!("{module}_client.rs")), &client).expect("write OUT_DIR");
        let committed_path = format!("generated/src/{module}.rs");
        if fs::read_to_string(&committed_path).ok().as_deref() != Some(client.as_str()) {
            if update {
                fs::write(&committed_path, &client).expect("rewrite the generated client");
                println!("cargo:warning=rewrote {committed_path} from {file}");
            } else {
                drifted.push(committed_path);
            }
        }
    }
    if !drifted.is_empty() {
        eprintln!("error: the committed client ({}) differs from what spec/ generates.", drifted.join(", "));
        eprintln!("hint: run `cargo xtask codegen` and commit the result.");
        std::process::exit(1);
    }
}

fn fail(file: &str, err: &str) -> ! {
    eprintln!("error: cannot generate code from {file}: {err}");
    eprintln!("hint: fix {file} (it must stay a superset of shared/reference, see docs/changing-the-api.md), then rebuild.");
    std::process::exit(1);
}
