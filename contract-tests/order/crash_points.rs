//! The consumer's crash promise at the three moments that matter. The order service's process
//! dies on the spot (a crash point aborts it, as kill -9 would): right after an event's effect
//! committed but before its offset was stored, in the middle of a fan-out transaction, and in
//! the middle of retrying a parked id-only event. A replacement takes over the partitions and
//! drains them: every person change is applied exactly once, the records the dead process had
//! handled come again and are refused, and in the end the orders show what the contact service
//! holds.
//!
//! The events are id-only (the reference contact service's kind): handling one reads the person
//! as it is now, so only the record of handled events stands between a redelivery and a second
//! effect. Between the crash and the replacement every person changes again (silently), so a
//! redelivery that slipped through would show as an order that moved twice.

use std::{
    collections::{HashMap, HashSet},
    os::unix::process::ExitStatusExt,
    time::{Duration, Instant},
};

use labs_order::{
    crash_points::{AFTER_COMMIT_BEFORE_OFFSET, MID_FAN_OUT, MID_PARKED_RETRY},
    order::OrderConfig,
};
use labs_order_client::{contact::types::Person as ContactPerson, order::Client, ClientAuth};
use mongodb::{
    bson::{doc, Document},
    Collection, Database,
};

use super::input_for;
use crate::harness::{inject, process::ServiceProcess, reference_person_event, ContactApp, OrderApp};

const PERSONS: usize = 6;
const ORDERS_PER_PERSON: usize = 2;
const EXIT_WAIT: Duration = Duration::from_secs(60);
/// A dead process's open transaction holds its documents until the database aborts it (its
/// transaction lifetime: 60 s on MongoDB and SecantusDB), so draining may take that long.
const DRAIN_WAIT: Duration = Duration::from_secs(240);

#[tokio::test]
#[cfg_attr(not(feature = "failpoints"), ignore = "needs the crash points: --features labs-order/failpoints (cargo xtask test sets it)")]
async fn dying_after_an_effect_committed_but_before_its_offset_was_stored_applies_every_change_once() {
    let scene = Scene::new().await;
    scene.rename_all("First").await;

    let mut dying = ServiceProcess::order_armed(scene.config.clone(), &format!("{AFTER_COMMIT_BEFORE_OFFSET}=3*off->return")).await;
    scene.send_id_only_events("change").await;
    assert_aborted(dying.exited(EXIT_WAIT).await);
    let handled_before_the_crash = scene.handled_persons().await;
    assert_eq!(handled_before_the_crash.len(), 4, "three events passed the point; the fourth committed, then the process died");

    scene.rename_all("Second").await;
    let replacement = ServiceProcess::order(scene.config.clone()).await;
    let outcomes = scene.drain(&replacement, PERSONS as u64).await;

    scene.assert_each_change_applied_once(&replacement, &handled_before_the_crash, "First", "Second").await;
    assert_eq!(outcomes["duplicate"], 4, "each record the dead process handled came again and was refused");
    scene.converge(&replacement).await;
}

#[tokio::test]
#[cfg_attr(not(feature = "failpoints"), ignore = "needs the crash points: --features labs-order/failpoints (cargo xtask test sets it)")]
async fn dying_in_the_middle_of_a_fan_out_transaction_applies_every_change_once() {
    let scene = Scene::new().await;
    scene.rename_all("First").await;

    let mut dying = ServiceProcess::order_armed(scene.config.clone(), &format!("{MID_FAN_OUT}=3*off->return")).await;
    scene.send_id_only_events("change").await;
    assert_aborted(dying.exited(EXIT_WAIT).await);
    let handled_before_the_crash = scene.handled_persons().await;
    assert_eq!(handled_before_the_crash.len(), 3, "the fourth event's transaction died with the process");

    scene.rename_all("Second").await;
    let replacement = ServiceProcess::order(scene.config.clone()).await;
    let outcomes = scene.drain(&replacement, PERSONS as u64).await;

    // Version 2 everywhere also shows that the dead transaction's version bump never landed.
    scene.assert_each_change_applied_once(&replacement, &handled_before_the_crash, "First", "Second").await;
    assert_eq!(outcomes["duplicate"], 3, "each record the dead process handled came again and was refused");
    scene.converge(&replacement).await;
}

