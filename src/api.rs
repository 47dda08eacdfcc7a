//! Server traits and routers generated from `spec/` by `build.rs`.

/// The contact service API (`spec/contact-service.yaml`).
pub mod contact {
    include!(concat!(env!("OUT_DIR"), "/contact_server.rs"));
}

/// The order service API (`spec/order-service.yaml`).
pub mod order {
    include!(concat!(env!("OUT_DIR"), "/order_server.rs"));
}
