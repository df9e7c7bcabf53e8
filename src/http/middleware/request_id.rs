//! Gives every request an id (the caller's `x-request-id` when sane, else a
//! new UUID v7), a tracing span carrying it, the `x-request-id` response
//! header, and one log line when it completes (with the matched route and,
//! once the bearer checker knows it, the user id), recorded in the request
//! metrics too. With traces on, that span is the trace's server span
//! (see [`super::trace`]).

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;
use uuid::Uuid;

use crate::http::metrics::{self, ProviderWait};

pub const HEADER: &str = "x-request-id";

pub struct RequestIdAndLog;

impl<E: Endpoint> Middleware<E> for RequestIdAndLog {
    type Output = RequestIdEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestIdEndpoint { inner: ep }
    }
}

pub struct RequestIdEndpoint<E> {
    inner: E,
}

fn incoming_id(req: &Request) -> Option<String> {
    let value = req.headers().get(HEADER)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| value.to_owned())
}

impl<E: Endpoint> Endpoint for RequestIdEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let id = incoming_id(&req).unwrap_or_else(|| Uuid::now_v7().to_string());
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            %method,
            %path,
            user_id = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        );
        super::trace::join_caller_trace(&span, req.headers(), &method, &path);
        let started = Instant::now();
        let provider_wait = ProviderWait::default();
        req.extensions_mut().insert(provider_wait.clone());
        let result = self.inner.call(req).instrument(span.clone()).await;
        let mut resp = match result {
            Ok(resp) => resp.into_response(),
            Err(err) => super::problem_for(err).into_response(),
        };
        let elapsed = started.elapsed();
        let route = metrics::route_of(&resp);
        let status = resp.status().as_u16();
        metrics::record_request(&method, &route, status, elapsed, provider_wait.total());
        super::trace::record_answer(&span, &method, &route, status);
        let _enter = span.enter();
        tracing::info!(
            %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request completed"
        );
        if let Ok(value) = id.parse() {
            resp.headers_mut().insert(HEADER, value);
        }
        Ok(resp)
    }
}
