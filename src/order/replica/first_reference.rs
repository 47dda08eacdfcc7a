//! Storing the persons an order write fetched from the contact service (their first reference),
//! inside the write's transaction.
//!
//! Every person's version mark is claimed first: that turns the race with an event judged
//! irrelevant a moment ago (no order referenced the person yet) into a write conflict, and takes
//! what that event carried when it is newer than what was fetched. Then each person is stored
//! unless the replica already holds it, and what the replica holds wins.
//!
//! One `update` command per collection for all the write's persons. The marks are read only when
//! one is newer than what was fetched (the reply's count says so); the replica's `upserted` list
//! says which entries did not exist, and only the others are read back. Three fresh persons
//! cost two commands, four at most. (A `findAndModify` per person and collection was six; a
//! read of every existing mark made it three.)

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use labs_order_client::order::types::Person;
use mongodb::{
    bson::{self, doc, Bson, DateTime, Document},
    ClientSession, Collection,
};

use super::{entry, PersonReplica, ReplicaEntry, Resolved, MARKS_COLLECTION, PERSONS_COLLECTION};
use crate::{mongo::TxnError, order::Error};

/// The newest version of an unreferenced person the consumer saw, and its data.
#[derive(Debug, Clone)]
struct Mark {
    version: i64,
    person: Option<Person>,
    deleted: bool,
}

impl PersonReplica {
    /// Stores the persons of `resolved` fetched from the contact service; answers what the
    /// replica holds for each of them afterwards.
    pub(super) async fn store_fetched(
        &self,
        session: &mut ClientSession,
        resolved: &Resolved,
    ) -> Result<HashMap<String, ReplicaEntry>, TxnError<Error>> {
        if resolved.fetched.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<&str> = resolved.fetched.iter().map(|(id, _, _)| id.as_str()).collect();
        let marks = self.claim_marks(session, &resolved.fetched).await?;
        let mut storing = Vec::with_capacity(ids.len());
        for (person_id, fetched, fetched_version) in &resolved.fetched {
            let (person, version) = match marks.get(person_id) {
                Some(mark) if mark.version > *fetched_version && mark.deleted => return Err(TxnError::Abort(resolved.unknown(person_id))),
                Some(Mark { version, person: Some(person), .. }) if version > fetched_version => (person.clone(), *version),
                _ => (fetched.clone(), *fetched_version),
            };
            storing.push((person_id.as_str(), person, version));
        }
        let held = self.insert_absent(session, &storing).await?;
        if let Some(id) = ids.iter().find(|id| held.get(**id).is_none_or(|e| e.deleted)) {
            return Err(TxnError::Abort(resolved.unknown(id)));
        }
        Ok(held)
    }

    /// Claims the marks of the fetched persons, always writing each (so a concurrent event
    /// transaction for the person conflicts and one of them retries); returns what the consumer
    /// recorded of those whose mark is newer than what was fetched, if any.
    ///
    /// One `update` command: per person, a statement that matches only a mark newer than the
    /// fetched version, then the upserting claim. The reply's `n` (documents matched or
    /// inserted) exceeds the number of persons only when some mark is newer; only then are the
    /// marks read. A claim only moves `at` and its counter, so that read shows what they held before.
    async fn claim_marks(
        &self,
        session: &mut ClientSession,
        fetched: &[(String, Person, i64)],
    ) -> mongodb::error::Result<HashMap<String, Mark>> {
        let now = DateTime::now();
        let mut statements = Vec::with_capacity(fetched.len() * 2);
        for (id, _, version) in fetched {
            statements.push(doc! { "q": { "_id": id, "version": { "$gt": version } }, "u": { "$set": { "at": now } } });
            // `$inc`: a real write even when `at` holds the same millisecond already.
            statements.push(doc! { "q": { "_id": id }, "u": { "$set": { "at": now }, "$inc": { "claims": 1_i64 } }, "upsert": true });
        }
        let written = self.upsert_all(session, MARKS_COLLECTION, statements).await?;
        // No count in the reply (not a server we know): read the marks, as if one were newer.
        if written.matched_or_inserted.is_some_and(|n| n <= fetched.len() as i64) {
            return Ok(HashMap::new());
        }
        let existed: Vec<&str> = fetched
            .iter()
            .enumerate()
            .filter(|(i, _)| !written.inserted.contains(&(2 * i + 1)))
            .map(|(_, (id, _, _))| id.as_str())
            .collect();
        let marks = read_in(session, &self.marks, &existed).await?;
        Ok(marks
            .iter()
            .filter_map(|m| {
                let mark = Mark {
                    version: m.get_i64("version").ok()?,
                    person: m.get_document("person").ok().and_then(|p| bson::from_document(p.clone()).ok()),
                    deleted: m.get_bool("deleted").unwrap_or(false),
                };
                Some((m.get_str("_id").ok()?.to_string(), mark))
            })
            .collect())
    }