#[tokio::test]
#[cfg_attr(not(feature = "failpoints"), ignore = "needs the crash points: --features labs-order/failpoints (cargo xtask test sets it)")]
async fn dying_while_retrying_a_parked_event_applies_every_change_once() {
    let mut scene = Scene::new().await;
    scene.rename_all("First").await;
    let contact_config = scene.contact.config.clone();
    let contact_port: u16 = scene.contact.url.rsplit(':').next().unwrap().parse().unwrap();
    std::mem::replace(&mut scene.contact, ContactApp::detached()).stop().await;

    let mut dying = ServiceProcess::order_armed(scene.config.clone(), &format!("{MID_PARKED_RETRY}=2*off->return")).await;
    scene.send_id_only_events("change").await;
    scene.parked_count_reaches(PERSONS as u64).await; // the contact service is down: every event waits
    scene.contact = ContactApp::start_on(contact_config, contact_port).await;
    assert_aborted(dying.exited(EXIT_WAIT).await);
    let handled_before_the_crash = scene.handled_persons().await;
    assert_eq!(handled_before_the_crash.len(), 2, "two retries passed the point; the third died inside its transaction");
    let still_parked = scene.parked.count_documents(doc! {}).await.unwrap();
    assert_eq!(still_parked, PERSONS as u64 - 2, "the dying retry's removal of its parked entry was rolled back with it");

    scene.rename_all("Second").await;
    let replacement = ServiceProcess::order(scene.config.clone()).await;
    let outcomes = scene.drain(&replacement, PERSONS as u64).await;
    scene.parked_count_reaches(0).await;

    // Each record was handled twice: parked by the dead process, then again by the replacement.
    scene.assert_each_change_applied_once(&replacement, &handled_before_the_crash, "First", "Second").await;
    assert!(outcomes["duplicate"] >= 2, "the records of the two applied retries came again and were refused: {outcomes:?}");
    scene.converge(&replacement).await;
}

fn assert_aborted(status: std::process::ExitStatus) {
    assert_eq!(status.signal(), Some(6), "the process died at the crash point (SIGABRT), not otherwise: {status}");
}

/// Persons with orders, a contact service that publishes nothing (the test sends the events)
/// and the configuration of the order-service processes.
struct Scene {
    contact: ContactApp,
    config: OrderConfig,
    persons: Vec<String>,
    orders: Vec<(String, String)>,
    processed: Collection<Document>,
    fanouts: Collection<Document>,
    parked: Collection<Document>,
    rounds: u64,
}

impl Scene {
    /// The orders are made through an in-process order service that never joins the group.
    async fn new() -> Self {
        let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
        let mut config = OrderApp::fresh_config(&contact.url);
        config.person_topics = contact.config.topics.clone();
        config.consumer.enabled = false;
        let app = OrderApp::start(config.clone(), contact).await;
        let (mut persons, mut orders) = (Vec::new(), Vec::new());
        for i in 0..PERSONS {
            let person = app.person(&format!("P{i}")).await;
            for _ in 0..ORDERS_PER_PERSON {
                let order = app.client.create_using_post().body(input_for(&person)).send().await.unwrap().into_inner();
                orders.push((person.clone(), order.order_id.unwrap()));
            }
            persons.push(person);
        }
        let contact = app.stop().await;
        config.consumer.enabled = true;
        // No offset is committed before the crash: every record the dead process handled is
        // delivered again. A poll may wait out a dead process's open transaction.
        config.consumer.auto_commit_interval_ms = 3_600_000;
        config.consumer.max_poll_interval_ms = 300_000;
        let db: Database = labs_order::mongo::connect(&config.common.mongodb, "test").await.unwrap();
        Self {
            contact,
            persons,
            orders,
            processed: db.collection("processed_events"),
            fanouts: db.collection("order_fanouts"),
            parked: db.collection("parked_person_events"),
            config,
            rounds: 0,
        }
    }

    /// Changes every person at the contact service; no event says so.
    async fn rename_all(&self, first_name: &str) {
        for person in &self.persons {
            let patch = ContactPerson { first_name: Some(first_name.into()), ..ContactPerson::default() };
            self.contact.client.delta_update_using_patch().id(person).body(patch).send().await.unwrap();
        }
    }

