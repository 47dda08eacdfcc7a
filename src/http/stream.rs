//! A JSON array written element by element from a stream (a database cursor), so a large list
//! is served in constant memory.

use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
use futures::{stream::BoxStream, Stream, StreamExt};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;

/// Elements are written in chunks of up to this many.
const ELEMENTS_PER_CHUNK: usize = 64;

pub struct JsonArrayStream(BoxStream<'static, anyhow::Result<Bytes>>);

impl std::fmt::Debug for JsonArrayStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonArrayStream")
    }
}

impl JsonArrayStream {
    pub fn new<T, S>(elements: S) -> Self
    where
        T: Serialize,
        S: Stream<Item = anyhow::Result<T>> + Send + 'static,
    {
        let serialized = elements.map(|element| element.and_then(|e| Ok(Bytes::from(serde_json::to_vec(&e)?))));
        Self(serialized.boxed())
    }

    pub fn into_response_with(self, status: StatusCode) -> Response {
        let mut first = true;
        let elements = self.0.ready_chunks(ELEMENTS_PER_CHUNK).map(move |chunk| {
            let mut buf = BytesMut::new();
            for element in chunk {
                let element = element.map_err(|e| {
                    // The status is already sent: all we can do is cut the response short.
                    tracing::error!(error = format!("{e:#}"), "streaming a list failed");
                    std::io::Error::other("list stream failed")
                })?;
                if !first {
                    buf.extend_from_slice(b",");
                }
                first = false;
                buf.extend_from_slice(&element);
            }
            Ok::<_, std::io::Error>(buf.freeze())
        });
        let open = futures::stream::once(async { Ok(Bytes::from_static(b"[")) });
        let close = futures::stream::once(async { Ok(Bytes::from_static(b"]")) });
        let body = Body::from_stream(open.chain(elements).chain(close));
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
    }
}
