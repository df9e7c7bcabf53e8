//! Refuses bodies over `server.body_limit_bytes` with 413 problem+json.
//!
//! A declared `Content-Length` over the limit is refused before reading; a
//! chunked body is read up to the limit and refused once it goes past it.
//! Requests without a body (GET, DELETE ...) pass untouched.

use poem::{
    http::{header, StatusCode},
    Body, Endpoint, Middleware, Request, Result,
};
use tokio::io::AsyncReadExt;

use crate::http::problem::Problem;

pub struct BodyLimit {
    limit: usize,
}

impl BodyLimit {
    pub fn new(limit: usize) -> Self {
        Self { limit }
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            limit: self.limit,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
}

fn too_large(limit: usize) -> poem::Error {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request bodies are limited to {limit} bytes"),
    )
    .into()
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(len) if len > self.limit as u64 => return Err(too_large(self.limit)),
            Some(_) => {}
            None if req.headers().contains_key(header::TRANSFER_ENCODING) => {
                let mut reader = req
                    .take_body()
                    .into_async_read()
                    .take(self.limit as u64 + 1);
                let mut bytes = Vec::new();
                reader
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|e| Problem::bad_request(format!("could not read the body: {e}")))?;
                if bytes.len() > self.limit {
                    return Err(too_large(self.limit));
                }
                req.set_body(Body::from(bytes));
            }
            None => {}
        }
        self.inner.call(req).await
    }
}
