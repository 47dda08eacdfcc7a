//! CRUD exactly as the reference contact service behaves.

use insta::assert_json_snapshot;
use labs_order_client::contact::types::Person;
use serde_json::json;

use super::{ada, expect_problem};
use crate::harness::ContactApp;

#[tokio::test]
async fn create_ignores_a_supplied_id_and_answers_201_with_the_stored_person() {
    let app = ContactApp::spawn().await;
    let mut person = ada();
    person.id = Some("chosen-by-client".into());

    let created = app.client.create_using_post().body(person).send().await.unwrap();

    assert_eq!(created.status().as_u16(), 201);
    let created = created.into_inner();
    assert_ne!(created.id.as_deref(), Some("chosen-by-client"));
    assert!(uuid::Uuid::parse_str(created.id.as_deref().unwrap()).is_ok());
    assert_json_snapshot!(created, { ".id" => "[id]" });
    let read = app.client.read_using_get().id(created.id.clone().unwrap()).send().await.unwrap().into_inner();
    assert_eq!(read, created);
}

#[tokio::test]
async fn reading_an_unknown_person_is_404_with_the_reference_message() {
    let app = ContactApp::spawn().await;

    let (status, problem) = expect_problem(app.client.read_using_get().id("nobody").x_request_id("trace-me-1").send().await);

    assert_eq!(status, 404);
    assert_eq!(problem.message.as_deref(), Some("Person with id 'nobody' not found"));
    assert_eq!(problem.request_id.as_deref(), Some("trace-me-1"));
    assert_json_snapshot!(problem);
}

#[tokio::test]
async fn list_returns_everyone_or_one_stable_page_and_count_agrees() {
    let app = ContactApp::spawn().await;
    for i in 0..5 {
        app.client.create_using_post().body(Person { first_name: Some(format!("P{i}")), ..ada() }).send().await.unwrap();
    }

    let all = app.client.find_all_using_get().send().await.unwrap().into_inner();
    let page0 = app.client.find_all_using_get().page(0).size(2).send().await.unwrap().into_inner();
    let page2 = app.client.find_all_using_get().page(2).size(2).send().await.unwrap().into_inner();
    let only_size = app.client.find_all_using_get().size(2).send().await.unwrap().into_inner();
    let count = app.client.count_using_get().send().await.unwrap().into_inner();

    assert_eq!(all.len(), 5);
    assert_eq!(page0, all[0..2].to_vec());
    assert_eq!(page2, all[4..5].to_vec());
    assert_eq!(only_size.len(), 5, "size without page returns everything, as the reference");
    assert_eq!(serde_json::to_value(count).unwrap(), json!({ "personCount": 5 }));
}

#[tokio::test]
async fn put_replaces_the_whole_person_and_creates_an_unknown_id() {
    let app = ContactApp::spawn().await;
    let created = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();
    let id = created.id.clone().unwrap();

    let replacement = Person { first_name: Some("Grace".into()), last_name: Some("Hopper".into()), ..Person::default() };
    let replaced = app.client.upsert_using_put().id(&id).body(replacement).send().await.unwrap().into_inner();
    let upserted = app.client.upsert_using_put().id("new-id-1").body(ada()).send().await.unwrap().into_inner();

    assert_eq!(serde_json::to_value(&replaced).unwrap(), json!({ "id": id, "firstName": "Grace", "lastName": "Hopper" }));
    assert_eq!(upserted.id.as_deref(), Some("new-id-1"));
    assert_eq!(app.client.read_using_get().id("new-id-1").send().await.unwrap().into_inner(), upserted);
}

