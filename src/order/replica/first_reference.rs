//! The first reference to a person: before an order embeds a person the replica holds no entry
//! for, the person's `persons` document becomes an entry.
//!
//! One `update` command for all the write's persons, built from what `resolve` found:
//! - a person it found nothing for (fetched from the contact service): insert it as an entry
//!   unless a document appeared meanwhile (`$setOnInsert`);
//! - a person it found as a mark: make that mark an entry if it still holds the version read,
//!   and insert it if the mark expired meanwhile.
//!
//! When the reply says every statement did what was expected (the `upserted` list and the
//! matched count), the entries hold exactly the data the write has, at revision 1. Otherwise a
//! mark appeared or moved in between: the persons concerned get the full promotion (a mark
//! older than the write's data takes it; a mark becomes an entry with whatever is newest in it;
//! nothing at all is inserted), and are read back.
//!
//! Each statement is atomic on its own document and matches only the state it changes, so the
//! consumer's mark ([`PersonReplica::record_mark`], which matches only a mark) and this write
//! never overwrite each other whatever the interleaving, in a transaction or not.
//!
//! A plain create does this outside any transaction (its order insert follows, see
//! `order::service`); once the entry exists, an event about the person is a change like any
//! other and the relay's revision check repairs an order that embedded an older copy. Writes
//! that are a transaction anyway (PUT, PATCH, an idempotent create) do it inside theirs.
//! (Measured on SecantusDB: the full three statements per person cost 10 ms for three persons,
//! one statement each 3.4–4.2 ms. The marks were a collection of their own, claimed in the
//! order's transaction: a claim, a replica upsert and a commit, where this is one command.)

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use mongodb::{
    bson::{self, doc, Bson, DateTime, Document},
    ClientSession,
};

use super::{entry, PersonReplica, ReplicaEntry, Resolved, Unreferenced, MARK_FIELD, PERSONS_COLLECTION};
use crate::{mongo::TxnError, order::Error};

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
        let in_transaction = session.is_some();
        let now = DateTime::now();
        let first = resolved.fetched.iter().map(|p| expected(p, now)).collect::<Result<Vec<_>, _>>()?;
        let reply = self.update(session.as_deref_mut(), first.concat()).await?;
        let inserted = upserted_statements(&reply);
        let matched = reply.get("n").and_then(|n| n.as_i32().map(i64::from).or_else(|| n.as_i64()));
        let mut held = HashMap::with_capacity(resolved.fetched.len());
        let mut unexpected = Vec::new();
        let mut position = 0;
        for p in &resolved.fetched {
            // The upsert is each person's last statement; a mark's promotion comes before it.
            let upsert_at = position + usize::from(p.from_mark);
            position = upsert_at + 1;
            if p.from_mark {
                continue;
            }
            if inserted.contains(&upsert_at) {
                held.insert(p.id.clone(), written(p));
            } else {
                unexpected.push(p);
            }
        }
        // Every mark promoted as read: a promoted mark matches twice (its promotion, then the
        // upsert finding the entry), an inserted person once; a mark that moved or expired
        // matches once.
        let marks: Vec<&Unreferenced> = resolved.fetched.iter().filter(|p| p.from_mark).collect();
        let promoted_as_read = unexpected.is_empty() && matched == Some((resolved.fetched.len() + marks.len()) as i64);
        let again: Vec<&Unreferenced> = unexpected.into_iter().chain(marks.iter().copied()).collect();
        if promoted_as_read || again.is_empty() {
            held.extend(marks.iter().map(|p| (p.id.clone(), written(p))));
        } else {
            // A mark appeared or moved meanwhile: the full promotion, then what the replica holds.
            let full = again.iter().map(|p| promotion(p, now)).collect::<Result<Vec<_>, _>>()?;
            self.update(session.as_deref_mut(), full.concat()).await?;
            let ids: Vec<&str> = again.iter().map(|p| p.id.as_str()).collect();
            let find = self.persons.find(doc! { "_id": { "$in": &ids } });
            let docs: Vec<Document> = match session {
                Some(s) => find.session(&mut *s).await?.stream(s).try_collect().await?,
                None => find.await?.try_collect().await?,
            };
            held.extend(docs.iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_string(), entry(d)))));
        }
        if let Some(p) = resolved.fetched.iter().find(|p| held.get(&p.id).is_none_or(|e| e.deleted || e.mark || e.person.is_none())) {
            return Err(TxnError::Abort(resolved.unknown(&p.id)));
        }
        // Only what is committed: inside a transaction these writes may still roll back.
        if let (Some(cache), false) = (&self.cache, in_transaction) {
            cache.remember(&held);
        }
        Ok(held)
    }

    /// Runs `statements` as one `update` command on the replica; answers the reply.
    async fn update(&self, session: Option<&mut ClientSession>, statements: Vec<Document>) -> mongodb::error::Result<Document> {
        let command = doc! { "update": PERSONS_COLLECTION, "updates": statements, "ordered": true };
        let run = self.db.run_command(command);
        let reply = match session {
            Some(s) => run.session(s).await?,
            None => run.await?,
        };
        if let Ok(errors) = reply.get_array("writeErrors") {
            return Err(mongodb::error::Error::custom(format!("storing first references failed: {errors:?}")));
        }
        Ok(reply)
    }
}

