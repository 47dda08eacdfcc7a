//! The order service's replica of the persons its orders reference, and resolving the person
//! references of a write: replica first, then the contact service.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use futures::{future::join_all, TryStreamExt};
use labs_order_client::order::types::{InputOrder, Person};
use mongodb::{
    bson::{self, doc, DateTime, Document},
    ClientSession, Collection, Database,
};

use super::{
    contact_lookup::{ContactLookup, Lookup, LookupFailure},
    model::Role,
    replica_cache::ReplicaCache,
};
use crate::http::ApiError;

pub const PERSONS_COLLECTION: &str = "persons";
/// Versions of persons no order referenced when their event arrived (see [`record_mark`]).
pub const MARKS_COLLECTION: &str = "person_version_marks";

/// The newest version of an unreferenced person the consumer saw, and its data.
#[derive(Debug, Clone)]
pub struct Mark {
    pub version: i64,
    pub person: Option<Person>,
    pub deleted: bool,
}

/// Records, in the event's transaction, that an event about a person no order references was
/// seen (the newest version wins). Together with [`PersonReplica::claim_mark`] in the order's
/// write this turns a write skew into a write conflict: without it, an order that fetched
/// version 1 from the contact service could commit right after version 2's event was judged
/// irrelevant, and keep version 1 for good.
pub async fn record_mark(
    marks: &Collection<Document>,
    session: &mut ClientSession,
    id: &str,
    version: i64,
    person: Option<Document>,
    deleted: bool,
) -> mongodb::error::Result<()> {
    let held = marks.find_one(doc! { "_id": id }).session(&mut *session).await?.and_then(|m| m.get_i64("version").ok());
    let mut set = doc! { "at": DateTime::now() };
    if held.is_none_or(|h| h < version) {
        set.insert("version", version);
        set.insert("deleted", deleted);
        if let Some(person) = person {
            set.insert("person", person);
        }
    }
    marks.update_one(doc! { "_id": id }, doc! { "$set": set }).upsert(true).session(session).await?;
    Ok(())
}

/// A replica entry: the last known person, its version (0 when fetched through the API, which
/// has no version), whether the person was deleted (a tombstone), and its revision: a local
/// counter moved by every change of the person's data, whatever the event shape. Orders record
/// the revision of each person they embed, so a stale copy is found by one index range scan.
#[derive(Debug, Clone)]
pub struct ReplicaEntry {
    pub person: Option<Person>,
    pub version: i64,
    pub deleted: bool,
    pub rev: i64,
}

#[derive(Clone)]
pub struct PersonReplica {
    persons: Collection<Document>,
    marks: Collection<Document>,
    /// Only on the request path (see `replica_cache`); the relay and the consumer read the
    /// replica itself.
    cache: Option<Arc<ReplicaCache>>,
}

impl PersonReplica {
    pub fn new(db: &Database) -> Self {
        Self { persons: db.collection(PERSONS_COLLECTION), marks: db.collection(MARKS_COLLECTION), cache: None }
    }

    /// This replica, answering [`Self::get_many`] from `cache` when it can.
    pub fn with_cache(mut self, cache: Arc<ReplicaCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Marks expire a day after their last write: the race they close lasts milliseconds.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let options = mongodb::options::IndexOptions::builder().expire_after(std::time::Duration::from_secs(86_400)).build();
        self.marks.create_index(mongodb::IndexModel::builder().keys(doc! { "at": 1 }).options(options).build()).await?;
        Ok(())
    }

    /// Claims the mark of a person this write fetched from the contact service, always writing
    /// it (so a concurrent event transaction for the person conflicts and one of them retries);
    /// returns what the consumer saw of the person meanwhile, if anything.
    pub async fn claim_mark(&self, session: &mut ClientSession, id: &str) -> mongodb::error::Result<Option<Mark>> {
        let before = self
            .marks
            .find_one_and_update(doc! { "_id": id }, doc! { "$set": { "at": DateTime::now() } })
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::Before)
            .session(session)
            .await?;
        Ok(before.and_then(|m| {
            Some(Mark {
                version: m.get_i64("version").ok()?,
                person: m.get_document("person").ok().and_then(|p| bson::from_document(p.clone()).ok()),
                deleted: m.get_bool("deleted").unwrap_or(false),
            })
        }))
    }

    /// The entries of `ids` the replica holds, in one query (none when the cache, if any,
    /// remembers them all).
    pub async fn get_many(&self, ids: &[&str]) -> mongodb::error::Result<HashMap<String, ReplicaEntry>> {
        if let Some(held) = self.cache.as_ref().and_then(|c| c.get_all(ids)) {
            return Ok(held);
        }
        let docs: Vec<Document> = self.persons.find(doc! { "_id": { "$in": ids } }).await?.try_collect().await?;
        let held = docs.iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_string(), entry(d)))).collect();
        if let Some(cache) = &self.cache {
            cache.remember(&held);
        }
        Ok(held)
    }

    /// Stores a person fetched from the contact service unless the replica already knows it
    /// (an event may have brought something newer meanwhile); answers what the replica holds.
    pub async fn insert_if_absent(
        &self,
        session: &mut ClientSession,
        id: &str,
        person: &Person,
        version: i64,
    ) -> mongodb::error::Result<ReplicaEntry> {
        let person = bson::to_document(person).map_err(mongodb::error::Error::custom)?;
        let fields = doc! { "person": person, "version": version, "deleted": false, "rev": 1_i64, "updatedAt": DateTime::now() };
        let held = self
            .persons
            .find_one_and_update(doc! { "_id": id }, doc! { "$setOnInsert": fields })
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .session(session)
            .await?;
        held.map(|d| entry(&d)).ok_or_else(|| mongodb::error::Error::custom("an upsert returned no document"))
    }
}

