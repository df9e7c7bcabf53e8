//! `spawn_app`: the whole server on a random port with a fresh database of
//! its own, SQLite always, PostgreSQL when `NEXTARGET_TEST_POSTGRES_URL` is set
//! (and required when `CI=true`).

mod app;
mod db;
mod problem;

pub use app::*;
pub use db::*;
pub use problem::*;

pub const STRONG_PASSWORD: &str = "tundra-Velvet-93-orbit";
pub const TEST_JWT_SECRET: &str = "test-only-secret-0123456789-0123456789";
