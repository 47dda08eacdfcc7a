//! Bad input: a 4xx problem, and nothing changes.

use serde_json::Value;

use super::input_for;
use crate::harness::{contact_app::QUIET_WAIT, OrderApp};

#[tokio::test]
async fn malformed_json_wrong_types_and_negative_amounts_are_refused_and_change_nothing() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let existing = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let one = format!("/api/v1/order/{}", existing.order_id.clone().unwrap());
    events.expect(1, crate::harness::contact_app::EVENT_WAIT).await;

    let cases: Vec<(reqwest::Method, String, String, u16, &str)> = vec![
        (reqwest::Method::POST, "/api/v1/order".into(), "{\"orderValue\": ".into(), 400, ""),
        (reqwest::Method::POST, "/api/v1/order".into(), r#"{"orderValue": "a lot"}"#.into(), 400, ""),
        (reqwest::Method::POST, "/api/v1/order".into(), r#"{"items": [{"quantity": -5}]}"#.into(), 400, "items[0].quantity"),
        (reqwest::Method::POST, "/api/v1/order".into(), r#"{"items": [{"itemPrice": "cheap"}]}"#.into(), 400, ""),
        (reqwest::Method::PUT, one.clone(), r#"{"taxValue": -1}"#.into(), 400, "taxValue"),
        (reqwest::Method::PATCH, one.clone(), r#"{"orderValue": -107.26}"#.into(), 400, "orderValue"),
        (reqwest::Method::PATCH, one.clone(), r#"{"soldToID": 42}"#.into(), 400, ""),
        (reqwest::Method::PATCH, one.clone(), format!(r#"{{"currencyCode": "{}"}}"#, "x".repeat(1024 * 1024)), 413, ""),
    ];
    for (method, path, body, expected, field) in cases {
        let response = app
            .http()
            .request(method.clone(), format!("{}{path}", app.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected, "{method} {path}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let problem: Value = response.json().await.unwrap();
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
    }

    let orders = app.client.find_all_using_get().send().await.unwrap().into_inner();
    assert_eq!(orders, vec![existing]);
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 1, "no event for refused input");
}
