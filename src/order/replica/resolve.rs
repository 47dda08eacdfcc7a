//! Resolving the person references of an order write: the replica first (one query for all of
//! them, entries and marks), then the contact service for those it does not hold, in parallel.

use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;
use labs_order_client::order::types::Person;

use super::{PersonReplica, ReplicaEntry};
use crate::order::{
    contact_lookup::{ContactLookup, Lookup, LookupFailure},
    model::{PersonRefs, Role},
    Error,
};

/// The persons of a write, by role, and those fetched from the contact service (to store in
/// the replica in the write's transaction).
#[derive(Debug, Default)]
pub struct Resolved {
    /// (role, person, the replica revision it was read at; 0 for a fetched person until the
    /// write stores it)
    pub by_role: Vec<(Role, Person, i64)>,
    /// Persons without an entry yet, to store before the order embeds them (their first
    /// reference).
    pub fetched: Vec<Unreferenced>,
}

/// A person no order referenced yet, as the write found it.
#[derive(Debug, Clone)]
pub struct Unreferenced {
    pub id: String,
    pub person: Person,
    /// As the contact service or the consumer's mark had it.
    pub version: i64,
    /// Read from the consumer's mark (else fetched from the contact service).
    pub from_mark: bool,
}

impl Resolved {
    /// Every person came from the replica: the order can be written on its own.
    pub fn all_known(&self) -> bool {
        self.fetched.is_empty()
    }

    /// The 422 for a reference to `person_id`, naming the first field that holds it.
    pub fn unknown(&self, person_id: &str) -> Error {
        let field =
            self.by_role.iter().find(|(_, p, _)| p.id.as_deref() == Some(person_id)).map_or("soldToID", |(r, _, _)| r.input_field());
        Error::UnknownPerson { field, id: person_id.to_string() }
    }
}

impl PersonReplica {
    /// Resolves every person reference in `refs`.
    pub async fn resolve(&self, lookup: &ContactLookup, refs: PersonRefs<'_>, request_id: &str) -> Result<Resolved, Error> {
        let mut roles_by_id: BTreeMap<&str, Vec<Role>> = BTreeMap::new();
        for (role, id) in refs.iter() {
            roles_by_id.entry(id).or_default().push(role);
        }
        let mut resolved = Resolved::default();
        if roles_by_id.is_empty() {
            return Ok(resolved);
        }
        let ids: Vec<&str> = roles_by_id.keys().copied().collect();
        let held = self.get_many(&ids).await?;
        // A mark holding the person is as good as a lookup: it is the newest version an event
        // brought, and the first reference takes anything newer that arrives meanwhile.
        let missing: Vec<&str> = ids.iter().copied().filter(|id| !held.get(*id).is_some_and(|e| e.deleted || e.person.is_some())).collect();
        let fetched = join_all(missing.iter().map(|id| lookup.person(id, request_id))).await;
        let mut fetched: HashMap<&str, _> = missing.into_iter().zip(fetched).collect();

        for (id, roles) in &roles_by_id {
            let absent = || Error::UnknownPerson { field: roles[0].input_field(), id: id.to_string() };
            let (person, rev) = match (held.get(*id), fetched.remove(id)) {
                (Some(e), _) if e.deleted => return Err(absent()),
                (Some(ReplicaEntry { person: Some(p), version, mark: true, .. }), _) => {
                    resolved.fetched.push(Unreferenced { id: id.to_string(), person: p.clone(), version: *version, from_mark: true });
                    (p.clone(), 0)
                }
                (Some(ReplicaEntry { person: Some(p), rev, .. }), _) => (p.clone(), *rev),
                (_, Some(Ok(Lookup::Found(p, version)))) => {
                    let person = Person::from(*p);
                    resolved.fetched.push(Unreferenced { id: id.to_string(), person: person.clone(), version, from_mark: false });
                    (person, 0)
                }
                (_, Some(Err(failure))) => return Err(unavailable(failure)),
                _ => return Err(absent()),
            };
            resolved.by_role.extend(roles.iter().map(|r| (*r, person.clone(), rev)));
        }
        Ok(resolved)
    }
}

fn unavailable(failure: LookupFailure) -> Error {
    let source = anyhow::anyhow!("person lookup failed: {failure} ({})", failure.reason());
    Error::ContactUnavailable { reason: failure.reason(), source }
}
