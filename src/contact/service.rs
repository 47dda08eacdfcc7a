//! The person use cases. Every change writes the person and its event into the outbox in one
//! transaction; a change that changes nothing writes nothing.

use std::sync::Arc;

use futures::TryStreamExt;
use labs_order_client::contact::types::Person;
use mongodb::{
    bson::{doc, Document},
    ClientSession, Collection, Database,
};
use tokio::sync::Notify;

use super::{
    config::{ContactConfig, PersonTopics},
    error::{Error, Result},
    events::{person_event, PersonChange},
    person,
};
use crate::{
    mongo::{Page, TxnError},
    outbox::Outbox,
    versioned::{Decision, Written},
};

pub const PERSONS_COLLECTION: &str = "persons";
/// The last version of deleted persons (see [`crate::mongo::Tombstones`]): consumers holding a
/// tombstone see a re-creation as newer.
pub const TOMBSTONES_COLLECTION: &str = "person_tombstones";

#[derive(Clone)]
pub struct ContactService {
    client: mongodb::Client,
    persons: Collection<Document>,
    tombstones: crate::mongo::Tombstones,
    outbox: Outbox,
    topics: Arc<PersonTopics>,
    source: Arc<str>,
    relay_wake: Arc<Notify>,
}

impl ContactService {
    pub fn new(db: &Database, config: &ContactConfig, relay_wake: Arc<Notify>) -> Self {
        Self {
            client: db.client().clone(),
            persons: db.collection(PERSONS_COLLECTION),
            tombstones: crate::mongo::Tombstones::new(db, TOMBSTONES_COLLECTION),
            outbox: Outbox::new(db),
            topics: Arc::new(config.topics.clone()),
            source: Arc::from(config.event_source.as_str()),
            relay_wake,
        }
    }

    pub async fn create(&self, request_id: &str, body: Person) -> Result<Person> {
        let id = uuid::Uuid::new_v4().to_string();
        let person = Person { id: Some(id.clone()), ..body };
        let stored = self.write(request_id, &id, move |_| Ok(Decision::Store(Box::new(person.clone())))).await?;
        stored.ok_or_else(|| Error::Internal(anyhow::anyhow!("created person vanished")))
    }

    pub async fn list(&self, page: Option<Page>) -> Result<Vec<Person>> {
        self.find(Document::new(), page).await
    }

    pub async fn search(&self, example: Person, page: Option<Page>) -> Result<Vec<Person>> {
        self.find(person::example_filter(&example)?, page).await
    }

    /// The person and its version.
    pub async fn read(&self, id: &str) -> Result<(Person, i64)> {
        match self.persons.find_one(doc! { "_id": id }).await? {
            Some(doc) => person::from_document(doc).map_err(Error::internal),
            None => Err(Error::NotFound(id.to_string())),
        }
    }

    pub async fn count(&self) -> Result<u64> {
        Ok(self.persons.count_documents(doc! {}).await?)
    }

    /// PUT: full replace; an unknown id is created.
    pub async fn upsert(&self, request_id: &str, id: &str, body: Person) -> Result<Person> {
        let person = Person { id: Some(id.to_string()), ..body };
        let stored = self.write(request_id, id, move |_| Ok(Decision::Store(Box::new(person.clone())))).await?;
        stored.ok_or_else(|| Error::Internal(anyhow::anyhow!("upserted person vanished")))
    }

