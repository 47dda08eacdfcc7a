//! Code generation from the OpenAPI specs, used by `build.rs` only.

pub mod client;
pub mod server;

/// Reads an OpenAPI 3.0 document from YAML, naming the file and the position on error.
pub fn load_spec(path: &str) -> Result<openapiv3::OpenAPI, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_yaml::from_str(&text).map_err(|e| match e.location() {
        Some(at) => format!("line {}, column {}: {e}", at.line(), at.column()),
        None => e.to_string(),
    })
}

/// Formats generated tokens as Rust source, or explains what did not parse.
pub fn format(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(format!("// @generated from the OpenAPI spec by build.rs; do not edit.\n{}", prettyplease::unparse(&file)))
}
