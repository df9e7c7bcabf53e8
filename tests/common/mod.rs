//! What every test binary of tests/<area>/ shares (each includes this folder
//! with `#[path = "../common/mod.rs"] mod common;`): `spawn_app`, the whole
//! server on a random port with a fresh database of its own, SQLite always,
//! PostgreSQL when `NEXTARGET_TEST_POSTGRES_URL` is set (and required when
//! `CI=true`); Redis on `NEXTARGET_TEST_REDIS_URL`; problem+json assertions
//! and `on_every_backend!`.
//!
//! `TEST_LOG=1` shows the spawned servers' logs (tracing, at `info` or at
//! `RUST_LOG`) in the output of their test: libtest captures it, so it is
//! printed under a failing test, e.g.
//! `TEST_LOG=1 cargo test --test auth a_wrong_password`
//! (add `-- --nocapture` to see it for passing tests too). Without it the
//! logs go nowhere.

// Each binary compiles its own copy of this module and uses only part of it
// (the oauth tests never start a second instance, the ops tests never use
// Redis...): what one binary leaves unused is not dead code.
#![allow(dead_code)]

mod app;
pub mod canned_mistral;
#[path = "../../adapters/tests/common/db.rs"]
mod db;
#[path = "../../adapters/tests/common/eml.rs"]
pub mod eml;
mod problem;
pub mod real_binary;
#[path = "../../adapters/tests/common/refusing.rs"]
pub mod refusing;

pub use app::*;
pub use db::*;
pub use problem::*;

pub const STRONG_PASSWORD: &str = "tundra-Velvet-93-orbit";
pub const TEST_JWT_SECRET: &str = "test-only-secret-0123456789-0123456789";
