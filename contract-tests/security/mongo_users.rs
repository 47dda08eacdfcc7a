//! Least privilege in the database: each service's user reaches its own database only.

use mongodb::{
    bson::{doc, Document},
    error::ErrorKind,
    Client,
};

use crate::harness::{infra::secured as stand_ins, secured::secured, unique_suffix};

/// The server's error code, or "auth" for a refused login.
fn refusal(err: &mongodb::error::Error) -> String {
    match &*err.kind {
        ErrorKind::Command(e) => e.code.to_string(),
        ErrorKind::Authentication { .. } => "auth".into(),
        other => format!("{other:?}"),
    }
}

async fn client(uri: &str) -> Client {
    Client::with_uri_str(uri).await.unwrap()
}

#[tokio::test]
async fn each_service_user_reaches_only_its_own_database_and_a_wrong_password_is_refused() {
    let s = secured();
    let probe = format!("probe_{}", unique_suffix());
    let order_user = client(&s.mongo_uri(&s.mongo_order)).await;
    let contact_user = client(&s.mongo_uri(&s.mongo_contact)).await;

    order_user.database("orders").collection::<Document>(&probe).insert_one(doc! { "ok": 1 }).await.expect("orders is its own");
    contact_user.database("contacts").collection::<Document>(&probe).insert_one(doc! { "ok": 1 }).await.expect("contacts is its own");

    let foreign_read = order_user.database("contacts").collection::<Document>(&probe).find_one(doc! {}).await.unwrap_err();
    assert_eq!(refusal(&foreign_read), "13", "the order service cannot read contacts: {foreign_read}");
    let foreign_write = contact_user.database("orders").collection::<Document>(&probe).insert_one(doc! { "x": 1 }).await.unwrap_err();
    assert_eq!(refusal(&foreign_write), "13", "the contact service cannot write orders: {foreign_write}");
    let admin =
        order_user.database("admin").run_command(doc! { "createUser": "intruder", "pwd": "x", "roles": ["root"] }).await.unwrap_err();
    assert_eq!(refusal(&admin), "13", "and cannot create users");

    let wrong = stand_ins::User { password: "not-the-password".into(), ..s.mongo_order.clone() };
    let wrong_password = client(&s.mongo_uri(&wrong)).await;
    let err = wrong_password.database("orders").collection::<Document>(&probe).find_one(doc! {}).await.unwrap_err();
    assert_eq!(refusal(&err), "auth", "{err}");
    assert!(!err.to_string().contains("not-the-password"));

    let anonymous = client(&s.mongo_anonymous_uri()).await;
    let err = anonymous.database("orders").collection::<Document>(&probe).find_one(doc! {}).await.unwrap_err();
    assert_eq!(refusal(&err), "13", "no credentials, no data: {err}");
    let count = order_user.database("orders").collection::<Document>(&probe).count_documents(doc! {}).await.unwrap();
    assert_eq!(count, 1, "the refused writes changed nothing");
}
