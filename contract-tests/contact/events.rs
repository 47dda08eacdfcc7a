//! One event per real change, with the right topic, type, key and data; none for no-ops.

use labs_order_client::contact::types::Person;
use serde_json::json;

use super::ada;
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    ContactApp,
};

#[tokio::test]
async fn each_change_publishes_one_structured_cloudevent_keyed_by_person_with_increasing_versions() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();

    let created = app.client.create_using_post().x_request_id("req-create-1").body(ada()).send().await.unwrap().into_inner();
    let id = created.id.clone().unwrap();
    app.client.delta_update_using_patch().id(&id).body(Person { city: Some("Berlin".into()), ..Person::default() }).send().await.unwrap();
    app.client.upsert_using_put().id(&id).body(Person { first_name: Some("Grace".into()), ..Person::default() }).send().await.unwrap();
    app.client.delete_using_delete().id(&id).send().await.unwrap();

    // Three topics: order holds within a topic only, so compare by version.
    let mut got = events.expect(4, EVENT_WAIT).await;
    got.sort_by_key(|e| e.data()["version"].as_i64());
    let topics = &app.config.topics;
    let summary: Vec<_> = got.iter().map(|e| (e.topic.clone(), e.ty().to_string(), e.data()["version"].as_i64().unwrap())).collect();
    assert_eq!(
        summary,
        vec![
            (topics.created.clone(), "person.created".to_string(), 1),
            (topics.changed.clone(), "person.changed".to_string(), 2),
            (topics.changed.clone(), "person.changed".to_string(), 3),
            (topics.deleted.clone(), "person.deleted".to_string(), 4),
        ]
    );
    for e in &got {
        assert_eq!(e.key, id);
        assert_eq!(e.data()["personid"], json!(id));
        assert_eq!(e.event["specversion"], "1.0");
        assert_eq!(e.event["source"], app.config.event_source.as_str());
        assert_eq!(e.event["datacontenttype"], "application/json");
        assert!(e.headers.iter().any(|(k, v)| k == "content-type" && v.starts_with("application/cloudevents+json")));
    }
    assert_eq!(got[0].data()["person"], serde_json::to_value(&created).unwrap());
    assert_eq!(got[0].event["requestid"], "req-create-1");
    assert_eq!(got[1].data()["person"]["city"], "Berlin");
    assert!(got[3].data().get("person").is_none(), "no snapshot on delete");
    // Extension attributes come out of a hash map: sort keys so the snapshot is stable.
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!(got[0].event, {
        ".id" => "[uuid]", ".time" => "[time]", ".subject" => "[id]", ".data.personid" => "[id]",
        ".data.person.id" => "[id]", ".source" => "[source]", ".traceparent" => "[traceparent]"
    });
    });
}

#[tokio::test]
async fn a_put_or_patch_that_changes_nothing_publishes_nothing() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();
    let created = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();
    let id = created.id.clone().unwrap();
    events.expect(1, EVENT_WAIT).await;

    let same_put = app.client.upsert_using_put().id(&id).body(created.clone()).send().await.unwrap().into_inner();
    let same_patch = app
        .client
        .delta_update_using_patch()
        .id(&id)
        .body(Person { city: created.city.clone(), ..Person::default() })
        .send()
        .await
        .unwrap()
        .into_inner();
    let empty_patch = app.client.delta_update_using_patch().id(&id).body(Person::default()).send().await.unwrap().into_inner();

    assert_eq!((&same_put, &same_patch, &empty_patch), (&created, &created, &created));
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 1, "no event for no-op updates");
}

#[tokio::test]
async fn put_of_an_unknown_id_publishes_a_created_event() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();

    app.client.upsert_using_put().id("fresh-1").body(ada()).send().await.unwrap();

    let got = events.expect(1, EVENT_WAIT).await;
    assert_eq!((got[0].ty(), got[0].key.as_str(), got[0].data()["version"].as_i64()), ("person.created", "fresh-1", Some(1)));
}

#[tokio::test]
async fn delete_all_publishes_one_delete_event_per_person() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.client.create_using_post().body(ada()).send().await.unwrap().into_inner().id.unwrap());
    }

    app.client.delete_all_using_delete().send().await.unwrap();

    let got = events.expect(6, EVENT_WAIT).await;
    let mut deleted: Vec<_> = got.iter().filter(|e| e.ty() == "person.deleted").map(|e| e.key.clone()).collect();
    deleted.sort();
    ids.sort();
    assert_eq!(deleted, ids);
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 6);
}

#[tokio::test]
async fn a_person_recreated_after_delete_continues_its_version_sequence() {
    let app = ContactApp::spawn().await;
    let mut events = app.events();

    app.client.upsert_using_put().id("again-1").body(ada()).send().await.unwrap();
    app.client.delete_using_delete().id("again-1").send().await.unwrap();
    app.client.upsert_using_put().id("again-1").body(ada()).send().await.unwrap();

    let mut got = events.expect(3, EVENT_WAIT).await;
    got.sort_by_key(|e| e.data()["version"].as_i64());
    let seen: Vec<_> = got.iter().map(|e| (e.ty().to_string(), e.data()["version"].as_i64().unwrap())).collect();
    assert_eq!(seen, [("person.created".into(), 1), ("person.deleted".into(), 2), ("person.created".into(), 3)]);
}