pub fn entry(doc: &Document) -> ReplicaEntry {
    ReplicaEntry {
        person: doc.get_document("person").ok().and_then(|p| bson::from_document(p.clone()).ok()),
        version: doc.get_i64("version").unwrap_or(0),
        deleted: doc.get_bool("deleted").unwrap_or(false),
        rev: doc.get_i64("rev").unwrap_or(0),
    }
}

/// The persons of a write, by role, and those fetched from the contact service (to store in
/// the replica in the write's transaction).
#[derive(Debug, Default)]
pub struct Resolved {
    /// (role, person, the replica revision it was read at; 0 for a fetched person until the
    /// write stores it)
    pub by_role: Vec<(Role, Person, i64)>,
    /// (id, person, version as the contact service reported it)
    pub fetched: Vec<(String, Person, i64)>,
}

impl Resolved {
    /// Every person came from the replica: the order can be written on its own.
    pub fn all_known(&self) -> bool {
        self.fetched.is_empty()
    }
}

/// Resolves every person reference present in `input`: one replica query for all of them, then
/// the contact service for those it does not hold, in parallel.
pub async fn resolve(replica: &PersonReplica, lookup: &ContactLookup, input: &InputOrder, request_id: &str) -> Result<Resolved, ApiError> {
    let mut roles_by_id: BTreeMap<&str, Vec<Role>> = BTreeMap::new();
    for role in Role::ALL {
        if let Some(id) = role.input_id(input) {
            roles_by_id.entry(id).or_default().push(role);
        }
    }
    let mut resolved = Resolved::default();
    if roles_by_id.is_empty() {
        return Ok(resolved);
    }
    let ids: Vec<&str> = roles_by_id.keys().copied().collect();
    let held = replica.get_many(&ids).await?;
    let missing: Vec<&str> = ids.iter().copied().filter(|id| !held.get(*id).is_some_and(|e| e.deleted || e.person.is_some())).collect();
    let fetched = join_all(missing.iter().map(|id| lookup.person(id, request_id))).await;
    let mut fetched: HashMap<&str, _> = missing.into_iter().zip(fetched).collect();

    for (id, roles) in &roles_by_id {
        let field = roles[0].input_field();
        let absent = || ApiError::unprocessable_field(field, format!("{field}: person '{id}' does not exist"));
        let (person, rev) = match (held.get(*id), fetched.remove(id)) {
            (Some(e), _) if e.deleted => return Err(absent()),
            (Some(ReplicaEntry { person: Some(p), rev, .. }), _) => (p.clone(), *rev),
            (_, Some(Ok(Lookup::Found(p, version)))) => {
                let person = convert(&p).map_err(|e| ApiError::Internal(e.into()))?;
                resolved.fetched.push((id.to_string(), person.clone(), version));
                (person, 0)
            }
            (_, Some(Err(failure))) => return Err(unavailable(failure)),
            _ => return Err(absent()),
        };
        resolved.by_role.extend(roles.iter().map(|r| (*r, person.clone(), rev)));
    }
    Ok(resolved)
}

/// The contact API's person as the order API's person (the same schema in both specs).
pub fn convert(p: &labs_order_client::contact::types::Person) -> serde_json::Result<Person> {
    serde_json::from_value(serde_json::to_value(p)?)
}

fn unavailable(failure: LookupFailure) -> ApiError {
    ApiError::Unavailable {
        dependency: "contact service",
        reason: Some(failure.reason()),
        retry_after_secs: 2,
        source: anyhow::anyhow!("person lookup failed: {failure} ({})", failure.reason()),
    }
}
