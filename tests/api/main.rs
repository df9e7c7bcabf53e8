//! Integration tests: the whole server on a random port, SQLite and
//! PostgreSQL, plus the storage conformance suite and the dependency rule.

mod architecture;
mod auth_login;
mod auth_register;
mod bad_input;
mod cli;
mod docs;
mod helpers;
mod lockout;
mod rate_limiter_conformance;
mod refresh_store_conformance;
mod sessions;
mod storage_conformance;
mod users;
