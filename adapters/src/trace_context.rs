//! W3C trace context (`traceparent`, `tracestate`) across HTTP: read from a
//! caller's headers, written on the calls the adapters make (Mistral,
//! Google, Facebook, Apple), through OpenTelemetry's global propagator.
//!
//! Off until [`enable`] is called (when `telemetry.otlp_endpoint` is set):
//! then [`extract`] reads nothing and [`Traced::traced`] adds nothing, at
//! the cost of one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::{
    propagation::{Extractor, Injector},
    Context,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns propagation on, once the global propagator and tracer are set.
pub fn enable() {
    ENABLED.store(true, Ordering::Release);
}

/// Whether traces are exported (and so propagated).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// The context a caller's `traceparent` names; an empty one when there is
/// none, it is malformed, or propagation is off.
pub fn extract(headers: &HeaderMap) -> Context {
    if !enabled() {
        return Context::new();
    }
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    })
}

/// Writes the current span's `traceparent` (and `tracestate`) into
/// `headers`; nothing when propagation is off or no span is being traced.
pub fn inject(headers: &mut HeaderMap) {
    if !enabled() {
        return;
    }
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut HeaderInjector(headers));
    });
}

/// A request that carries the current trace to the service it calls.
pub trait Traced {
    /// This request with the current span's `traceparent`, when traced.
    #[must_use]
    fn traced(self) -> Self;
}

impl Traced for reqwest::RequestBuilder {
    fn traced(self) -> Self {
        if !enabled() {
            return self;
        }
        let mut headers = HeaderMap::new();
        inject(&mut headers);
        self.headers(headers)
    }
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_read_or_written_while_off() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        use opentelemetry::trace::TraceContextExt;
        assert!(!extract(&headers).span().span_context().is_valid());
        let mut out = HeaderMap::new();
        inject(&mut out);
        assert!(out.is_empty());
    }
}
