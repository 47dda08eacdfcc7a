//! The APIs as the specs define them: server traits, routers and operation tables generated
//! from `spec/` by `build.rs`. Each service's `api.rs` implements its trait.

/// The contact service API (`spec/contact-service.yaml`).
pub mod contact {
    include!(concat!(env!("OUT_DIR"), "/contact_server.rs"));
}

/// The order service API (`spec/order-service.yaml`).
pub mod order {
    include!(concat!(env!("OUT_DIR"), "/order_server.rs"));
}

#[cfg(test)]
mod tests {
    //! Generated code is reviewed like code: the server code is snapshotted, and the committed
    //! client crate must equal what the spec generates (`cargo xtask codegen` rewrites it).

    const GENERATED: &[(&str, &str, &str)] = &[
        ("contact", include_str!(concat!(env!("OUT_DIR"), "/contact_client.rs")), "generated/src/contact.rs"),
        ("order", include_str!(concat!(env!("OUT_DIR"), "/order_client.rs")), "generated/src/order.rs"),
    ];

    #[test]
    fn generated_client_matches_the_spec() {
        let root = env!("CARGO_MANIFEST_DIR");
        let update = std::env::var_os("UPDATE_GENERATED").is_some();
        let mut drifted = Vec::new();
        for (api, fresh, committed_path) in GENERATED {
            let path = format!("{root}/{committed_path}");
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed != *fresh {
                if update {
                    std::fs::write(&path, fresh).expect("write generated client");
                    eprintln!("rewrote {committed_path}");
                } else {
                    drifted.push(format!("{api}: {committed_path}"));
                }
            }
        }
        assert!(
            drifted.is_empty(),
            "the committed client drifted from spec/ ({drifted:?}); run `cargo xtask codegen` and commit the result"
        );
    }

    /// The development tokens (`labs-dev token`) carry every scope by default: exactly the
    /// scopes the specs require.
    #[test]
    fn dev_tokens_know_every_scope_the_specs_require() {
        let mut required: Vec<&str> =
            super::order::OPERATIONS.iter().chain(super::contact::OPERATIONS).flat_map(|(.., scopes)| scopes.iter().copied()).collect();
        required.sort_unstable();
        required.dedup();
        assert_eq!(required, labs_devkit::token::SCOPES);
    }

    #[test]
    fn generated_server_code_is_reviewed() {
        insta::assert_snapshot!("contact_server", include_str!(concat!(env!("OUT_DIR"), "/contact_server.rs")));
        insta::assert_snapshot!("order_server", include_str!(concat!(env!("OUT_DIR"), "/order_server.rs")));
    }
}