/// The entry a first reference wrote with the write's own data.
fn written(p: &Unreferenced) -> ReplicaEntry {
    ReplicaEntry { person: Some(p.person.clone()), version: p.version, rev: 1, ..Default::default() }
}

/// The person's data as a new entry holds it.
fn entry_fields(p: &Unreferenced, now: DateTime) -> Result<Document, TxnError<Error>> {
    let person = bson::to_document(&p.person).map_err(|e| TxnError::Abort(Error::internal(e)))?;
    Ok(doc! { "person": person, "version": p.version, "deleted": false, "rev": 1_i64, "updatedAt": now })
}

/// The update that makes a mark an entry with the data it holds (revision 1).
fn promote(now: DateTime) -> Document {
    doc! { "$set": { "rev": 1_i64, "updatedAt": now }, "$unset": super::not_a_mark() }
}

/// The statements for what `resolve` found: a mark still at the version read becomes an entry;
/// nothing (or an expired mark) is inserted.
fn expected(p: &Unreferenced, now: DateTime) -> Result<Vec<Document>, TxnError<Error>> {
    let insert = doc! { "q": { "_id": &p.id }, "u": { "$setOnInsert": entry_fields(p, now)? }, "upsert": true };
    if !p.from_mark {
        return Ok(vec![insert]);
    }
    let read = doc! { "_id": &p.id, MARK_FIELD: true, "version": p.version, "person": { "$exists": true } };
    Ok(vec![doc! { "q": read, "u": promote(now) }, insert])
}

/// The statements for whatever the document is now: a mark older than the write's data (or
/// without data) takes it; a mark becomes an entry with what is newest in it; nothing is
/// inserted.
fn promotion(p: &Unreferenced, now: DateTime) -> Result<Vec<Document>, TxnError<Error>> {
    let fields = entry_fields(p, now)?;
    let data = doc! { "person": fields.get("person").cloned().unwrap_or(Bson::Null), "version": p.version, "deleted": false };
    // A mark whose data an id-only change made unknown takes the write's too.
    let older = doc! { "$or": [{ "version": { "$lt": p.version } }, { "person": { "$exists": false }, "deleted": false }] };
    Ok(vec![
        doc! { "q": { "_id": &p.id, MARK_FIELD: true, "$and": [older] }, "u": { "$set": data } },
        // Never an entry without data: a mark without it (and not a deletion) stays a mark.
        doc! { "q": { "_id": &p.id, MARK_FIELD: true, "$or": [{ "person": { "$exists": true } }, { "deleted": true }] }, "u": promote(now) },
        doc! { "q": { "_id": &p.id }, "u": { "$setOnInsert": fields }, "upsert": true },
    ])
}

/// The positions of the statements of an `update` reply that inserted a document.
fn upserted_statements(reply: &Document) -> BTreeSet<usize> {
    let index = |u: &Bson| u.as_document()?.get("index").and_then(|i| i.as_i32().map(i64::from).or_else(|| i.as_i64()));
    reply.get_array("upserted").map(|u| u.iter().filter_map(index).map(|i| i as usize).collect()).unwrap_or_default()
}
