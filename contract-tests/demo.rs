//! `cargo xtask demo`'s walk (`labs_devkit::demo`, the README's flow) against a fresh
//! pair of services: persons, an order for three of them, a person change the order follows.

use std::time::Duration;

use labs_devkit::demo::{walk, Target};

use crate::harness::{auth, OrderApp};

#[tokio::test]
async fn the_demo_walks_the_original_flow_and_the_order_shows_the_changed_person() {
    let app = OrderApp::spawn().await;
    for name in ["Ada", "Grace", "Edsger"] {
        app.person(name).await;
    }
    let target = Target {
        contact_url: format!("{}/api/v1/person", app.contact.url),
        order_url: format!("{}/api/v1/order", app.url),
        token: auth::full_token(),
        patience: Duration::from_secs(40),
    };

    let mut printed = Vec::new();
    let walked = walk(&target, &mut printed).await.expect("the walk succeeds");

    let printed = String::from_utf8(printed).unwrap();
    assert_eq!(walked.order["shipTo"]["streetAddress"], "Bahnhofstrasse", "{printed}");
    assert_eq!(walked.order["shipTo"]["city"], "Zürich");
    assert_ne!(walked.order["soldTo"]["city"], "Zürich", "only the ship-to person moved");
    for expected in ["> GET ", "> POST ", "> PATCH ", "< 200 OK", "\"soldToID\"", "shipTo after:  Bahnhofstrasse"] {
        assert!(printed.contains(expected), "`{expected}` is missing from:\n{printed}");
    }
}