    /// PATCH: merge into the stored person.
    pub async fn patch(&self, request_id: &str, id: &str, patch: Person) -> Result<Person> {
        let id_owned = id.to_string();
        let stored = self
            .write(request_id, id, move |existing| match existing {
                None => Err(Error::NotFound(id_owned.clone())),
                Some(stored) => {
                    Ok(Decision::Store(Box::new(Person { id: stored.id.clone(), ..person::merge(stored.clone(), patch.clone()) })))
                }
            })
            .await?;
        stored.ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// DELETE one; an unknown id is not an error (as the original service).
    pub async fn delete(&self, request_id: &str, id: &str) -> Result<()> {
        self.write(request_id, id, |_| Ok(Decision::Delete)).await.map(drop)
    }

    /// DELETE all: one by one, each with its own delete event.
    pub async fn delete_all(&self, request_id: &str) -> Result<()> {
        let ids: Vec<Document> = self.persons.find(doc! {}).projection(doc! { "_id": 1 }).await?.try_collect().await?;
        for doc in ids {
            if let Ok(id) = doc.get_str("_id") {
                self.delete(request_id, id).await?;
            }
        }
        Ok(())
    }

    async fn find(&self, filter: Document, page: Option<Page>) -> Result<Vec<Person>> {
        let mut find = self.persons.find(filter).sort(doc! { "_id": 1 }).batch_size(crate::mongo::CURSOR_BATCH);
        if let Some(p) = page {
            find = find.skip(p.skip).limit(p.limit);
        }
        let docs: Vec<Document> = find.await?.try_collect().await?;
        docs.into_iter().map(|d| person::from_document(d).map(|(p, _)| p).map_err(Error::internal)).collect()
    }

    /// Runs [`Self::write_in`] as one transaction and wakes the relay when it staged an event.
    /// Returns the person as stored afterwards.
    async fn write<F>(&self, request_id: &str, id: &str, decide: F) -> Result<Option<Person>>
    where
        F: Fn(Option<&Person>) -> Result<Decision<Person>> + Clone + Send + Sync + 'static,
    {
        let (this, id, request_id) = (self.clone(), id.to_string(), request_id.to_string());
        crate::versioned::write(&self.client, &self.relay_wake, move |session| {
            let (this, id, request_id, decide) = (this.clone(), id.clone(), request_id.clone(), decide.clone());
            Box::pin(async move { this.write_in(session, &id, &request_id, decide).await })
        })
        .await
    }

    /// Inside the transaction: reads the stored person, lets `decide` choose, and writes the
    /// person (or its tombstone) and its event.
    async fn write_in<F>(
        &self,
        session: &mut ClientSession,
        id: &str,
        request_id: &str,
        decide: F,
    ) -> std::result::Result<Written<Option<Person>>, TxnError<Error>>
    where
        F: Fn(Option<&Person>) -> Result<Decision<Person>>,
    {
        let existing = match self.persons.find_one(doc! { "_id": id }).session(&mut *session).await? {
            Some(doc) => Some(person::from_document(doc).map_err(mongodb::error::Error::custom)?),
            None => None,
        };
        let decision = decide(existing.as_ref().map(|(p, _)| p)).map_err(TxnError::Abort)?;
        let version = self.tombstones.last_version(session, id, existing.as_ref().map(|(_, v)| *v)).await? + 1;
        let (change, stored) = match decision {
            Decision::Store(new) => {
                let new = normalize(*new);
                if existing.as_ref().is_some_and(|(old, _)| normalize(old.clone()) == new) {
                    return Ok(Written::Unchanged(Some(new)));
                }
                let doc = person::to_document(&new, version).map_err(mongodb::error::Error::custom)?;
                self.persons.replace_one(doc! { "_id": id }, doc).upsert(true).session(&mut *session).await?;
                let change = if existing.is_some() { PersonChange::Changed } else { PersonChange::Created };
                (change, Some(new))
            }
            Decision::Delete => {
                if existing.is_none() {
                    return Ok(Written::Unchanged(None));
                }
                self.persons.delete_one(doc! { "_id": id }).session(&mut *session).await?;
                self.tombstones.record(session, id, version).await?;
                (PersonChange::Deleted, None)
            }
        };
        let event = person_event(change, &self.source, id, stored.as_ref(), version, Some(request_id))
            .map_err(|e| TxnError::Abort(Error::Internal(e)))?;
        self.outbox.stage(session, change.topic(&self.topics), id, version, &event).await?;
        Ok(Written::Changed(stored))
    }
}

/// An empty `extensionFields` is the same as none.
fn normalize(mut p: Person) -> Person {
    if p.extension_fields.as_ref().is_some_and(|m| m.is_empty()) {
        p.extension_fields = None;
    }
    p
}
