//! What a client cannot do to a service: hold a connection with slow headers or a slow body,
//! send endless headers, or read `/metrics` where it is not exposed.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::harness::{auth::full_token, ContactApp};

async fn limited() -> ContactApp {
    ContactApp::spawn_with(|c| {
        c.common.http.header_read_timeout_ms = 300;
        c.common.http.request_timeout_ms = 500;
    })
    .await
}

async fn connect(app: &ContactApp) -> TcpStream {
    TcpStream::connect(app.url.trim_start_matches("http://")).await.unwrap()
}

/// Everything the server sends until it closes the connection (or 10 s pass).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&answer).to_string()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = limited().await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_body_that_never_arrives_ends_in_408_and_changes_nothing() {
    let app = limited().await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /api/v1/person HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"firstName\":",
        full_token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert_eq!(app.client.count_using_get().send().await.unwrap().into_inner().get("personCount"), Some(&0));
}

#[tokio::test]
async fn too_many_headers_are_refused() {
    let app = limited().await;
    let mut stream = connect(&app).await;
    let mut request = "GET /health/live HTTP/1.1\r\nHost: x\r\n".to_string();
    for i in 0..200 {
        request.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 431"), "{answer}");
}

#[tokio::test]
async fn metrics_can_live_on_their_own_address_away_from_the_public_api() {
    let app = ContactApp::spawn_with(|c| c.common.metrics_address = "127.0.0.1:0".into()).await;
    let metrics_url = app.metrics_url.clone().expect("a metrics address");

    let public = reqwest::get(format!("{}/metrics", app.url)).await.unwrap();
    assert_eq!(public.status().as_u16(), 404, "not on the public port");
    let private = reqwest::get(format!("{metrics_url}/metrics")).await.unwrap();
    assert_eq!(private.status().as_u16(), 200);
    assert!(private.text().await.unwrap().contains("outbox_backlog"));
    let api = reqwest::get(format!("{metrics_url}/api/v1/person")).await.unwrap();
    assert_eq!(api.status().as_u16(), 404, "and nothing else there");
}
