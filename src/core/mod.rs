//! The use cases. This module depends on `nextarget_ports` and plain
//! libraries only: never on poem, sqlx, reqwest, redis or the adapters
//! (a test in tests/ enforces it).

pub mod ai;
pub mod auth;
pub mod coach;
pub mod health;
pub mod oauth;
pub mod validation;
