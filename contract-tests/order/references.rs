//! Person references: resolved on every write, replica first, then the contact service;
//! unknown persons are 422, an unreachable contact service 503, and neither writes anything.

use labs_order_client::order::types::InputOrder;

use super::{expect_problem, input_for};
use crate::harness::{contact_app::QUIET_WAIT, ContactApp, OrderApp};

#[tokio::test]
async fn an_unknown_person_is_422_naming_the_field_and_nothing_is_written() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let input = InputOrder { ship_to_id: Some("nobody-here".into()), ..input_for(&ada) };

    let (status, problem) = expect_problem(app.client.create_using_post().body(input).send().await);

    assert_eq!(status, 422);
    assert_eq!(problem.errors[0].field, "shipToID");
    assert!(problem.detail.unwrap().contains("nobody-here"));
    assert!(app.client.find_all_using_get().send().await.unwrap().into_inner().is_empty());
    assert!(events.settle(QUIET_WAIT).await.is_empty());
}

#[tokio::test]
async fn persons_once_resolved_come_from_the_replica_even_with_the_contact_service_down() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();
    let config = app.config.clone();
    app.stop().await.stop().await;
    let app = OrderApp::start(config, ContactApp::detached()).await;

    let again = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();

    assert_eq!(again.sold_to.unwrap().first_name.as_deref(), Some("Ada"));
}

#[tokio::test]
async fn a_contact_service_that_is_down_gives_503_with_retry_after_and_writes_nothing() {
    let contact = ContactApp::spawn().await;
    let ada = {
        let p = labs_order_client::contact::types::Person { first_name: Some("Ada".into()), ..Default::default() };
        contact.client.create_using_post().body(p).send().await.unwrap().into_inner().id.unwrap()
    };
    let config = {
        let mut c = OrderApp::fresh_config("http://127.0.0.1:9"); // nothing listens there
        c.contact.breaker_failures = 3;
        c
    };
    let app = OrderApp::start(config, contact).await;
    let mut events = app.order_events();

    let first = app.http().post(format!("{}/api/v1/order", app.url)).json(&input_for(&ada)).send().await.unwrap();
    let (status, problem) = expect_problem(app.client.create_using_post().body(input_for(&ada)).send().await);

    assert_eq!(first.status(), 503);
    assert!(first.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(first.headers()["content-type"], "application/problem+json");
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["detail"], "contact service is unavailable (connect)");
    assert_eq!(status, 503);
    assert_eq!(problem.detail.as_deref(), Some("contact service is unavailable (circuit_open)"), "three failures opened the circuit");
    assert!(app.client.find_all_using_get().send().await.unwrap().into_inner().is_empty());
    assert!(events.settle(QUIET_WAIT).await.is_empty());
}

#[tokio::test]
async fn a_hanging_contact_service_answers_503_within_the_budget_and_the_breaker_opens() {
    let contact = ContactApp::spawn_with(|c| c.max_latency_secs = 30.0).await;
    let config = {
        let mut c = OrderApp::fresh_config(&contact.url);
        c.contact.timeout_ms = 200;
        c.contact.budget_ms = 500;
        c.contact.retries = 0;
        c.contact.breaker_failures = 2;
        c.contact.breaker_open_ms = 60_000;
        c
    };
    let app = OrderApp::start(config, contact).await;

    let (status, first) = expect_problem(app.client.create_using_post().body(input_for("someone")).send().await);
    let (_, _) = expect_problem(app.client.create_using_post().body(input_for("someone")).send().await);
    let (status_again, again) = expect_problem(app.client.create_using_post().body(input_for("someone-else")).send().await);

    assert_eq!((status, status_again), (503, 503));
    assert_eq!(first.detail.as_deref(), Some("contact service is unavailable (timeout)"));
    assert_eq!(again.detail.as_deref(), Some("contact service is unavailable (circuit_open)"), "two timeouts opened the circuit");
}

#[tokio::test]
async fn an_id_the_contact_api_cannot_address_is_an_unknown_person_not_an_outage() {
    let app = OrderApp::spawn_with(|c| c.contact.breaker_failures = 1).await;
    for id in ["search", "count", "a/b"] {
        let (status, problem) = expect_problem(app.client.create_using_post().body(input_for(id)).send().await);
        assert_eq!(status, 422, "{id}: {problem:?}");
    }
    let ada = app.person("Ada").await;
    assert_eq!(
        app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().status().as_u16(),
        200,
        "the circuit stayed closed"
    );
}
