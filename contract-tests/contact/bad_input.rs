//! Bad input answers 400 (or 413) problem+json and changes nothing.

use serde_json::Value;

use super::ada;
use crate::harness::{contact_app::QUIET_WAIT, ContactApp};

async fn send(app: &ContactApp, method: reqwest::Method, path: &str, body: Vec<u8>) -> (u16, String, Value) {
    let response = app
        .http()
        .request(method, format!("{}{path}", app.url))
        .header("content-type", "application/json")
        .header("x-request-id", "bad-input-1")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn malformed_json_wrong_types_and_oversized_bodies_are_refused_and_change_nothing() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();
    let existing = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();
    let id = existing.id.clone().unwrap();
    let path = format!("/api/v1/person/{id}");
    use reqwest::Method;

    let cases = [
        (Method::POST, "/api/v1/person".to_string(), b"{\"firstName\": ".to_vec(), 400),
        (Method::POST, "/api/v1/person".to_string(), br#"{"firstName": 42}"#.to_vec(), 400),
        (Method::POST, "/api/v1/person".to_string(), b"".to_vec(), 400),
        (Method::PUT, path.clone(), br#"{"extensionFields": "not an object"}"#.to_vec(), 400),
        (Method::PATCH, path.clone(), br#"[1, 2]"#.to_vec(), 400),
        (Method::POST, "/api/v1/person/search".to_string(), br#"{"zip": 80333}"#.to_vec(), 400),
        (Method::POST, "/api/v1/person".to_string(), vec![b' '; 1024 * 1024 + 1], 413),
        (Method::PATCH, path.clone(), format!(r#"{{"city": "{}"}}"#, "x".repeat(1024 * 1024)).into_bytes(), 413),
    ];
    for (method, path, body, expected) in cases {
        let (status, content_type, problem) = send(&app, method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {problem}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(problem["status"], expected);
        assert_eq!(problem["requestId"], "bad-input-1");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }

    let (status, _, problem) = send(&app, Method::GET, "/api/v1/person?page=-1&size=2", vec![]).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some("page")));
    let (status, _, _) = send(&app, Method::GET, "/api/v1/person?page=abc", vec![]).await;
    assert_eq!(status, 400);

    let everyone = app.client.find_all_using_get().send().await.unwrap().into_inner();
    assert_eq!(everyone, vec![existing], "nothing changed");
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 1, "only the create published");
}

#[tokio::test]
async fn every_response_carries_the_request_id_and_a_missing_one_is_generated() {
    let app = ContactApp::spawn().await;
    let mine = app.http().get(format!("{}/api/v1/person/count", app.url)).header("x-request-id", "abc-42").send().await.unwrap();
    let generated = app.http().get(format!("{}/api/v1/nowhere", app.url)).send().await.unwrap();

    assert_eq!(mine.headers()["x-request-id"], "abc-42");
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(generated.status(), 404);
    let problem: Value = generated.json().await.unwrap();
    assert_eq!(problem["requestId"], id.as_str());
}
