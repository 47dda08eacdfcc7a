//! The generated client the way an outside crate uses it (`generated/README.md`): over HTTPS,
//! with a bearer token, answers and refusals as typed values.

use std::sync::Arc;

use labs_devkit::pki::Ca;
use labs_order_client::{order, ClientAuth, Error};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};

use crate::{
    harness::{auth::full_token, OrderApp},
    order::input_for,
};

/// What a load balancer terminating HTTPS in front of the order service is: TLS on a port of
/// its own, plain TCP to `backend`. Answers the port.
async fn tls_front(backend: std::net::SocketAddr, cert_pem: &str, key_pem: &str) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes()).map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let (Ok(mut tls), Ok(mut plain)) = (acceptor.accept(tcp).await, TcpStream::connect(backend).await) else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn the_generated_client_calls_the_secured_order_service_over_https_and_gets_typed_answers() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let ca = Ca::new("company CA").unwrap();
    let server = ca.issue("localhost").unwrap();
    let backend = app.url.trim_start_matches("http://").parse().expect("the service listens on an IP address");
    let port = tls_front(backend, &server.cert_pem, &server.key_pem).await;
    let url = format!("https://localhost:{port}");
    let https = || labs_order_client::https_client_trusting(ca.pem().cert_pem.as_bytes()).unwrap();
    let orders = order::Client::new_with_client(&url, https(), ClientAuth::bearer(full_token()));

    let created = orders.create_using_post().idempotency_key("https-1").body(input_for(&ada)).send().await.unwrap();
    let order_id = created.into_inner().order_id.expect("the order has an id");
    let read = orders.read_using_get().order_id(&order_id).send().await.unwrap().into_inner();
    assert_eq!(read.sold_to.and_then(|p| p.id).as_deref(), Some(ada.as_str()), "the order embeds the person");

    match orders.read_using_get().order_id("no-such-order").x_request_id("https-404").send().await {
        Err(Error::ErrorResponse(problem)) => {
            assert_eq!(problem.status().as_u16(), 404);
            assert_eq!(problem.request_id.as_deref(), Some("https-404"), "the Problem carries our request id");
        }
        other => panic!("expected a typed 404 Problem, got {other:?}"),
    }

    let anonymous = order::Client::new_with_client(&url, https(), ClientAuth::none());
    match anonymous.read_using_get().order_id(&order_id).send().await {
        Err(Error::ErrorResponse(problem)) => assert_eq!(problem.status().as_u16(), 401),
        other => panic!("expected a typed 401 Problem, got {other:?}"),
    }

    // A client that does not trust the CA never reaches the service.
    let untrusting = order::Client::new(&url, ClientAuth::bearer(full_token()));
    let refused = untrusting.read_using_get().order_id(&order_id).send().await;
    assert!(matches!(refused, Err(Error::CommunicationError(_))), "an unknown CA must fail the handshake: {refused:?}");
}
