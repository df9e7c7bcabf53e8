//! OpenTelemetry traces (`telemetry.*`): an OTLP/HTTP collector inside the
//! test receives what the server exports; a completion is one trace with
//! the request, the use case, the LLM call and the history write; the
//! `traceparent` sent to Mistral belongs to it; a caller's `traceparent`
//! becomes its parent; with the collector unreachable, requests are
//! unaffected and the log lines still carry `trace_id`.
//!
//! The trace pipeline is process-wide: this binary installs it once
//! ([`collector::collector`]) and every test finds its own spans by trace
//! id. The collector-down case runs the real binary, a process of its own.

// Only part of the shared helpers is used here.
#[allow(unused_imports)]
#[path = "../common/mod.rs"]
mod common;

mod collector;
mod collector_down;
mod completion;
mod mistral;
