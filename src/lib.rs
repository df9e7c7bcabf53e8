//! NexTarget server: a hexagonal backend for a mobile coaching app.
//!
//! - `nextarget_core` (src/core, a package of its own): the use cases,
//!   speaking only to the ports of `nextarget-ports`;
//! - [`http`]: the inbound REST adapter (poem-openapi);
//! - [`app`]: the composition root that wires adapters chosen by [`config`].

pub mod app;
pub mod config;
pub mod http;
mod llm_client;
mod oauth_providers;
pub mod observability;
pub mod overrides;
pub mod telemetry;
