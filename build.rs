//! Generates, from `spec/*.yaml`, into `OUT_DIR` only:
//! - `<api>_server.rs`: the server trait, typed inputs and responses, and the axum router
//!   (included by `src/api.rs`);
//! - `<api>_client.rs`: the progenitor client, compared by a test with the committed copy in
//!   `generated/src/` so the published client never drifts from the spec.

#[path = "codegen/mod.rs"]
mod codegen;

use std::{env, fs, path::PathBuf};

/// (module name, spec file, trait name)
const APIS: &[(&str, &str, &str)] =
    &[("contact", "spec/contact-service.yaml", "ContactApi"), ("order", "spec/order-service.yaml", "OrderApi")];

fn main() {
    println!("cargo:rerun-if-changed=spec");
    println!("cargo:rerun-if-changed=codegen");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (module, file, trait_name) in APIS {
        let spec = match codegen::load_spec(file) {
            Ok(spec) => spec,
            Err(err) => fail(file, &err),
        };
        let server = codegen::server::generate(&spec, module, trait_name).unwrap_or_else(|err| fail(file, &err));
        fs::write(out.join(format!("{module}_server.rs")), server).expect("write OUT_DIR");
        let client = codegen::client::generate(&spec).unwrap_or_else(|err| fail(file, &err));
        fs::write(out.join(format!("{module}_client.rs")), client).expect("write OUT_DIR");
    }
}

fn fail(file: &str, err: &str) -> ! {
    eprintln!("error: cannot generate code from {file}: {err}");
    eprintln!("hint: fix {file} (it must stay a superset of shared/reference, see README 'Changing the API'), then rebuild.");
    std::process::exit(1);
}
