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
    events::{person_event, PersonChange},
    person,
};
use crate::{http::ApiError, outbox::Outbox};

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

/// What a write does to the stored person, decided from what is stored now.
enum Decision {
    Store(Box<Person>),
    Delete,
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

    pub async fn create(&self, request_id: &str, body: Person) -> Result<Person, ApiError> {
        let id = uuid::Uuid::new_v4().to_string();
        let person = Person { id: Some(id.clone()), ..body };
        let stored = self.write(request_id, &id, move |_| Ok(Decision::Store(Box::new(person.clone())))).await?;
        stored.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created person vanished")))
    }

    pub async fn list(&self, page: Option<i32>, size: Option<i32>) -> Result<Vec<Person>, ApiError> {
        self.find(Document::new(), crate::http::paging::page(page, size)?).await
    }

    pub async fn search(&self, example: Person, page: Option<i32>, size: Option<i32>) -> Result<Vec<Person>, ApiError> {
        let page = crate::http::paging::page(page, size)?;
        self.find(person::example_filter(&example)?, page).await
    }

    /// The person and its version.
    pub async fn read(&self, id: &str) -> Result<(Person, i64), ApiError> {
        match self.persons.find_one(doc! { "_id": id }).await? {
            Some(doc) => Ok(person::from_document(doc).map_err(anyhow::Error::from)?),
            None => Err(not_found(id)),
        }
    }

    pub async fn count(&self) -> Result<u64, ApiError> {
        Ok(self.persons.count_documents(doc! {}).await?)
    }

    /// PUT: full replace; an unknown id is created.
    pub async fn upsert(&self, request_id: &str, id: &str, body: Person) -> Result<Person, ApiError> {
        let person = Person { id: Some(id.to_string()), ..body };
        let stored = self.write(request_id, id, move |_| Ok(Decision::Store(Box::new(person.clone())))).await?;
        stored.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("upserted person vanished")))
    }

    /// PATCH: merge into the stored person.
    pub async fn patch(&self, request_id: &str, id: &str, patch: Person) -> Result<Person, ApiError> {
        let id_owned = id.to_string();
        let stored = self
            .write(request_id, id, move |existing| match existing {
                None => Err(not_found(&id_owned)),
                Some(stored) => {
                    Ok(Decision::Store(Box::new(Person { id: stored.id.clone(), ..person::merge(stored.clone(), patch.clone()) })))
                }
            })
            .await?;
        stored.ok_or_else(|| not_found(id))
    }

    /// DELETE one; an unknown id is not an error (as the original service).
    pub async fn delete(&self, request_id: &str, id: &str) -> Result<(), ApiError> {
        self.write(request_id, id, |_| Ok(Decision::Delete)).await.map(drop)
    }

    /// DELETE all: one by one, each with its own delete event.
    pub async fn delete_all(&self, request_id: &str) -> Result<(), ApiError> {
        let ids: Vec<Document> = self.persons.find(doc! {}).projection(doc! { "_id": 1 }).await?.try_collect().await?;
        for doc in ids {
            if let Ok(id) = doc.get_str("_id") {
                self.delete(request_id, id).await?;
            }
        }
        Ok(())
    }

    async fn find(&self, filter: Document, page: Option<crate::http::paging::Page>) -> Result<Vec<Person>, ApiError> {
        let mut find = self.persons.find(filter).sort(doc! { "_id": 1 }).batch_size(crate::http::CURSOR_BATCH);
        if let Some(p) = page {
            find = find.skip(p.skip).limit(p.limit);
        }
        let docs: Vec<Document> = find.await?.try_collect().await?;
        docs.into_iter().map(|d| person::from_document(d).map(|(p, _)| p).map_err(|e| ApiError::Internal(e.into()))).collect()
    }

    /// Reads the stored person, lets `decide` choose, and writes the person and its event in
    /// one transaction. Returns the person as stored afterwards.
    async fn write<F>(&self, request_id: &str, id: &str, decide: F) -> Result<Option<Person>, ApiError>
    where
        F: Fn(Option<&Person>) -> Result<Decision, ApiError> + Clone + Send + Sync + 'static,
    {
        let (this, id, request_id) = (self.clone(), id.to_string(), request_id.to_string());
        let outcome = crate::mongo::transaction(&self.client, move |session| {
            let (this, id, request_id, decide) = (this.clone(), id.clone(), request_id.clone(), decide.clone());
            Box::pin(async move { this.write_in(session, &id, &request_id, decide).await })
        })
        .await??;
        if outcome.1 {
            self.relay_wake.notify_one();
        }
        Ok(outcome.0)
    }

    /// Inside the transaction. `Ok(Err(_))` aborts with a domain error; `Err` is a database error.
    async fn write_in<F>(
        &self,
        session: &mut ClientSession,
        id: &str,
        request_id: &str,
        decide: F,
    ) -> mongodb::error::Result<Result<(Option<Person>, bool), ApiError>>
    where
        F: Fn(Option<&Person>) -> Result<Decision, ApiError>,
    {
        let existing = match self.persons.find_one(doc! { "_id": id }).session(&mut *session).await? {
            Some(doc) => Some(person::from_document(doc).map_err(mongodb::error::Error::custom)?),
            None => None,
        };
        let decision = match decide(existing.as_ref().map(|(p, _)| p)) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let version = self.tombstones.last_version(session, id, existing.as_ref().map(|(_, v)| *v)).await? + 1;
        let (change, stored) = match decision {
            Decision::Store(new) => {
                let new = normalize(*new);
                if existing.as_ref().is_some_and(|(old, _)| normalize(old.clone()) == new) {
                    return Ok(Ok((Some(new), false)));
                }
                let doc = person::to_document(&new, version).map_err(mongodb::error::Error::custom)?;
                self.persons.replace_one(doc! { "_id": id }, doc).upsert(true).session(&mut *session).await?;
                let change = if existing.is_some() { PersonChange::Changed } else { PersonChange::Created };
                (change, Some(new))
            }
            Decision::Delete => {
                if existing.is_none() {
                    return Ok(Ok((None, false)));
                }
                self.persons.delete_one(doc! { "_id": id }).session(&mut *session).await?;
                self.tombstones.record(session, id, version).await?;
                (PersonChange::Deleted, None)
            }
        };
        let event = person_event(change, &self.source, id, stored.as_ref(), version, Some(request_id))
            .map_err(|e| mongodb::error::Error::custom(Arc::new(e)))?;
        self.outbox.stage(session, change.topic(&self.topics), id, version, &event).await?;
        Ok(Ok((stored, true)))
    }
}

/// An empty `extensionFields` is the same as none.
fn normalize(mut p: Person) -> Person {
    if p.extension_fields.as_ref().is_some_and(|m| m.is_empty()) {
        p.extension_fields = None;
    }
    p
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Person with id '{id}' not found"))
}
