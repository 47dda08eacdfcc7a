//! Writing a person's new data into the orders that embed it.

use futures::TryStreamExt;
use mongodb::{
    bson::{doc, Bson, Document},
    ClientSession,
};

use super::PersonReplica;
use crate::order::{model, model::Role, outbox as order_outbox};

/// Orders rewritten per update command of a fan-out (see [`PersonReplica::fan_out`]).
const FAN_OUT_CHUNK: usize = 500;
/// Ids per round trip of the fan-out's one query (ids only: 10,000 are about 300 KB).
const FIND_BATCH: u32 = 10_000;

/// Which orders holding a person take its new revision in a fan-out.
#[derive(Clone, Copy)]
pub(super) enum Copies {
    /// Every order holding the person (a change the consumer applies).
    Every,
    /// Those holding it at a revision older than this one (a catch-up).
    OlderThan(i64),
}

impl Copies {
    /// The orders holding the person in `role`, as a query.
    pub(super) fn query(self, role: Role, person_id: &str) -> Document {
        let field = role.order_field();
        match self {
            Copies::Every => doc! { format!("{field}.id"): person_id },
            Copies::OlderThan(rev) => doc! { format!("{field}.id"): person_id, format!("{}.{field}", model::REVS_FIELD): { "$lt": rev } },
        }
    }

    /// The same test as an aggregation expression, per order in the update pipeline. (A missing
    /// revision counts as older here: such an order takes the change, which is what it needs.)
    fn holds(self, role: Role, person_id: &str) -> Document {
        let field = role.order_field();
        let same_person = doc! { "$eq": [format!("${field}.id"), person_id] };
        match self {
            Copies::Every => same_person,
            Copies::OlderThan(rev) => doc! { "$and": [same_person, { "$lt": [format!("${}.{field}", model::REVS_FIELD), rev] }] },
        }
    }
}

impl PersonReplica {
    /// Writes the person at `rev` into the orders holding it (the `copies` kind says which), and
    /// records the fan-out once: the relay publishes an `order.updated` for each order holding
    /// the person at `rev` from that record, so no order document is written twice for its event
    /// and the relay never writes the orders this transaction writes.
    ///
    /// A pipeline update moves each order's version once and replaces the person in exactly the
    /// roles it holds. (Four commands, a version step and a `$set` per role, rewrote every order
    /// four times: 4x slower.) One query finds the orders' ids, and they are rewritten in chunks
    /// of [`FAN_OUT_CHUNK`] by `_id`: a single command over 10,000 orders kept a busy SecantusDB
    /// for over a minute, its heartbeats went unanswered, the driver interrupted the command and
    /// the transaction retried forever. (A query per chunk, `_id`-ordered after the last one,
    /// scanned the person's orders again for every chunk: 13 s of a 33 s fan-out.) A person in a
    /// few orders costs one find and one update.
    pub(super) async fn fan_out(
        &self,
        session: &mut ClientSession,
        person: (&str, &Document),
        rev: i64,
        request_id: Option<&str>,
        copies: Copies,
    ) -> mongodb::error::Result<()> {
        let (person_id, person_doc) = person;
        let any_role: Vec<Document> = Role::ALL.map(|r| copies.query(r, person_id)).to_vec();
        let pipeline = vec![doc! { "$set": update(person_doc, person_id, rev, copies) }];
        let ids: Vec<Bson> = self
            .orders
            .find(doc! { "$or": any_role })
            .projection(doc! { "_id": 1 })
            .batch_size(FIND_BATCH)
            .session(&mut *session)
            .await?
            .stream(&mut *session)
            .try_filter_map(|mut d| std::future::ready(Ok(d.remove("_id"))))
            .try_collect()
            .await?;
        for chunk in ids.chunks(FAN_OUT_CHUNK) {
            self.orders.update_many(doc! { "_id": { "$in": chunk } }, pipeline.clone()).session(&mut *session).await?;
            crate::crash_points::crash_point(crate::crash_points::MID_FAN_OUT); // orders written, nothing committed
        }
        self.fanouts.insert_one(order_outbox::fan_out_record(person_id, rev, request_id)).session(&mut *session).await?;
        Ok(())
    }
}

/// The `$set` stage: the version moves once, and each role holding the person takes its data
/// and revision.
fn update(person_doc: &Document, person_id: &str, rev: i64, copies: Copies) -> Document {
    let version = model::VERSION_FIELD;
    let mut set = doc! { version: { "$add": [format!("${version}"), 1_i64] } };
    for role in Role::ALL {
        let field = role.order_field();
        let rev_field = format!("{}.{field}", model::REVS_FIELD);
        let holds = copies.holds(role, person_id);
        // `$literal`: person data is never read as an expression (a name may start with `$`).
        set.insert(field, doc! { "$cond": [holds.clone(), { "$literal": person_doc }, format!("${field}")] });
        set.insert(rev_field.clone(), doc! { "$cond": [holds, rev, format!("${rev_field}")] });
    }
    set
}
