//! Bearer tokens on the public APIs: what is accepted, what is refused, and that a refusal
//! changes nothing and tells nothing about the token.

use labs_devkit::token::{jwks, SigningKey, TokenSpec};
use serde_json::json;

use super::refusal;
use crate::{
    harness::{
        auth::{full_token, issuer, mint, token},
        ContactApp, OrderApp,
    },
    order::input_for,
};

fn orders_url(app: &OrderApp) -> String {
    format!("{}/api/v1/order", app.url)
}

async fn order_count(app: &OrderApp) -> usize {
    app.client.find_all_using_get().send().await.unwrap().into_inner().len()
}

#[tokio::test]
async fn without_a_token_the_api_answers_401_with_a_bearer_challenge_and_changes_nothing() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let anonymous = reqwest::Client::new();

    let post = anonymous.post(orders_url(&app)).json(&input_for(&ada)).send().await.unwrap();
    let (status, challenge, problem) = refusal(post).await;
    assert_eq!(status, 401);
    assert_eq!(challenge, r#"Bearer realm="labs-order""#);
    assert_eq!(problem["status"], 401);
    assert!(problem["requestId"].is_string());

    let list = anonymous.get(orders_url(&app)).send().await.unwrap();
    assert_eq!(list.status().as_u16(), 401);
    let person = anonymous.get(format!("{}/api/v1/person/{ada}", app.contact.url)).send().await.unwrap();
    assert_eq!(person.status().as_u16(), 401, "the contact API is guarded too");
    assert_eq!(order_count(&app).await, 0, "nothing was created");
}

#[tokio::test]
async fn missing_wrong_expired_badly_signed_and_wrong_audience_tokens_are_refused_alike() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let stranger = SigningKey::generate("test-key-1").unwrap(); // same kid, other key
    let valid = TokenSpec::default();
    let forged_hs256 = {
        // Algorithm confusion: an HMAC token "signed" with the public key's JSON.
        let header = jsonwebtoken::Header { kid: Some("test-key-1".into()), ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) };
        let claims = json!({ "sub": "x", "iss": "labs-order", "aud": ["order-service"], "scope": "orders:write", "exp": 4102444800u64 });
        let secret = issuer().key.jwk().to_string();
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())).unwrap()
    };
    let unsigned = {
        let encode = |v: serde_json::Value| base64_url(v.to_string().as_bytes());
        let claims = json!({ "sub": "x", "iss": "labs-order", "aud": ["order-service"], "scope": "orders:write", "exp": 4102444800u64 });
        format!("{}.{}.", encode(json!({ "alg": "none", "kid": "test-key-1" })), encode(claims))
    };
    let cases = [
        ("garbage", "not-a-jwt".to_string()),
        ("expired beyond the leeway", mint(&TokenSpec { ttl_secs: -120, ..valid.clone() })),
        ("not yet valid", mint(&TokenSpec { not_before_secs: Some(600), ..valid.clone() })),
        ("wrong issuer", mint(&TokenSpec { issuer: "someone-else".into(), ..valid.clone() })),
        ("wrong audience", mint(&TokenSpec { audiences: vec!["contact-service".into()], ..valid.clone() })),
        ("signed by another key", stranger.mint(&valid).unwrap()),
        ("unknown key id", SigningKey::generate("nobody-knows").unwrap().mint(&valid).unwrap()),
        ("HS256 with the public key as secret", forged_hs256),
        ("alg none", unsigned),
    ];
    let http = reqwest::Client::new();
    for (case, bad) in cases {
        let response = http.post(orders_url(&app)).bearer_auth(&bad).json(&input_for(&ada)).send().await.unwrap();
        let (status, challenge, problem) = refusal(response).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(challenge, r#"Bearer realm="labs-order", error="invalid_token""#, "{case}");
        assert_eq!(problem["detail"], "the bearer token is not valid", "{case}: the reason is not told");
    }
    let basic = http.get(orders_url(&app)).header("authorization", "Basic YWRtaW46YWRtaW4=").send().await.unwrap();
    assert_eq!(basic.status().as_u16(), 401, "only bearer tokens");
    assert_eq!(order_count(&app).await, 0, "nothing was created");

    let leeway = mint(&TokenSpec { ttl_secs: -5, ..valid.clone() });
    let accepted = http.get(orders_url(&app)).bearer_auth(leeway).send().await.unwrap();
    assert_eq!(accepted.status().as_u16(), 200, "a token expired within the leeway still works");
}

#[tokio::test]
async fn each_operation_needs_its_scope_and_403_names_it() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let http = reqwest::Client::new();

    let reader = token(&["orders:read"]);
    let post = http.post(orders_url(&app)).bearer_auth(&reader).json(&input_for(&ada)).send().await.unwrap();
    let (status, challenge, problem) = refusal(post).await;
    assert_eq!(status, 403);
    assert_eq!(challenge, r#"Bearer realm="labs-order", error="insufficient_scope", scope="orders:write""#);
    assert_eq!(problem["detail"], "this operation requires the scope orders:write");
    assert_eq!(order_count(&app).await, 0);

    let writer = token(&["orders:write"]);
    let created = http.post(orders_url(&app)).bearer_auth(&writer).json(&input_for(&ada)).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 200, "orders:write creates, and persons are looked up with the service's own credentials");
    let id = created.json::<serde_json::Value>().await.unwrap()["orderID"].as_str().unwrap().to_string();
    let read_by_writer = http.get(format!("{}/{id}", orders_url(&app))).bearer_auth(&writer).send().await.unwrap();
    assert_eq!(read_by_writer.status().as_u16(), 403, "write does not imply read");
    let read = http.get(format!("{}/{id}", orders_url(&app))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let delete = http.delete(format!("{}/{id}", orders_url(&app))).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(delete.status().as_u16(), 403);
    assert_eq!(order_count(&app).await, 1, "the refused delete deleted nothing");

    let persons_reader = token(&["persons:read"]);
    let person_url = format!("{}/api/v1/person", app.contact.url);
    let search = http.post(format!("{person_url}/search")).bearer_auth(&persons_reader).json(&json!({})).send().await.unwrap();
    assert_eq!(search.status().as_u16(), 200, "search only reads");
    let create = http.post(&person_url).bearer_auth(&persons_reader).json(&json!({ "firstName": "Eve" })).send().await.unwrap();
    assert_eq!(create.status().as_u16(), 403);
    let orders_with_person_scope = http.get(orders_url(&app)).bearer_auth(&persons_reader).send().await.unwrap();
    assert_eq!(orders_with_person_scope.status().as_u16(), 403);
}

