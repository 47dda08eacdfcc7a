//! The route layer in front of every API operation: authenticate, then check the operation's
//! scope. Runs after routing, so unknown paths stay 404 and `/health`, `/metrics`, `/docs` and
//! `/openapi.json` (on a router without this layer) stay open.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::header::AUTHORIZATION;

use super::{AuthFailure, Verifier};
use crate::http::ApiError;

pub struct Authenticator {
    mode: Mode,
    /// Path template → (METHOD, the scope the spec requires) per operation on it. Keyed by
    /// `&'static str` so a request looks its operation up without allocating.
    required: HashMap<&'static str, Vec<(&'static str, &'static str)>>,
}

enum Mode {
    /// End users and services with a JWT.
    Bearer(Box<Verifier>),
    /// Callers already authenticated by the transport (a verified client certificate on the
    /// internal listener): they get exactly these scopes.
    TrustedPeer(BTreeSet<String>),
}

/// One row of the generated operation table: method, path template, operationId, scopes.
pub type Operation = (&'static str, &'static str, &'static str, &'static [&'static str]);

impl Authenticator {
    pub fn bearer(verifier: Verifier, operations: &[Operation]) -> Arc<Self> {
        Arc::new(Self { mode: Mode::Bearer(Box::new(verifier)), required: table(operations) })
    }

    pub fn trusted_peer(scopes: &[String], operations: &[Operation]) -> Arc<Self> {
        Arc::new(Self { mode: Mode::TrustedPeer(scopes.iter().cloned().collect()), required: table(operations) })
    }
}

fn table(operations: &[Operation]) -> HashMap<&'static str, Vec<(&'static str, &'static str)>> {
    // An operation without a declared scope gets none here and is refused below: deny by default.
    let mut table: HashMap<&'static str, Vec<_>> = HashMap::new();
    for (method, path, _, scopes) in operations {
        if let Some(scope) = scopes.first() {
            table.entry(*path).or_default().push((*method, *scope));
        }
    }
    table
}

impl Authenticator {
    /// The scope the operation at `method` `path` (a route template) requires, if declared.
    fn required_scope(&self, method: &http::Method, path: &str) -> Option<&'static str> {
        self.required.get(path)?.iter().find(|(m, _)| m.eq_ignore_ascii_case(method.as_str())).map(|(_, scope)| *scope)
    }
}

pub async fn require_scope(State(auth): State<Arc<Authenticator>>, path: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let Some(scope) = auth.required_scope(request.method(), path.as_ref().map_or("", |p| p.as_str())) else {
        return forbidden("(none declared)");
    };
    let granted = match &auth.mode {
        Mode::TrustedPeer(scopes) => scopes.contains(scope),
        Mode::Bearer(verifier) => {
            let token = match bearer_token(&request) {
                Ok(token) => token,
                Err(failure) => return refused(failure),
            };
            match verifier.verify(token).await {
                Ok(claims) => {
                    tracing::debug!(subject = %claims.subject, "authenticated");
                    claims.scopes.contains(scope)
                }
                Err(failure) => return refused(failure),
            }
        }
    };
    if !granted {
        tracing::info!(scope, "refused: scope missing");
        return forbidden(scope);
    }
    next.run(request).await
}

fn refused(failure: AuthFailure) -> Response {
    if let AuthFailure::Invalid(reason) = failure {
        tracing::info!(reason, "refused: invalid bearer token");
    }
    ApiError::from(failure).into_response()
}

/// RFC 6750 challenges; no error description, so nothing about the token is told.
impl From<AuthFailure> for ApiError {
    fn from(failure: AuthFailure) -> Self {
        match failure {
            AuthFailure::Missing => ApiError::Unauthorized {
                detail: "this API requires a bearer token (Authorization: Bearer <JWT>)",
                challenge: r#"Bearer realm="labs-order""#,
            },
            AuthFailure::Invalid(_) => ApiError::Unauthorized {
                detail: "the bearer token is not valid",
                challenge: r#"Bearer realm="labs-order", error="invalid_token""#,
            },
        }
    }
}

fn forbidden(scope: &str) -> Response {
    ApiError::Forbidden {
        detail: format!("this operation requires the scope {scope}"),
        challenge: format!(r#"Bearer realm="labs-order", error="insufficient_scope", scope="{scope}""#),
    }
    .into_response()
}

fn bearer_token(request: &Request) -> Result<&str, AuthFailure> {
    let Some(value) = request.headers().get(AUTHORIZATION) else {
        return Err(AuthFailure::Missing);
    };
    let value = value.to_str().map_err(|_| AuthFailure::Invalid("unreadable header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(AuthFailure::Invalid("not a bearer token")),
    }
}
