//! The storage conformance suite: every storage port behaves the same on
//! SQLite and PostgreSQL (a fresh database per test; PostgreSQL from
//! `NEXTARGET_TEST_POSTGRES_URL`, required when `CI=true`).

#[path = "../common/db.rs"]
mod db;

mod app_codes;
mod interactions;
mod oauth_states;
mod refresh_tokens;
mod reset_tokens;
mod sessions;
mod upgrade;
mod upgrade_apple;
mod users;
