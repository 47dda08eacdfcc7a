//! The order service as its users see it: the reference API, person resolution, concurrency
//! control, safe retries, order events, bad input.

mod bad_input;
mod batching;
mod concurrency;
mod crash_points;
mod crud;
mod events;
mod first_reference;
mod kill_9;
mod person_sync;
mod references;
mod retention;
mod transactions;
mod write_race;

use labs_order_client::order::{
    types::{InputOrder, Problem},
    Error, ResponseValue,
};
use serde_json::json;

/// An order input referencing `sold_to` in all three roles.
pub fn input_for(sold_to: &str) -> InputOrder {
    serde_json::from_value(json!({
        "orderDate": "2021-07-17", "soldToID": sold_to, "billToID": sold_to, "shipToID": sold_to,
        "orderValue": 107.26, "taxValue": 10.1, "currencyCode": "CHF",
        "items": [{ "itemID": "0001", "productID": "100000101", "quantity": 5, "itemPrice": 21.5 }]
    }))
    .unwrap()
}

pub fn expect_problem<T: std::fmt::Debug>(result: Result<ResponseValue<T>, Error<Problem>>) -> (u16, Problem) {
    match result {
        Err(Error::ErrorResponse(response)) => (response.status().as_u16(), response.into_inner()),
        other => panic!("expected a problem response, got {other:?}"),
    }
}
