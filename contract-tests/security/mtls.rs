//! The contact service's internal listener: mutual TLS, a client certificate from our CA or
//! no handshake at all, and read-only access for the services that hold one.

use labs_devkit::pki::{Ca, DevPki};
use labs_order::tls::TlsFiles;
use serde_json::json;

use crate::{
    harness::{auth::token, ContactApp, OrderApp},
    order::input_for,
};

/// A development PKI on disk, plus a certificate for the same name from a CA nobody trusts.
struct Pki {
    dir: std::path::PathBuf,
}

impl Pki {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("labs-pki-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        DevPki::generate().unwrap().write(&dir).unwrap();
        let rogue = Ca::new("rogue CA").unwrap().issue("order-service").unwrap();
        std::fs::write(dir.join("rogue.pem"), rogue.cert_pem).unwrap();
        std::fs::write(dir.join("rogue-key.pem"), rogue.key_pem).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Server side of the contact service's internal listener.
    fn server(&self) -> TlsFiles {
        TlsFiles {
            cert_file: self.path("contact-service.pem"),
            key_file: self.path("contact-service-key.pem"),
            ca_file: self.path("ca.pem"),
        }
    }

    /// A client presenting `name`.pem (or nothing), trusting our CA.
    fn client(&self, name: Option<&str>) -> TlsFiles {
        let (cert_file, key_file) = match name {
            Some(name) => (self.path(&format!("{name}.pem")), self.path(&format!("{name}-key.pem"))),
            None => (String::new(), String::new()),
        };
        TlsFiles { cert_file, key_file, ca_file: self.path("ca.pem") }
    }

    fn http(&self, name: Option<&str>) -> reqwest::Client {
        let tls = labs_order::tls::client_config(Some(&self.client(name))).unwrap();
        reqwest::Client::builder().tls_backend_preconfigured(tls).build().unwrap()
    }
}

async fn contact_with_internal_listener(pki: &Pki) -> ContactApp {
    let server = pki.server();
    ContactApp::spawn_with(move |c| {
        c.internal.enabled = true;
        c.internal.port = 0;
        c.internal.tls = server;
    })
    .await
}

#[tokio::test]
async fn the_internal_listener_completes_the_handshake_only_with_a_certificate_from_our_ca() {
    let pki = Pki::new();
    let contact = contact_with_internal_listener(&pki).await;
    let created = contact.http().post(format!("{}/api/v1/person", contact.url)).json(&json!({ "firstName": "Ada" })).send().await.unwrap();
    let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let internal = contact.internal_url.clone().unwrap();
    let person_url = format!("{internal}/api/v1/person/{id}");

    let read = pki.http(Some("order-service")).get(&person_url).send().await.unwrap();
    assert_eq!(read.status().as_u16(), 200, "the certificate is the credential: no token needed");
    assert_eq!(read.json::<serde_json::Value>().await.unwrap()["firstName"], "Ada");

    for (case, client) in [("no client certificate", pki.http(None)), ("a certificate from another CA", pki.http(Some("rogue")))] {
        let err = client.get(&person_url).send().await.expect_err(case);
        assert!(err.is_connect() || err.is_request(), "{case}: fails before any HTTP exchange: {err:?}");
    }
    let plain = reqwest::get(person_url.replace("https://", "http://")).await;
    assert!(plain.is_err() || plain.unwrap().status().as_u16() >= 400, "plain HTTP is no way in");
}

#[tokio::test]
async fn a_verified_service_may_only_read_persons() {
    let pki = Pki::new();
    let contact = contact_with_internal_listener(&pki).await;
    let internal = contact.internal_url.clone().unwrap();
    let service = pki.http(Some("order-service"));

    let create = service.post(format!("{internal}/api/v1/person")).json(&json!({ "firstName": "Mallory" })).send().await.unwrap();
    assert_eq!(create.status().as_u16(), 403);
    let wipe = service.delete(format!("{internal}/api/v1/person")).send().await.unwrap();
    assert_eq!(wipe.status().as_u16(), 403);
    let count = contact.client.count_using_get().send().await.unwrap().into_inner();
    assert_eq!(count.get("personCount"), Some(&0), "nothing was created");
}

#[tokio::test]
async fn the_order_service_looks_persons_up_over_mutual_tls_with_its_own_certificate() {
    let pki = Pki::new();
    let contact = contact_with_internal_listener(&pki).await;
    let ada = contact
        .client
        .create_using_post()
        .body(labs_order_client::contact::types::Person { first_name: Some("Ada".into()), ..Default::default() });
    let ada = ada.send().await.unwrap().into_inner().id.unwrap();
    let mut config = OrderApp::fresh_config(&contact.internal_url.clone().unwrap());
    config.person_topics = contact.config.topics.clone();
    config.contact.token = None; // the certificate alone
    config.contact.tls = pki.client(Some("order-service"));
    let rogue_config = {
        let mut c = OrderApp::fresh_config(&contact.internal_url.clone().unwrap());
        c.contact.token = None;
        c.contact.tls = pki.client(Some("rogue"));
        c
    };
    let app = OrderApp::start(config, contact).await;

    // An end user who may write orders but not read persons: the lookup uses the service's identity.
    let user = reqwest::Client::new();
    let created = user.post(format!("{}/api/v1/order", app.url)).bearer_auth(token(&["orders:write"])).json(&input_for(&ada));
    let created = created.send().await.unwrap();
    assert_eq!(created.status().as_u16(), 200);
    assert_eq!(created.json::<serde_json::Value>().await.unwrap()["soldTo"]["firstName"], "Ada");

    let rogue = OrderApp::start(rogue_config, ContactApp::detached()).await;
    let refused = user.post(format!("{}/api/v1/order", rogue.url)).bearer_auth(token(&["orders:write"])).json(&input_for(&ada));
    let refused = refused.send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 503, "a service without a trusted certificate cannot look persons up");
}
