//! Optimistic concurrency (ETag / If-Match) and safe retries (Idempotency-Key).

use labs_order_client::order::types::InputOrder;

use super::{expect_problem, input_for};
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    OrderApp,
};

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    let change = InputOrder { currency_code: Some("EUR".into()), ..InputOrder::default() };
    let url = format!("{}/api/v1/order/{id}", app.url);

    let fresh = app.http().patch(&url).header("if-match", "\"1\"").json(&change).send().await.unwrap();
    let stale_patch = app.http().patch(&url).header("if-match", "\"1\"").json(&change).send().await.unwrap();
    let stale_put = app.http().put(&url).header("if-match", "\"1\"").json(&input_for(&ada)).send().await.unwrap();
    let stale_delete = app.http().delete(&url).header("if-match", "\"1\"").send().await.unwrap();

    assert_eq!(fresh.status(), 200);
    assert_eq!(fresh.headers()["etag"], "\"2\"");
    assert_eq!((stale_patch.status().as_u16(), stale_put.status().as_u16(), stale_delete.status().as_u16()), (412, 412, 412));
    let now = app.client.read_using_get().order_id(&id).send().await.unwrap();
    assert_eq!(now.headers()["etag"], "\"2\"");
    assert_eq!(now.into_inner().currency_code.as_deref(), Some("EUR"));
}

#[tokio::test]
async fn repeating_a_post_with_the_same_idempotency_key_returns_the_first_result_once() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let url = format!("{}/api/v1/order", app.url);
    let post = |body: InputOrder| app.http().post(&url).header("idempotency-key", "key-1").json(&body).send();

    let first: serde_json::Value = post(input_for(&ada)).await.unwrap().json().await.unwrap();
    let repeat = post(input_for(&ada)).await.unwrap();
    let repeat_status = repeat.status();
    let repeated: serde_json::Value = repeat.json().await.unwrap();
    let other = post(InputOrder { currency_code: Some("USD".into()), ..input_for(&ada) }).await.unwrap();

    assert_eq!(repeat_status, 200);
    assert_eq!(repeated, first);
    assert_eq!(other.status(), 422);
    assert_eq!(app.client.find_all_using_get().send().await.unwrap().into_inner().len(), 1);
    events.expect(1, EVENT_WAIT).await;
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 1, "one order, one event");
}

#[tokio::test]
async fn concurrent_repeats_of_one_idempotency_key_create_one_order() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let url = format!("{}/api/v1/order", app.url);
    let body = input_for(&ada);
    let attempts = (0..4).map(|_| app.http().post(&url).header("idempotency-key", "same-key").json(&body).send());

    let responses = futures::future::join_all(attempts).await;

    let mut ids = std::collections::BTreeSet::new();
    for r in responses {
        let r = r.unwrap();
        assert_eq!(r.status(), 200);
        ids.insert(r.json::<serde_json::Value>().await.unwrap()["orderID"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 1, "every repeat saw the same order");
    assert_eq!(app.client.find_all_using_get().send().await.unwrap().into_inner().len(), 1);
}

#[tokio::test]
async fn unknown_order_ids_are_404_for_read_and_delete() {
    let app = OrderApp::spawn().await;
    let (read, _) = expect_problem(app.client.read_using_get().order_id("nope").send().await);
    let (delete, _) = expect_problem(app.client.delete_using_delete().order_id("nope").send().await);
    assert_eq!((read, delete), (404, 404));
}

#[tokio::test]
async fn an_unreadable_precondition_is_400_and_a_wrong_method_405() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let url = format!("{}/api/v1/order/{}", app.url, order.order_id.unwrap());
    let bad = reqwest::header::HeaderValue::from_bytes(b"\"1\"\xff").unwrap();

    let guarded = app.http().delete(&url).header("if-match", bad).send().await.unwrap();
    let wrong_method = app.http().post(&url).json(&input_for(&ada)).send().await.unwrap();

    assert_eq!(guarded.status(), 400);
    assert_eq!(wrong_method.status(), 405);
    assert_eq!(wrong_method.headers()["content-type"], "application/problem+json");
    assert_eq!(app.client.read_using_get().order_id(url.rsplit('/').next().unwrap()).send().await.unwrap().status(), 200, "still there");
}