    /// One id-only change event per person, keyed by the person as a publisher would.
    async fn send_id_only_events(&self, round: &str) {
        let (kafka, topic) = (&self.config.common.kafka.bootstrap_servers, &self.config.person_topics.changed);
        for (i, person) in self.persons.iter().enumerate() {
            inject(kafka, topic, person, &reference_person_event(&format!("{round}-{i}"), "person.changed", person), &[]).await;
        }
    }

    /// The persons whose change events are recorded as handled.
    async fn handled_persons(&self) -> HashSet<String> {
        let handled = self.processed.distinct("personId", doc! {}).await.unwrap();
        handled.iter().filter_map(|p| p.as_str()).map(str::to_string).collect()
    }

    /// Waits until `count` events are parked.
    async fn parked_count_reaches(&self, count: u64) {
        let deadline = Instant::now() + DRAIN_WAIT;
        loop {
            let parked = self.parked.count_documents(doc! {}).await.unwrap();
            if parked == count {
                return;
            }
            assert!(Instant::now() < deadline, "{parked} events parked, never {count}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits until every event sent so far is recorded and `process` consumed `records` person
    /// events since it started; returns its outcomes.
    async fn drain(&self, process: &ServiceProcess, records: u64) -> HashMap<String, u64> {
        let expected = (self.rounds + 1) * PERSONS as u64;
        let deadline = Instant::now() + DRAIN_WAIT;
        loop {
            let outcomes = handled_outcomes(&process.url).await;
            let handled = self.processed.count_documents(doc! {}).await.unwrap();
            if handled >= expected && outcomes.values().sum::<u64>() >= records {
                assert_eq!(handled, expected, "one record per event");
                return outcomes;
            }
            assert!(Instant::now() < deadline, "not drained: {handled}/{expected} events recorded, outcomes {outcomes:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Each person's orders moved exactly once (version 2) and carry one fan-out: the data of
    /// `first` for the persons handled before the crash, of `then` for the others.
    async fn assert_each_change_applied_once(&self, process: &ServiceProcess, before_crash: &HashSet<String>, first: &str, then: &str) {
        let client = Client::new(&process.url, ClientAuth::bearer(crate::harness::auth::full_token()));
        for person in &self.persons {
            let effects = self.fanouts.count_documents(doc! { "personId": person }).await.unwrap();
            assert_eq!(effects, 1, "person {person}: its one change took effect {effects} times");
        }
        for (person, order_id) in &self.orders {
            let response = client.read_using_get().order_id(order_id).send().await.unwrap();
            let etag = response.headers()["etag"].to_str().unwrap().to_string();
            let order = response.into_inner();
            let expected = if before_crash.contains(person) { first } else { then };
            for held in [&order.sold_to, &order.bill_to, &order.ship_to] {
                assert_eq!(held.as_ref().unwrap().first_name.as_deref(), Some(expected), "order {order_id} of {person}");
            }
            assert_eq!(etag, "\"2\"", "order {order_id} of {person} moved once");
        }
    }

    /// One more event per person: afterwards every order shows the person as the contact
    /// service holds it.
    async fn converge(mut self, process: &ServiceProcess) {
        self.rounds += 1;
        self.send_id_only_events("final").await;
        self.drain(process, 0).await;
        let client = Client::new(&process.url, ClientAuth::bearer(crate::harness::auth::full_token()));
        for (person, order_id) in &self.orders {
            let truth = self.contact.client.read_using_get().id(person).send().await.unwrap().into_inner();
            let order = client.read_using_get().order_id(order_id).send().await.unwrap().into_inner();
            for held in [&order.sold_to, &order.bill_to, &order.ship_to] {
                let held = held.as_ref().unwrap();
                assert_eq!((&held.first_name, &held.last_name), (&truth.first_name, &truth.last_name), "order {order_id} of {person}");
            }
        }
    }
}

/// The process's `person_events_handled_total` by outcome.
async fn handled_outcomes(url: &str) -> HashMap<String, u64> {
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("person_events_handled_total{outcome=\""))
        .filter_map(|l| {
            let (outcome, count) = l.split_once("\"} ")?;
            Some((outcome.to_string(), count.trim().parse().ok()?))
        })
        .collect()
}
