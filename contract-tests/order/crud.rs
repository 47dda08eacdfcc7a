//! The reference order API: create, list, read, replace, merge, delete.

use insta::assert_json_snapshot;
use labs_order_client::order::types::InputOrder;
use serde_json::json;

use super::{expect_problem, input_for};
use crate::harness::OrderApp;

#[tokio::test]
async fn create_answers_200_with_a_new_id_and_the_full_persons() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let bob = app.person("Bob").await;
    let input = InputOrder { bill_to_id: Some(bob.clone()), ..input_for(&ada) };

    let created = app.client.create_using_post().body(input).send().await.unwrap();

    assert_eq!(created.status().as_u16(), 200);
    assert_eq!(created.headers()["etag"], "\"1\"");
    let order = created.into_inner();
    assert!(uuid::Uuid::parse_str(order.order_id.as_deref().unwrap()).is_ok());
    assert_eq!(order.sold_to.as_ref().unwrap().first_name.as_deref(), Some("Ada"));
    assert_eq!(order.bill_to.as_ref().unwrap().id.as_deref(), Some(bob.as_str()));
    assert_json_snapshot!(order, { ".orderID" => "[id]", ".**.id" => "[person-id]" });
}

#[tokio::test]
async fn reading_never_needs_the_contact_service() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    let config = app.config.clone();
    app.stop().await.stop().await; // the contact service is gone now
    let app = OrderApp::start(config, crate::harness::ContactApp::detached()).await;

    let read = app.client.read_using_get().order_id(&id).send().await.unwrap();
    let listed = app.client.find_all_using_get().send().await.unwrap().into_inner();

    assert_eq!(read.headers()["etag"], "\"1\"");
    assert_eq!(read.into_inner(), order);
    assert_eq!(listed, vec![order]);
}

#[tokio::test]
async fn the_list_streams_everything_or_returns_one_stable_page() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    for _ in 0..5 {
        app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();
    }

    let all = app.client.find_all_using_get().send().await.unwrap().into_inner();
    let page1 = app.client.find_all_using_get().page(1).size(2).send().await.unwrap().into_inner();
    let empty_page = app.client.find_all_using_get().page(9).size(2).send().await.unwrap().into_inner();

    assert_eq!(all.len(), 5);
    assert_eq!(page1, all[2..4].to_vec());
    assert!(empty_page.is_empty());
}

#[tokio::test]
async fn an_empty_store_lists_as_an_empty_array() {
    let app = OrderApp::spawn().await;
    let raw = app.http().get(format!("{}/api/v1/order", app.url)).send().await.unwrap();
    assert_eq!(raw.headers()["content-type"], "application/json");
    assert_eq!(raw.text().await.unwrap(), "[]");
}

#[tokio::test]
async fn put_replaces_a_known_order_and_creates_an_unknown_id() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let bob = app.person("Bob").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();

    let replaced = app
        .client
        .upsert_using_put()
        .order_id(&id)
        .body(InputOrder { sold_to_id: Some(bob.clone()), ..InputOrder::default() })
        .send()
        .await
        .unwrap();
    let upserted = app.client.upsert_using_put().order_id("my-order-1").body(input_for(&ada)).send().await.unwrap().into_inner();

    assert_eq!(replaced.headers()["etag"], "\"2\"");
    let replaced = replaced.into_inner();
    assert_eq!(replaced.sold_to.as_ref().unwrap().id.as_deref(), Some(bob.as_str()));
    assert!(replaced.bill_to.is_none() && replaced.items.is_empty() && replaced.order_value.is_none(), "a full replace");
    assert_eq!(upserted.order_id.as_deref(), Some("my-order-1"));
    assert_eq!(app.client.read_using_get().order_id("my-order-1").send().await.unwrap().into_inner(), upserted);
}

#[tokio::test]
async fn patch_changes_only_the_fields_present_and_404s_an_unknown_id() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let bob = app.person("Bob").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    let patch: InputOrder = serde_json::from_value(json!({ "currencyCode": "EUR", "shipToID": bob })).unwrap();

    let patched = app.client.delta_update_using_patch().order_id(&id).body(patch.clone()).send().await.unwrap().into_inner();

    assert_eq!(patched.currency_code.as_deref(), Some("EUR"));
    assert_eq!(patched.ship_to.as_ref().unwrap().first_name.as_deref(), Some("Bob"));
    assert_eq!((&patched.sold_to, &patched.items, patched.order_value), (&order.sold_to, &order.items, order.order_value));
    let (status, problem) = expect_problem(app.client.delta_update_using_patch().order_id("nope").body(patch).send().await);
    assert_eq!((status, problem.detail.as_deref()), (404, Some("Order with id 'nope' not found")));
}

#[tokio::test]
async fn delete_returns_the_deleted_order_and_delete_all_answers_an_empty_order() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let a = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();

    let deleted = app.client.delete_using_delete().order_id(a.order_id.clone().unwrap()).send().await.unwrap().into_inner();
    let (status, _) = expect_problem(app.client.delete_using_delete().order_id(a.order_id.clone().unwrap()).send().await);
    let all = app.client.delete_all_using_delete().send().await.unwrap();

    assert_eq!(deleted, a);
    assert_eq!(status, 404);
    assert_eq!(all.status().as_u16(), 200);
    assert_eq!(serde_json::to_value(all.into_inner()).unwrap(), json!({}));
    assert!(app.client.find_all_using_get().send().await.unwrap().into_inner().is_empty());
}

#[tokio::test]
async fn an_order_recreated_after_delete_continues_its_version_so_old_etags_do_not_match() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    app.client.upsert_using_put().order_id("again-1").body(input_for(&ada)).send().await.unwrap();
    app.client.delete_using_delete().order_id("again-1").send().await.unwrap();

    let recreated = app.client.upsert_using_put().order_id("again-1").body(input_for(&ada)).send().await.unwrap();

    assert_eq!(recreated.headers()["etag"], "\"3\"");
    let stale = app.http().delete(format!("{}/api/v1/order/again-1", app.url)).header("if-match", "\"1\"").send().await.unwrap();
    assert_eq!(stale.status(), 412);
}