#[tokio::test]
async fn patch_merges_present_fields_and_extension_fields_one_level_deep() {
    let app = ContactApp::spawn().await;
    let created = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();
    let id = created.id.clone().unwrap();
    let patch: Person =
        serde_json::from_value(json!({ "city": "Berlin", "firstName": null, "extensionFields": { "tier": "gold" } })).unwrap();

    let patched = app.client.delta_update_using_patch().id(&id).body(patch).send().await.unwrap().into_inner();

    assert_json_snapshot!(patched, { ".id" => "[id]" });
    let (status, _) = expect_problem(app.client.delta_update_using_patch().id("nobody").body(ada()).send().await);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn delete_answers_204_for_known_and_unknown_ids_and_delete_all_empties_the_store() {
    let app = ContactApp::spawn().await;
    let a = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();
    app.client.create_using_post().body(ada()).send().await.unwrap();
    app.client.create_using_post().body(ada()).send().await.unwrap();

    let one = app.client.delete_using_delete().id(a.id.clone().unwrap()).send().await.unwrap();
    let unknown = app.client.delete_using_delete().id("nobody").send().await.unwrap();
    let (status, _) = expect_problem(app.client.read_using_get().id(a.id.unwrap()).send().await);
    let all = app.client.delete_all_using_delete().send().await.unwrap();

    assert_eq!((one.status().as_u16(), unknown.status().as_u16(), status, all.status().as_u16()), (204, 204, 404, 204));
    assert!(app.client.find_all_using_get().send().await.unwrap().into_inner().is_empty());
}

#[tokio::test]
async fn search_matches_every_non_null_field_exactly_with_optional_paging() {
    let app = ContactApp::spawn().await;
    for (first, city) in [("Ada", "Muenchen"), ("Ada", "Berlin"), ("Bob", "Muenchen"), ("Ada", "Muenchen")] {
        let p = Person { first_name: Some(first.into()), city: Some(city.into()), ..ada() };
        app.client.create_using_post().body(p).send().await.unwrap();
    }
    let example: Person =
        serde_json::from_value(json!({ "firstName": "Ada", "city": "Muenchen", "lastName": null, "extensionFields": { "vip": true } }))
            .unwrap();

    let found = app.client.search_using_post().body(example.clone()).send().await.unwrap().into_inner();
    let page = app.client.search_using_post().page(1).size(1).body(example).send().await.unwrap().into_inner();
    let none = app
        .client
        .search_using_post()
        .body(Person { first_name: Some("Zed".into()), ..Person::default() })
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|p| p.first_name.as_deref() == Some("Ada") && p.city.as_deref() == Some("Muenchen")));
    assert_eq!(page, found[1..2].to_vec());
    assert!(none.is_empty());
}

#[tokio::test]
async fn start_up_creates_fake_persons_until_the_store_holds_enough() {
    let config = {
        let mut c = ContactApp::fresh_config();
        c.seed_persons = 4;
        c
    };
    let first = ContactApp::start(config.clone()).await;
    let persons = first.client.find_all_using_get().send().await.unwrap().into_inner();
    first.stop().await;
    let again = ContactApp::start(config).await;

    assert_eq!(persons.len(), 4);
    assert!(persons.iter().all(|p| p.first_name.is_some() && p.last_name.is_some() && p.city.is_some() && p.zip.is_some()));
    let count = again.client.count_using_get().send().await.unwrap().into_inner();
    assert_eq!(count.get("personCount"), Some(&4), "a restart does not add more");
}

#[tokio::test]
async fn with_artificial_latency_every_call_waits_first_and_still_answers_correctly() {
    let app = ContactApp::spawn_with(|c| c.max_latency_secs = 0.2).await;
    let created = app.client.create_using_post().body(ada()).send().await.unwrap().into_inner();

    // Ten calls sleeping uniformly in 0..0.2 s sum to ~1 s; under 0.2 s is a ~1e-7 chance.
    // (A lower bound: a loaded machine only makes calls slower.)
    let started = std::time::Instant::now();
    for _ in 0..10 {
        let read = app.client.read_using_get().id(created.id.clone().unwrap()).send().await.unwrap().into_inner();
        assert_eq!(read, created);
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(200), "no artificial latency seen");
}
