//! Lists persons with a bearer token and our own `x-request-id`, one page at a time.
//!
//! ```bash
//! TOKEN=$(cargo xtask token) cargo run -p labs-order-client --example list_persons
//! ```
//! `CONTACT_URL` overrides the contact service's address (default `http://127.0.0.1:8080`).

use labs_order_client::{contact, ClientAuth};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("TOKEN").map_err(|_| "set TOKEN, e.g. TOKEN=$(cargo xtask token)")?;
    let url = std::env::var("CONTACT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let contacts = contact::Client::new(&url, ClientAuth::bearer(token));

    let total = contacts.count_using_get().send().await?.into_inner();
    println!("{total:?}");
    let request_id = format!("list-persons-{}", uuid::Uuid::new_v4());
    // Pages are 0-based; `size` without `page` would return everything.
    let page = contacts.find_all_using_get().page(0).size(5u32).x_request_id(request_id.as_str()).send().await?;
    // The service echoes the request id; it is also in its log and in the events it publishes.
    let echoed = page.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    println!("sent x-request-id {request_id}, the service answered with {echoed}");
    for person in page.into_inner() {
        let name = [person.first_name.as_deref(), person.last_name.as_deref()].map(|n| n.unwrap_or("?")).join(" ");
        println!("{} {name} ({})", person.id.as_deref().unwrap_or("-"), person.city.as_deref().unwrap_or("-"));
    }
    Ok(())
}
