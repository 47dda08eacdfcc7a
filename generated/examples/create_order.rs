//! Creates an order for three persons with an `Idempotency-Key`, then retries the same request
//! as a client would after a timeout: the service answers with the first order, not a second.
//!
//! ```bash
//! TOKEN=$(cargo xtask token) cargo run -p labs-order-client --example create_order
//! ```
//! `CONTACT_URL` and `ORDER_URL` override the addresses (defaults `http://127.0.0.1:8080` and
//! `http://127.0.0.1:3000`).

use labs_order_client::{contact, order, ClientAuth};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("TOKEN").map_err(|_| "set TOKEN, e.g. TOKEN=$(cargo xtask token)")?;
    let contact_url = std::env::var("CONTACT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let order_url = std::env::var("ORDER_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let contacts = contact::Client::new(&contact_url, ClientAuth::bearer(token.clone()));
    let orders = order::Client::new(&order_url, ClientAuth::bearer(token));

    let persons = contacts.find_all_using_get().page(0).size(3u32).send().await?.into_inner();
    let ids: Vec<String> = persons.into_iter().filter_map(|p| p.id).collect();
    let [sold_to, bill_to, ship_to] = <[String; 3]>::try_from(ids).map_err(|_| "the contact service needs 3 persons")?;

    let input = order::types::InputOrder {
        sold_to_id: Some(sold_to),
        bill_to_id: Some(bill_to),
        ship_to_id: Some(ship_to),
        currency_code: Some("EUR".into()),
        order_value: Some(119.0),
        tax_value: Some(19.0),
        items: vec![order::types::OrderItem {
            product_id: Some("sku-1".into()),
            quantity: Some(2.0),
            item_price: Some(50.0),
            ..Default::default()
        }],
        ..Default::default()
    };
    // One key per logical operation (a checkout, a message being handled), reused by its retries.
    let key = uuid::Uuid::new_v4().to_string();
    let created = orders.create_using_post().idempotency_key(key.as_str()).body(input.clone()).send().await?;
    let etag = created.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let created = created.into_inner();
    println!("created order {:?} (ETag {etag})", created.order_id);
    if let Some(sold_to) = &created.sold_to {
        // The order embeds a copy of each person; as a contact-service person it can be updated there.
        let person: contact::types::Person = sold_to.clone().into();
        println!("sold to {:?} {:?}", person.first_name, person.last_name);
    }

    let retried = orders.create_using_post().idempotency_key(key.as_str()).body(input).send().await?.into_inner();
    assert_eq!(retried.order_id, created.order_id, "a retry with the same key returns the first order");
    println!("retry with Idempotency-Key {key} returned the same order {:?}", retried.order_id);
    Ok(())
}