#[tokio::test]
async fn a_token_that_worked_is_refused_once_it_expires() {
    // Verified tokens are remembered; the memory must not outlive the token.
    let app = ContactApp::spawn_with(|c| c.common.auth.leeway_secs = 0).await;
    let url = format!("{}/api/v1/person", app.url);
    let short = mint(&TokenSpec { ttl_secs: 2, ..TokenSpec::default() });
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).bearer_auth(&short).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(http.get(&url).bearer_auth(&short).send().await.unwrap().status().as_u16(), 200, "again, from memory");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(http.get(&url).bearer_auth(&short).send().await.unwrap().status().as_u16(), 401);
}

#[tokio::test]
async fn health_metrics_and_docs_stay_open() {
    let app = ContactApp::spawn().await;
    for path in ["/health/live", "/health/ready", "/metrics", "/openapi.json", "/docs/"] {
        let response = reqwest::get(format!("{}{path}", app.url)).await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    let spec: serde_json::Value = reqwest::get(format!("{}/openapi.json", app.url)).await.unwrap().json().await.unwrap();
    assert_eq!(spec["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer", "the contract declares the scheme");
}

#[tokio::test]
async fn a_new_signing_key_is_picked_up_from_the_jwks_without_a_restart() {
    let dir = std::env::temp_dir().join(format!("labs-rotation-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (old, new) = (SigningKey::generate("2026-a").unwrap(), SigningKey::generate("2026-b").unwrap());
    let jwks_file = dir.join("jwks.json");
    std::fs::write(&jwks_file, jwks(&[&old]).to_string()).unwrap();
    let app = ContactApp::spawn_with(|c| {
        c.common.auth.jwks_file = Some(jwks_file.display().to_string());
        c.common.auth.jwks_min_refresh_secs = 0;
    })
    .await;
    let url = format!("{}/api/v1/person", app.url);
    let http = reqwest::Client::new();
    let spec = TokenSpec::default();

    assert_eq!(http.get(&url).bearer_auth(old.mint(&spec).unwrap()).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(http.get(&url).bearer_auth(new.mint(&spec).unwrap()).send().await.unwrap().status().as_u16(), 401, "not published yet");

    std::fs::write(&jwks_file, jwks(&[&old, &new]).to_string()).unwrap();
    assert_eq!(http.get(&url).bearer_auth(new.mint(&spec).unwrap()).send().await.unwrap().status().as_u16(), 200, "rotated in");
    assert_eq!(http.get(&url).bearer_auth(old.mint(&spec).unwrap()).send().await.unwrap().status().as_u16(), 200, "both during rotation");
}

#[tokio::test]
async fn keys_can_come_from_a_jwks_url_and_hs256_only_when_configured() {
    let key = SigningKey::generate("from-url").unwrap();
    let document = jwks(&[&key]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
    let router = axum::Router::new().route("/.well-known/jwks.json", axum::routing::get(move || async move { axum::Json(document) }));
    tokio::spawn(async move { axum::serve(listener, router).await });

    let app = ContactApp::spawn_with(|c| {
        c.common.auth.jwks_file = None;
        c.common.auth.jwks_url = Some(jwks_url);
    })
    .await;
    let url = format!("{}/api/v1/person", app.url);
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).bearer_auth(key.mint(&TokenSpec::default()).unwrap()).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(http.get(&url).bearer_auth(full_token()).send().await.unwrap().status().as_u16(), 401, "a key not in that set");

    let secret = "a-shared-secret-of-at-least-32-bytes!";
    let hs = ContactApp::spawn_with(|c| {
        c.common.auth.jwks_file = None;
        c.common.auth.hs256_secret = Some(labs_order::config::Secret::new(secret));
    })
    .await;
    let claims =
        json!({ "iss": "labs-order", "aud": "contact-service", "scope": "persons:read", "exp": chrono::Utc::now().timestamp() + 60 });
    let hs_token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let hs_url = format!("{}/api/v1/person", hs.url);
    assert_eq!(http.get(&hs_url).bearer_auth(&hs_token).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(http.get(&url).bearer_auth(&hs_token).send().await.unwrap().status().as_u16(), 401, "never on a JWKS service");
}

#[tokio::test]
async fn a_service_without_keys_refuses_to_start_instead_of_running_open() {
    let mut config = ContactApp::fresh_config();
    config.common.auth.jwks_file = None;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = labs_order::contact::build(config, listener).await.err().expect("refused");
    assert!(err.to_string().contains("auth.jwks_file"), "{err}");
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
