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
    /// The database refused a second document with the same id (a concurrent create).
    #[error("the person was written concurrently; retry the request")]
    Conflict(#[source] mongodb::error::Error),
    #[error(transparent)]
    Database(mongodb::error::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<mongodb::error::Error> for Error {
    fn from(err: mongodb::error::Error) -> Self {
        if crate::mongo::is_duplicate_key(&err) {
            Self::Conflict(err)
        } else {
            Self::Database(err)
        }
    }
}

impl Error {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
