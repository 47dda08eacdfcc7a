//! The typed HTTP client, by progenitor.
//!
//! The client takes an optional bearer token (`ClientAuth`, defined by the client crate), added
//! to every request by a pre-hook, so callers never handle the header themselves.

use progenitor_impl::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use quote::quote;

pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::ClientAuth))
        .with_pre_hook(quote!(crate::ClientAuth::apply))
        .with_derive("PartialEq");
    let mut generator = Generator::new(&settings);
    let tokens = generator.generate_tokens(spec).map_err(|e| e.to_string())?;
    super::format(tokens)
}
