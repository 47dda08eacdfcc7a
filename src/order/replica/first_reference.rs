//! The first reference to a person: before an order embeds a person the replica holds no entry
//! for, the person's `persons` document becomes an entry.
//!
//! One `update` command for all the write's persons, three statements per person:
//! 1. a mark older than what the write has (fetched from the contact service, or read from the
//!    mark itself) takes the write's data;
//! 2. a mark becomes an entry, with whatever is newest in it now;
//! 3. no document at all: the write's data is inserted as an entry.
//!
//! Each statement is atomic on its own document and matches only the state it changes, so the
//! consumer's mark ([`PersonReplica::record_mark`], which matches only a mark) and this write
//! never overwrite each other whatever the interleaving, in a transaction or not. The reply's
//! `upserted` list says which persons were inserted with the write's data; the others are read
//! back (one `find`), because an event may have brought something newer meanwhile.
//!
//! A plain create does this outside any transaction (its order insert follows, see
//! `order::service`); once the entry exists, an event about the person is a change like any
//! other and the relay's revision check repairs an order that embedded an older copy. Writes
//! that are a transaction anyway (PUT, PATCH, an idempotent create) do it inside theirs.
//! (The marks were a collection of their own, claimed in the order's transaction: a mark claim,
//! a replica upsert and a commit, where this is one command.)

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use mongodb::{
    bson::{self, doc, Bson, DateTime, Document},
    ClientSession,
};

use super::{entry, PersonReplica, ReplicaEntry, Resolved, MARK_FIELD, PERSONS_COLLECTION};
use crate::{mongo::TxnError, order::Error};

/// Statements per person in the first reference's `update` command; the last one upserts.
const STATEMENTS_PER_PERSON: usize = 3;

impl PersonReplica {
    /// A plain create's first references, outside any transaction: answers `resolved` with
    /// every person as its entry holds it now (all known).
    pub async fn first_references(&self, resolved: Resolved) -> Result<Resolved, Error> {
        let held = self.store_fetched(None, &resolved).await.map_err(|e| match e {
            TxnError::Abort(e) => e,
            TxnError::Db(e) => e.into(),
        })?;
        let by_role = resolved
            .by_role
            .into_iter()
            .map(|(role, person, rev)| match held.get(person.id.as_deref().unwrap_or_default()) {
                Some(ReplicaEntry { person: Some(held), rev, .. }) => (role, held.clone(), *rev),
                _ => (role, person, rev),
            })
            .collect();
        Ok(Resolved { by_role, fetched: Vec::new() })
    }

    /// Makes entries of the persons of `resolved` that have none; answers what the replica holds
    /// for each of them afterwards. A person deleted meanwhile is an unknown person.
    pub(super) async fn store_fetched(
        &self,
        mut session: Option<&mut ClientSession>,
        resolved: &Resolved,
    ) -> Result<HashMap<String, ReplicaEntry>, TxnError<Error>> {
        if resolved.fetched.is_empty() {
            return Ok(HashMap::new());
        }
        let now = DateTime::now();
        let mut statements = Vec::with_capacity(resolved.fetched.len() * STATEMENTS_PER_PERSON);
        for (id, person, version) in &resolved.fetched {
            let person = bson::to_document(person).map_err(|e| TxnError::Abort(Error::internal(e)))?;
            let data = doc! { "person": &person, "version": version, "deleted": false };
            statements.push(doc! { "q": { "_id": id, MARK_FIELD: true, "version": { "$lt": version } }, "u": { "$set": data.clone() } });
            let promote = doc! { "$set": { "rev": 1_i64, "updatedAt": now }, "$unset": super::not_a_mark() };
            statements.push(doc! { "q": { "_id": id, MARK_FIELD: true }, "u": promote });
            let mut inserted = data;
            inserted.extend(doc! { "rev": 1_i64, "updatedAt": now });
            statements.push(doc! { "q": { "_id": id }, "u": { "$setOnInsert": inserted }, "upsert": true });
        }
        let command = doc! { "update": PERSONS_COLLECTION, "updates": statements, "ordered": true };
        let run = self.db.run_command(command);
        let reply = match session.as_deref_mut() {
            Some(s) => run.session(s).await?,
            None => run.await?,
        };
        if let Ok(errors) = reply.get_array("writeErrors") {
            return Err(mongodb::error::Error::custom(format!("storing first references failed: {errors:?}")).into());
        }
        let inserted = upserted_statements(&reply);
        let mut held = HashMap::with_capacity(resolved.fetched.len());
        let mut existing = Vec::new();
        for (i, (id, person, version)) in resolved.fetched.iter().enumerate() {
            if inserted.contains(&(i * STATEMENTS_PER_PERSON + STATEMENTS_PER_PERSON - 1)) {
                let entry = ReplicaEntry { person: Some(person.clone()), version: *version, rev: 1, ..Default::default() };
                held.insert(id.clone(), entry);
            } else {
                existing.push(id.as_str());
            }
        }
        if !existing.is_empty() {
            let find = self.persons.find(doc! { "_id": { "$in": &existing } });
            let docs: Vec<Document> = match session {
                Some(s) => find.session(&mut *s).await?.stream(s).try_collect().await?,
                None => find.await?.try_collect().await?,
            };
            held.extend(docs.iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_string(), entry(d)))));
        }
        if let Some((id, _, _)) = resolved.fetched.iter().find(|(id, _, _)| held.get(id).is_none_or(|e| e.deleted || e.person.is_none())) {
            return Err(TxnError::Abort(resolved.unknown(id)));
        }
        if let Some(cache) = &self.cache {
            cache.remember(&held);
        }
        Ok(held)
    }
}

/// The positions of the statements of an `update` reply that inserted a document.
fn upserted_statements(reply: &Document) -> BTreeSet<usize> {
    let index = |u: &Bson| u.as_document()?.get("index").and_then(|i| i.as_i32().map(i64::from).or_else(|| i.as_i64()));
    reply.get_array("upserted").map(|u| u.iter().filter_map(index).map(|i| i as usize).collect()).unwrap_or_default()
}
