//! The one error type of the HTTP boundary and its only mapping to HTTP: RFC 9457 problem
//! details as `application/problem+json`, carrying the request id. 5xx bodies are opaque; the
//! cause chain goes to the log under the same request id.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed input: JSON syntax, wrong types, bad parameters.
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    /// The addressed resource does not exist. `message` keeps the original service's wording.
    #[error("{0}")]
    NotFound(String),
    #[error("request body is larger than {} bytes", super::MAX_BODY_BYTES)]
    PayloadTooLarge,
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    #[error("{0}")]
    PreconditionFailed(String),
    /// The request raced another one for the same resource; retrying it is safe.
    #[error("{0}")]
    Conflict(String),
    /// Well-formed but refers to something that does not exist or conflicts with earlier input.
    #[error("{detail}")]
    Unprocessable { detail: String, field: Option<String> },
    /// A dependency cannot be reached; the client may retry after `retry_after_secs`.
    #[error("{dependency} is unavailable{}", reason.map(|r| format!(" ({r})")).unwrap_or_default())]
    Unavailable { dependency: &'static str, reason: Option<&'static str>, retry_after_secs: u64, source: anyhow::Error },
    /// No usable credentials; `challenge` is the `WWW-Authenticate` value. `auth` decides both
    /// (and logs which check failed, which is never told).
    #[error("{detail}")]
    Unauthorized { detail: &'static str, challenge: &'static str },
    /// Authenticated but not allowed; `challenge` is the `WWW-Authenticate` value.
    #[error("{detail}")]
    Forbidden { detail: String, challenge: String },
    /// The client did not send its request in time.
    #[error("the request was not received in time")]
    RequestTimeout,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest { detail: detail.into(), field: None }
    }

    pub fn bad_field(field: &str, detail: impl Into<String>) -> Self {
        Self::BadRequest { detail: detail.into(), field: Some(field.to_string()) }
    }

    pub fn unprocessable_field(field: &str, detail: impl Into<String>) -> Self {
        Self::Unprocessable { detail: detail.into(), field: Some(field.to_string()) }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The problem body; the same shape as `Problem` in both specs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The original contact service answered `{"message": ...}`; kept for its clients.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let request = crate::context::current_request();
        let request_id = request.as_ref().map(|r| r.id.to_string());
        let detail = match &self {
            Self::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "request failed");
                "An unexpected error occurred; the service log has the details under this request id.".to_string()
            }
            Self::Unavailable { source, dependency, .. } => {
                tracing::warn!(error = format!("{source:#}"), dependency, "dependency unavailable");
                self.to_string()
            }
            other => other.to_string(),
        };
        let errors = match &self {
            Self::BadRequest { field: Some(f), detail } | Self::Unprocessable { field: Some(f), detail } => {
                vec![FieldError { field: f.clone(), message: detail.clone() }]
            }
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            message: detail.clone(),
            detail,
            instance: request.map(|r| r.path.clone()),
            request_id,
            errors,
        };
        let mut response = super::respond::problem(status, problem);
        let headers = response.headers_mut();
        match self {
            Self::Unavailable { retry_after_secs, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Unauthorized { challenge, .. } => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            Self::Forbidden { challenge, .. } => {
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            _ => {}
        }
        response
    }
}

/// A duplicate key (a concurrent insert of the same id) is a 409; see below for the rest.
impl From<crate::mongo::StorageError> for ApiError {
    fn from(err: crate::mongo::StorageError) -> Self {
        match err {
            crate::mongo::StorageError::Conflict(ref source) => {
                tracing::warn!(error = %source, "duplicate key");
                Self::Conflict(err.to_string())
            }
            crate::mongo::StorageError::Failed(err) => err.into(),
        }
    }
}

/// Storage failures: a lost connection or server selection timeout is a 503, anything else a 500.
impl From<mongodb::error::Error> for ApiError {
    fn from(err: mongodb::error::Error) -> Self {
        use mongodb::error::ErrorKind;
        match *err.kind {
            ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
                Self::Unavailable { dependency: "database", reason: None, retry_after_secs: 1, source: err.into() }
            }
            _ => Self::Internal(err.into()),
        }
    }
}
