//! The storage conformance suites, on SQLite and PostgreSQL (and Redis).
//! The API tests are in tests/{auth,oauth,ai,coach,faults,ops}.

// These suites use only the databases and `on_every_backend!` of the shared
// helpers, which they name `crate::helpers`.
#[allow(unused_imports)]
#[path = "../common/mod.rs"]
mod common;
use common as helpers;

mod interactions_conformance;
mod oauth_state_store;
mod rate_limiter_conformance;
mod refresh_store_conformance;
mod storage_conformance;
