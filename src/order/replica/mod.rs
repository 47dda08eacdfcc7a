//! The order service's replica of the persons its orders reference, and the copies of them
//! embedded in orders. This module is the only code that writes the `persons` collection or a
//! person copy inside an order.
//!
//! A `persons` document is one of two things:
//! - an **entry** (`person`, `version`, `deleted`, `rev`): a person orders may embed, kept in
//!   step by the consumer;
//! - a **mark** (the same fields with `mark: true`, no `rev`, and an `at` that expires it after
//!   a day): the newest version of a person no order referenced when its event arrived
//!   ([`PersonReplica::record_mark`]).
//!
//! - **Reading** ([`PersonReplica::resolve`]): an order write finds its persons here (one query
//!   for all of them, remembered for a moment by [`cache`]). A person held only by a mark is
//!   taken from the mark; the contact service is asked only for those the replica does not hold
//!   at all.
//! - **The first reference** ([`PersonReplica::first_references`]): before an order embeds a
//!   person that has no entry, the person's document becomes one, in one `update` command for
//!   all the write's persons (a mark is promoted, newer data wins, an absent person is inserted).
//!   Both this write and the consumer's mark are single-document writes guarded by what the
//!   document is, so they cannot pass each other: an event judged irrelevant a moment ago leaves
//!   a mark the promotion takes, and an event handled after the promotion finds an entry and
//!   changes the orders like any other change. Shown by the contract tests in
//!   `order::person_sync` about first references.
//! - **Changes** ([`PersonReplica::store_person`], [`PersonReplica::store_tombstone`]): the
//!   consumer's transaction updates the entry and rewrites every order holding the person
//!   ([`fan_out`]); [`PersonReplica::catch_up`] repairs, after the commit, orders inserted while
//!   that transaction ran.

pub mod cache;
mod fan_out;
mod first_reference;
mod resolve;

use std::{collections::HashMap, sync::Arc};

use futures::TryStreamExt;
use labs_order_client::order::types::{Order, Person};
use mongodb::{
    bson::{self, doc, DateTime, Document},
    ClientSession, Collection, Database, IndexModel,
};

pub use self::resolve::{Resolved, Unreferenced};
use self::{cache::ReplicaCache, fan_out::Copies};
use super::{model::Role, outbox::FANOUTS_COLLECTION, service::ORDERS_COLLECTION, Error};
use crate::mongo::TxnError;

pub const PERSONS_COLLECTION: &str = "persons";
/// The flag of a mark (see the module's documentation).
pub const MARK_FIELD: &str = "mark";
/// When a mark was last written; marks expire a day later.
pub const MARK_AT_FIELD: &str = "at";

/// A replica entry: the last known person, its version (0 when fetched through the API, which
/// has no version), whether the person was deleted (a tombstone), and its revision: a local
/// counter moved by every change of the person's data, whatever the event shape. Orders record
/// the revision of each person they embed, so a stale copy is found by one index range scan.
/// `mark`: only a version mark (no order may embed it before its first reference).
#[derive(Debug, Clone, Default)]
pub struct ReplicaEntry {
    pub person: Option<Person>,
    pub version: i64,
    pub deleted: bool,
    pub rev: i64,
    pub mark: bool,
}

#[derive(Clone)]
pub struct PersonReplica {
    client: mongodb::Client,
    /// For commands the collections' methods cannot send (several upserts in one `update`).
    db: Database,
    persons: Collection<Document>,
    /// Orders, for the copies of persons they embed (fan-out, catch-up, references).
    orders: Collection<Document>,
    fanouts: Collection<Document>,
    /// Only on the request path (see [`cache`]); the relay and the consumer read the replica
    /// itself.
    cache: Option<Arc<ReplicaCache>>,
}

impl PersonReplica {
    pub fn new(db: &Database) -> Self {
        Self {
            client: db.client().clone(),
            db: db.clone(),
            persons: db.collection(PERSONS_COLLECTION),
            orders: db.collection(ORDERS_COLLECTION),
            fanouts: db.collection(FANOUTS_COLLECTION),
            cache: None,
        }
    }

