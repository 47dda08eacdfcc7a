//! What can go wrong with a person, in the contact service's own terms. `contact::api` is the
//! one place that turns these into HTTP problems.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No person has this id.
    #[error("Person with id '{0}' not found")]
    NotFound(String),
    /// The input cannot be used as asked (a search key the database cannot match on).
    #[error("{detail}")]
    Invalid { field: &'static str, detail: String },
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
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
