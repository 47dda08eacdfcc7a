//! HTTP plumbing shared by both services: the one error type and its problem+json mapping,
//! the request context (request id), extractors that answer bad input with problems, and the
//! server with its common layers.

mod context;
mod error;
mod extract;
pub mod paging;
pub mod respond;
mod server;
mod stream;

pub use context::{current_traceparent, sanitized_request_id, RequestContext, REQUEST_ID_HEADER};
pub use error::ApiError;
pub use extract::{ApiJson, ApiPath, ApiQuery};
pub use server::{serve, with_common_layers, HttpLimits, MAX_BODY_BYTES};
pub use stream::JsonArrayStream;
