//! Running the service: the OpenAPI document and its conformance, `/metrics`,
//! bad input, the `nextarget` binary (CLI, graceful shutdown), and the
//! dependency rule.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod bad_input;
mod cli;
mod docs;
mod metrics;
mod shutdown;
mod spec_conformance;
mod start_together;
