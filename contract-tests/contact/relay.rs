//! The outbox relay loses nothing across crashes, and stays ordered with two instances.

use std::collections::{BTreeMap, BTreeSet};

use labs_order_client::contact::types::Person;

use super::ada;
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    ContactApp, Received,
};

/// Per person, the versions received (sorted: the three topics are not ordered among each other).
fn versions_by_person(events: &[Received]) -> BTreeMap<String, Vec<i64>> {
    let mut by_person: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in events {
        by_person.entry(e.key.clone()).or_default().push(e.data()["version"].as_i64().unwrap());
    }
    by_person.values_mut().for_each(|v| v.sort());
    by_person
}

/// Per person and topic, the versions in the order they were received (order holds there).
fn arrival_order(events: &[Received]) -> BTreeMap<(String, String), Vec<i64>> {
    let mut by_key: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for e in events {
        by_key.entry((e.key.clone(), e.topic.clone())).or_default().push(e.data()["version"].as_i64().unwrap());
    }
    by_key
}

#[tokio::test]
async fn events_written_before_a_crash_are_published_after_restart_exactly_once_in_order() {
    let config = ContactApp::fresh_config();
    let crashed = ContactApp::start({
        let mut c = config.clone();
        c.common.outbox.enabled = false; // the process dies before its relay publishes anything
        c
    })
    .await;
    let mut events = crashed.events();
    let a = crashed.client.create_using_post().body(ada()).send().await.unwrap().into_inner().id.unwrap();
    let b = crashed.client.create_using_post().body(ada()).send().await.unwrap().into_inner().id.unwrap();
    crashed.client.delta_update_using_patch().id(&a).body(Person { zip: Some("10115".into()), ..Person::default() }).send().await.unwrap();
    crashed.client.delete_using_delete().id(&b).send().await.unwrap();
    assert!(events.settle(QUIET_WAIT).await.is_empty());
    crashed.kill();

    let _restarted = ContactApp::start(config).await;

    let got = events.expect(4, EVENT_WAIT).await;
    assert_eq!(versions_by_person(&got), BTreeMap::from([(a, vec![1, 2]), (b, vec![1, 2])]));
    assert_eq!(events.settle(QUIET_WAIT).await.len(), 4, "published exactly once");
}

#[tokio::test]
async fn killing_the_service_mid_stream_loses_no_event_and_never_reorders_a_person() {
    let config = ContactApp::fresh_config();
    let first = ContactApp::start(config.clone()).await;
    let mut events = first.events();
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(first.client.create_using_post().body(ada()).send().await.unwrap().into_inner().id.unwrap());
        }
        ids
    };
    // Committed changes while the relay is busy publishing; then the process dies abruptly.
    let mut committed = 3;
    for round in 0..8 {
        for id in &ids {
            let patch = Person { house_number: Some(format!("{round}")), ..Person::default() };
            first.client.delta_update_using_patch().id(id).body(patch).send().await.unwrap();
            committed += 1;
        }
    }
    first.kill();

    let _second = ContactApp::start(config).await;

    events.expect(committed, EVENT_WAIT).await;
    let got = events.settle(QUIET_WAIT).await;
    for (person, versions) in versions_by_person(&got) {
        let distinct: BTreeSet<_> = versions.iter().copied().collect();
        assert_eq!(distinct, (1..=9).collect(), "every version of {person} published: {versions:?}");
    }
    for ((person, topic), versions) in arrival_order(&got) {
        assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{person} reordered on {topic}: {versions:?}");
    }
}

#[tokio::test]
async fn two_instances_on_one_database_publish_each_event_once_in_order_per_person() {
    let config = ContactApp::fresh_config();
    let one = ContactApp::start(config.clone()).await;
    let two = ContactApp::start(config).await;
    let mut events = one.events();

    let mut ids = Vec::new();
    for i in 0..4 {
        let app = if i % 2 == 0 { &one } else { &two };
        ids.push(app.client.create_using_post().body(ada()).send().await.unwrap().into_inner().id.unwrap());
    }
    for round in 0..5 {
        for (i, id) in ids.iter().enumerate() {
            let app = if (i + round) % 2 == 0 { &one } else { &two };
            let patch = Person { city: Some(format!("City {round}")), ..Person::default() };
            app.client.delta_update_using_patch().id(id).body(patch).send().await.unwrap();
        }
    }

    events.expect(24, EVENT_WAIT).await;
    let got = events.settle(QUIET_WAIT).await;
    assert_eq!(got.len(), 24, "no duplicates");
    for (person, versions) in versions_by_person(&got) {
        assert_eq!(versions, (1..=6).collect::<Vec<_>>(), "{person}");
    }
    for ((person, topic), versions) in arrival_order(&got) {
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{person} reordered on {topic}: {versions:?}");
    }
}