    /// Stores each person unless the replica already holds it; answers what the replica holds.
    async fn insert_absent(
        &self,
        session: &mut ClientSession,
        persons: &[(&str, Person, i64)],
    ) -> mongodb::error::Result<HashMap<String, ReplicaEntry>> {
        let now = DateTime::now();
        let mut statements = Vec::with_capacity(persons.len());
        for (id, person, version) in persons {
            let person = bson::to_document(person).map_err(mongodb::error::Error::custom)?;
            let fields = doc! { "person": person, "version": version, "deleted": false, "rev": 1_i64, "updatedAt": now };
            statements.push(doc! { "q": { "_id": id }, "u": { "$setOnInsert": fields }, "upsert": true });
        }
        let inserted = self.upsert_all(session, PERSONS_COLLECTION, statements).await?.inserted;
        let ids: Vec<&str> = persons.iter().map(|(id, _, _)| *id).collect();
        let existing = read_in(session, &self.persons, &unmarked(&ids, &inserted)).await?;
        let mut held: HashMap<String, ReplicaEntry> =
            existing.iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_string(), entry(d)))).collect();
        for (i, (id, person, version)) in persons.iter().enumerate() {
            if inserted.contains(&i) {
                held.insert(id.to_string(), ReplicaEntry { person: Some(person.clone()), version: *version, deleted: false, rev: 1 });
            }
        }
        Ok(held)
    }

    /// Runs `statements` on `collection` as one `update` command in the transaction.
    async fn upsert_all(
        &self,
        session: &mut ClientSession,
        collection: &str,
        statements: Vec<Document>,
    ) -> mongodb::error::Result<Written> {
        let command = doc! { "update": collection, "updates": statements, "ordered": true };
        let reply = self.db.run_command(command).session(&mut *session).await?;
        if let Ok(errors) = reply.get_array("writeErrors") {
            return Err(mongodb::error::Error::custom(format!("upserting into {collection} failed: {errors:?}")));
        }
        let index = |u: &Bson| u.as_document()?.get("index").and_then(|i| i.as_i32().map(i64::from).or_else(|| i.as_i64()));
        let inserted = reply.get_array("upserted").map(|u| u.iter().filter_map(index).map(|i| i as usize).collect()).unwrap_or_default();
        let matched_or_inserted = reply.get("n").and_then(|n| n.as_i32().map(i64::from).or_else(|| n.as_i64()));
        Ok(Written { inserted, matched_or_inserted })
    }
}

/// What an `update` command did.
struct Written {
    /// The positions of the statements that inserted a document.
    inserted: BTreeSet<usize>,
    /// The reply's `n`: documents matched, plus those inserted.
    matched_or_inserted: Option<i64>,
}

/// The ids whose statements did not insert.
fn unmarked<'a>(ids: &[&'a str], inserted: &BTreeSet<usize>) -> Vec<&'a str> {
    ids.iter().enumerate().filter(|(i, _)| !inserted.contains(i)).map(|(_, id)| *id).collect()
}

/// The documents of `ids` in `collection`, read in the transaction (no command for no ids).
async fn read_in(session: &mut ClientSession, collection: &Collection<Document>, ids: &[&str]) -> mongodb::error::Result<Vec<Document>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    collection.find(doc! { "_id": { "$in": ids } }).session(&mut *session).await?.stream(&mut *session).try_collect().await
}