    /// This replica, answering [`Self::get_many`] from `cache` when it can.
    pub fn with_cache(mut self, cache: Arc<ReplicaCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Orders by referenced person, for the fan-out and its catch-up (one field each: a
    /// person's orders are few enough to filter by revision, and an index whose prefix alone is
    /// queried is not used by every server's planner). Marks expire a day after their last
    /// write (the race they close lasts milliseconds); entries carry no `at` and never expire.
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let by_role = Role::ALL.map(|r| IndexModel::builder().keys(doc! { format!("{}.id", r.order_field()): 1 }).build());
        self.orders.create_indexes(by_role).await?;
        let options = mongodb::options::IndexOptions::builder().expire_after(std::time::Duration::from_secs(86_400)).build();
        self.persons.create_index(IndexModel::builder().keys(doc! { MARK_AT_FIELD: 1 }).options(options).build()).await?;
        Ok(())
    }

    /// An event about the person was handled: the next create referencing it reads the replica.
    pub fn forget(&self, id: &str) {
        if let Some(cache) = &self.cache {
            cache.forget(id);
        }
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

    /// The stored entry of `id` as a document (the consumer compares person data as stored).
    pub async fn read(&self, session: Option<&mut ClientSession>, id: &str) -> mongodb::error::Result<Option<Document>> {
        let find = self.persons.find_one(doc! { "_id": id });
        match session {
            Some(s) => find.session(s).await,
            None => find.await,
        }
    }

    /// Whether any order holds the person, in any role.
    pub async fn referenced(&self, session: Option<&mut ClientSession>, person_id: &str) -> mongodb::error::Result<bool> {
        let any_role: Vec<Document> = Role::ALL.iter().map(|r| doc! { format!("{}.id", r.order_field()): person_id }).collect();
        let find = self.orders.find_one(doc! { "$or": any_role }).projection(doc! { "_id": 1 });
        Ok(match session {
            Some(s) => find.session(s).await?,
            None => find.await?,
        }
        .is_some())
    }

    /// Inside an order's transaction: puts the persons of `resolved` into `order` and answers
    /// the replica revision of each person it embeds. Persons without an entry get one first
    /// (`first_reference`), and what the replica holds then wins (an event may have brought
    /// something newer meanwhile). Roles the write did not touch keep the revisions in
    /// `stored_revs`.
    pub async fn embed(
        &self,
        session: &mut ClientSession,
        order: &mut Order,
        resolved: &Resolved,
        stored_revs: &[(Role, i64)],
    ) -> Result<Vec<(Role, i64)>, TxnError<Error>> {
        let held = self.store_fetched(Some(session), resolved).await?;
        let mut revs: HashMap<Role, i64> = stored_revs.iter().copied().collect();
        for (role, person, rev) in &resolved.by_role {
            let slot = role.slot(order);
            *slot = Some(person.clone());
            let rev = match held.get(person.id.as_deref().unwrap_or_default()) {
                Some(ReplicaEntry { person: Some(person), rev, .. }) => {
                    *slot = Some(person.clone());
                    *rev
                }
                _ => *rev,
            };
            revs.insert(*role, rev);
        }
        Ok(Role::ALL.into_iter().filter(|r| r.person(order).is_some()).map(|r| (r, revs.get(&r).copied().unwrap_or(0))).collect())
    }

    /// Records, in the event's transaction, that an event about a person no order references was
    /// seen: the person's document becomes (or stays) a mark holding the newest version seen.
    /// `held` is the document as the transaction read it. An order's first reference takes what
    /// the mark holds when it is newer than what it fetched (see `first_reference`).
    ///
    /// A deletion is kept for good (no `at`, so it never expires: a late change, or a replay,
    /// must not bring the person back), also when its version is unknown (an id-only delete).
    ///
    /// The write matches only a mark (or no document): when a first reference turned the document
    /// into an entry after `held` was read, the upsert fails (a write conflict, or a duplicate
    /// `_id`) and the event is handled again, now as a change of a referenced person.
    pub async fn record_mark(
        &self,
        session: &mut ClientSession,
        held: Option<&Document>,
        id: &str,
        seen: Seen<'_>,
    ) -> mongodb::error::Result<()> {
        let held_version = held.and_then(|h| h.get_i64("version").ok());
        let held_deleted = held.is_some_and(|h| h.get_bool("deleted").unwrap_or(false));
        let update = match seen {
            Seen::Person { .. } | Seen::Deleted { .. } if held_deleted => return Ok(()),
            Seen::Person { version, .. } | Seen::Deleted { version: Some(version) } if held_version.is_some_and(|h| h >= version) => {
                return Ok(())
            }
            Seen::Person { version, person } => {
                let person = bson::to_document(person).map_err(mongodb::error::Error::custom)?;
                doc! { "$set": { MARK_AT_FIELD: DateTime::now(), "version": version, "deleted": false, "person": person } }
            }
            Seen::Deleted { version } => {
                let version = version.or(held_version).unwrap_or(0);
                doc! { "$set": { "version": version, "deleted": true }, "$unset": { "person": "", MARK_AT_FIELD: "" } }
            }
        };
        self.persons.update_one(doc! { "_id": id, MARK_FIELD: true }, update).upsert(true).session(session).await?;
        Ok(())
    }

    /// An id-only change about a person no order references: what its mark holds may be older
    /// than the person now, so the mark's data goes and the next first reference asks the
    /// contact service (its version stays, to compare later versioned events with).
    pub async fn forget_mark_data(&self, id: &str) -> mongodb::error::Result<()> {
        self.persons.update_one(doc! { "_id": id, MARK_FIELD: true, "deleted": false }, doc! { "$unset": { "person": "" } }).await?;
        Ok(())
    }

    /// The entry of a deleted person: a late change cannot revive it.
    pub async fn store_tombstone(&self, session: &mut ClientSession, id: &str, version: i64) -> mongodb::error::Result<()> {
        let tombstone = doc! { "$set": { "deleted": true, "version": version, "updatedAt": DateTime::now() }, "$unset": not_a_mark() };
        self.persons.update_one(doc! { "_id": id }, tombstone).upsert(true).session(session).await?;
        Ok(())
    }

    /// The replica entry and every order holding the person in any role; orders that already
    /// show this data are left alone (their version does not move). Answers the new revision
    /// when the person's data changed.
    pub async fn store_person(
        &self,
        session: &mut ClientSession,
        id: &str,
        person: &Person,
        version: i64,
        previous: Option<&Document>,
        request_id: Option<&str>,
    ) -> mongodb::error::Result<Option<i64>> {
        let person_doc = bson::to_document(person).map_err(mongodb::error::Error::custom)?;
        let entry = doc! { "person": &person_doc, "version": version, "deleted": false, "updatedAt": DateTime::now() };
        // (A mark here is a person some order references without an entry: written before
        // marks and entries shared this collection. It becomes an entry like any other.)
        // Orders carry what the replica carries: unchanged data means no order to touch and no
        // new revision. (This check is one comparison here instead of a document comparison per
        // order in the database, which made a 10,000-order fan-out 8x slower.)
        if previous.and_then(|e| e.get_document("person").ok()) == Some(&person_doc) {
            self.persons.update_one(doc! { "_id": id }, doc! { "$set": entry, "$unset": not_a_mark() }).session(&mut *session).await?;
            return Ok(None);
        }
        let stored = self
            .persons
            .find_one_and_update(doc! { "_id": id }, doc! { "$set": entry, "$inc": { "rev": 1_i64 }, "$unset": not_a_mark() })
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .session(&mut *session)
            .await?;
        let rev = stored.and_then(|d| d.get_i64("rev").ok()).unwrap_or(1);
        self.fan_out(session, (id, &person_doc), rev, request_id, Copies::Every).await?;
        Ok(Some(rev))
    }

    /// After an event's transaction committed: brings up to date the orders that still embed an
    /// older copy of the person than the replica holds. An order inserted while the event's
    /// transaction ran is invisible to that transaction's fan-out; the order's side checks the
    /// replica after its insert (`order::outbox`), this side checks the orders after its commit,
    /// so whichever commits second sees the other. `rev` is the revision just committed, when
    /// known; otherwise the replica is read. One indexed query when nothing is stale.
    pub async fn catch_up(&self, person_id: &str, request_id: Option<&str>, rev: Option<i64>) -> mongodb::error::Result<()> {
        let rev = match rev {
            Some(rev) => rev,
            None => match self.read(None, person_id).await? {
                Some(held) => entry(&held).rev,
                None => return Ok(()),
            },
        };
        let stale = Role::ALL.map(|r| Copies::OlderThan(rev).query(r, person_id));
        if self.orders.find_one(doc! { "$or": stale.to_vec() }).projection(doc! { "_id": 1 }).await?.is_none() {
            return Ok(());
        }
        let (this, id, request_id) = (self.clone(), person_id.to_string(), request_id.map(str::to_string));
        let repaired = crate::mongo::transaction::<_, mongodb::error::Error, _>(&self.client, move |session| {
            let (this, id, request_id) = (this.clone(), id.clone(), request_id.clone());
            Box::pin(async move {
                // The replica as it is now: a newer change may have committed meanwhile.
                let Some(held) = this.read(Some(&mut *session), &id).await? else { return Ok(None) };
                let current = entry(&held);
                let Ok(person_doc) = held.get_document("person") else { return Ok(None) };
                if current.deleted {
                    return Ok(None);
                }
                this.fan_out(session, (&id, person_doc), current.rev, request_id.as_deref(), Copies::OlderThan(current.rev)).await?;
                Ok(Some(current.rev))
            })
        })
        .await?;
        if let Some(rev) = repaired {
            tracing::info!(person_id, rev, "orders that missed a person change caught up");
        }
        Ok(())
    }
}

/// What an event said about a person no order references, for [`PersonReplica::record_mark`].
#[derive(Debug, Clone, Copy)]
pub enum Seen<'a> {
    Person {
        version: i64,
        person: &'a Person,
    },
    /// Deleted; the version is unknown for an id-only delete.
    Deleted {
        version: Option<i64>,
    },
}

/// The typed view of a stored replica entry (or mark).
pub fn entry(doc: &Document) -> ReplicaEntry {
    ReplicaEntry {
        person: doc.get_document("person").ok().and_then(|p| bson::from_document(p.clone()).ok()),
        version: doc.get_i64("version").unwrap_or(0),
        deleted: doc.get_bool("deleted").unwrap_or(false),
        rev: doc.get_i64("rev").unwrap_or(0),
        mark: is_mark(doc),
    }
}

/// Whether a `persons` document is only a version mark, not an entry.
pub fn is_mark(doc: &Document) -> bool {
    doc.get_bool(MARK_FIELD).unwrap_or(false)
}

/// The `$unset` that makes a mark an entry (an entry never expires).
fn not_a_mark() -> Document {
    doc! { MARK_FIELD: "", MARK_AT_FIELD: "" }
}
