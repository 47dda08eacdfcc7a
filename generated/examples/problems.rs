//! Handles the two `Problem`s a writer must expect: 412 when the order changed since it was read
//! (a stale `If-Match`), and 422 when the request cannot be processed (a person that does not
//! exist, an `Idempotency-Key` reused with another body).
//!
//! ```bash
//! TOKEN=$(cargo xtask token) cargo run -p labs-order-client --example problems
//! ```
//! `CONTACT_URL` and `ORDER_URL` override the addresses.

use labs_order_client::order::types::{InputOrder, Problem};
use labs_order_client::{contact, order, ClientAuth, Error, ResponseValue};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("TOKEN").map_err(|_| "set TOKEN, e.g. TOKEN=$(cargo xtask token)")?;
    let contact_url = std::env::var("CONTACT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let order_url = std::env::var("ORDER_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    let contacts = contact::Client::new(&contact_url, ClientAuth::bearer(token.clone()));
    let orders = order::Client::new(&order_url, ClientAuth::bearer(token));

    let persons = contacts.find_all_using_get().page(0).size(1u32).send().await?.into_inner();
    let person_id = persons.into_iter().find_map(|p| p.id).ok_or("the contact service has no persons")?;
    let input = InputOrder { sold_to_id: Some(person_id), order_value: Some(10.0), ..Default::default() };

    // 412: two writers read version 1; the first write wins, the second is refused.
    let created = orders.create_using_post().body(input.clone()).send().await?;
    let first_etag = created.headers()["etag"].to_str()?.to_owned();
    let order_id = created.into_inner().order_id.ok_or("no order id")?;
    let put = |value: f64| {
        let body = InputOrder { order_value: Some(value), ..input.clone() };
        orders.upsert_using_put().order_id(order_id.as_str()).if_match(first_etag.as_str()).body(body)
    };
    put(11.0).send().await?;
    match put(12.0).send().await {
        Err(Error::ErrorResponse(problem)) if problem.status().as_u16() == 412 => {
            print_problem("stale If-Match", problem);
            let current = orders.read_using_get().order_id(order_id.as_str()).send().await?;
            println!(
                "  -> re-read: value {:?}, ETag {:?}; decide, then retry with that ETag",
                current.order_value,
                current.headers().get("etag")
            );
        }
        other => return Err(format!("expected a 412, got {other:?}").into()),
    }

    // 422: a referenced person does not exist; `errors` names the field.
    let unknown = InputOrder { sold_to_id: Some("00000000-0000-4000-8000-000000000000".into()), ..input.clone() };
    match orders.create_using_post().body(unknown).send().await {
        Err(Error::ErrorResponse(problem)) if problem.status().as_u16() == 422 => print_problem("unknown person", problem),
        other => return Err(format!("expected a 422, got {other:?}").into()),
    }

    // 422: the same Idempotency-Key with another body (a bug in the caller, not a retry).
    let key = format!("problems-{order_id}");
    orders.create_using_post().idempotency_key(key.as_str()).body(input.clone()).send().await?;
    let other_body = InputOrder { order_value: Some(99.0), ..input };
    match orders.create_using_post().idempotency_key(key.as_str()).body(other_body).send().await {
        Err(Error::ErrorResponse(problem)) if problem.status().as_u16() == 422 => print_problem("reused key", problem),
        other => return Err(format!("expected a 422, got {other:?}").into()),
    }
    Ok(())
}

fn print_problem(what: &str, response: ResponseValue<Problem>) {
    let status = response.status();
    let problem = response.into_inner();
    println!("{what}: {status} {} ({})", problem.title, problem.type_);
    println!("  detail: {}", problem.detail.as_deref().unwrap_or("-"));
    for field in &problem.errors {
        println!("  field {}: {}", field.field, field.message);
    }
    println!("  request id (for the service log): {}", problem.request_id.as_deref().unwrap_or("-"));
}
