//! HTTP plumbing shared by both services: the one error type and its problem+json mapping,
//! the request id middleware, extractors that answer bad input with problems, and the server
//! with its common layers. Only the edge imports it: the services' `api.rs`, the generated
//! routers, `auth` and the host.

mod error;
mod extract;
pub mod paging;
mod request;
pub mod respond;
mod server;
mod stream;

pub use error::ApiError;
pub use extract::{ApiJson, ApiPath, ApiQuery};
pub use request::RequestContext;
pub use server::{serve, with_common_layers, HttpLimits, MAX_BODY_BYTES};
pub use stream::JsonArrayStream;
