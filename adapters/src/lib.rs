//! Outbound adapters of NexTarget: each module implements one or more ports
//! of `nextarget-ports` on a real technology.

pub mod clock;
pub mod cpu_pool;
pub mod facebook;
pub mod google;
mod google_jwks;
pub mod jwt;
pub mod llm;
pub mod oauth_http;
pub mod password;
pub mod postgres;
pub mod rate_limit;
mod sql;
pub mod sqlite;
pub mod storage;
