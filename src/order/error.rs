//! What can go wrong with an order, in the order service's own terms. `order::api` is the one
//! place that turns these into HTTP problems.

/// An order use case failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No live order has this id.
    #[error("Order with id '{0}' not found")]
    NotFound(String),
    /// The input breaks a rule of the order itself (an amount below zero, an empty reference).
    #[error("{detail}")]
    Invalid { field: String, detail: String },
    /// A person reference names someone the contact service does not know (or deleted).
    #[error("{field}: person '{id}' does not exist")]
    UnknownPerson { field: &'static str, id: String },
    /// `If-Match` names another version than the stored one (`none` when there is no order).
    #[error("If-Match does not match the current version {current}")]
    StaleVersion { current: String },
    /// The same `Idempotency-Key` came back with another body.
    #[error("this Idempotency-Key was used with a different request body")]
    IdempotencyKeyReused,
    /// A person had to be fetched and the contact service could not answer.
    #[error("contact service is unavailable ({reason})")]
    ContactUnavailable { reason: &'static str, source: anyhow::Error },
    #[error(transparent)]
    Storage(#[from] crate::mongo::StorageError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<mongodb::error::Error> for Error {
    fn from(err: mongodb::error::Error) -> Self {
        Self::Storage(err.into())
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), detail: detail.into() }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
