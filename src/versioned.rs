//! The shape of both services' writes: in one transaction, read what is stored, let the
//! service's rules decide, write the entity at its next version with its event staged beside
//! it; after the commit, wake the relay so the event goes out at once.

use futures::future::BoxFuture;
use mongodb::{Client, ClientSession};
use tokio::sync::Notify;

use crate::mongo::TxnError;

/// What a write does to the stored entity, decided from what is stored now.
pub enum Decision<T> {
    Store(Box<T>),
    Delete,
}

/// What a write's transaction did: `Unchanged` when the stored entity already was what the
/// write asked for (nothing written, no event).
pub enum Written<T> {
    Changed(T),
    Unchanged(T),
}

/// Runs `body` as one transaction (see [`crate::mongo::transaction`]) and wakes the relay when
/// it staged an event.
pub async fn write<T, E, F>(client: &Client, relay_wake: &Notify, body: F) -> Result<T, E>
where
    E: From<mongodb::error::Error>,
    F: for<'s> FnMut(&'s mut ClientSession) -> BoxFuture<'s, Result<Written<T>, TxnError<E>>>,
{
    match crate::mongo::transaction(client, body).await? {
        Written::Changed(value) => {
            relay_wake.notify_one();
            Ok(value)
        }
        Written::Unchanged(value) => Ok(value),
    }
}
