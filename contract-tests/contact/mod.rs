//! The contact service as its users see it: the reference behaviour, events, bad input, relay.

mod bad_input;
mod crud;
mod events;
mod relay;

use labs_order_client::contact::{
    types::{Person, Problem},
    Error, ResponseValue,
};
use serde_json::json;

/// A person as a client would send it.
pub fn ada() -> Person {
    serde_json::from_value(json!({
        "firstName": "Ada", "lastName": "Lovelace", "streetAddress": "Theresienstrasse",
        "houseNumber": "6", "zip": "80333", "city": "Muenchen", "country": "Germany",
        "extensionFields": { "vip": true }
    }))
    .unwrap()
}

/// The status and problem body of a call that must fail.
pub fn expect_problem<T: std::fmt::Debug>(result: Result<ResponseValue<T>, Error<Problem>>) -> (u16, Problem) {
    match result {
        Err(Error::ErrorResponse(response)) => (response.status().as_u16(), response.into_inner()),
        other => panic!("expected a problem response, got {other:?}"),
    }
}
