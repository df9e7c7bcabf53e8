//! The request span as an OpenTelemetry server span, when traces are on
//! (`telemetry.otlp_endpoint`): the caller's W3C `traceparent` becomes its
//! parent, its trace id goes into the log lines (`trace_id`), and it ends
//! named by the matched route (`POST /ai/completions`) with the HTTP
//! attributes of OpenTelemetry's conventions. With traces off, nothing here
//! runs.

use nextarget_adapters::trace_context;
use opentelemetry::trace::{Status, TraceContextExt as _};
use poem::http::{HeaderMap, Method};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Before the span is first entered: parent, kind, trace id.
pub(super) fn join_caller_trace(span: &Span, headers: &HeaderMap, method: &Method, path: &str) {
    if !trace_context::enabled() {
        return;
    }
    // A missing or malformed traceparent leaves the span a root.
    let _ = span.set_parent(trace_context::extract(headers));
    span.record("otel.kind", "server");
    span.set_attribute("http.request.method", method.to_string());
    span.set_attribute("url.path", path.to_owned());
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
}

/// Once answered: the name, route and status (a 5xx is an error).
pub(super) fn record_answer(span: &Span, method: &Method, route: &str, status: u16) {
    if !trace_context::enabled() {
        return;
    }
    // Built at the start (its trace id went into the logs): renamed through
    // OpenTelemetry itself, which `otel.name` no longer reaches.
    span.context()
        .span()
        .update_name(format!("{method} {route}"));
    span.set_attribute("http.route", route.to_owned());
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(Status::error(format!("HTTP {status}")));
    }
}
