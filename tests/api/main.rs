//! Integration tests: the whole server on a random port, SQLite and
//! PostgreSQL, plus the storage conformance suite and the dependency rule.

// Test code throughout, helpers outside `#[test]` functions included.
#![allow(clippy::unwrap_used)]

mod ai_history;
mod ai_proxy;
mod ai_rate_limit;
mod architecture;
mod auth_login;
mod auth_register;
mod bad_input;
mod cli;
mod coach_advice;
mod coach_fixtures;
mod coach_props;
mod docs;
mod faults_concurrency;
mod faults_llm;
mod faults_postgres;
mod faults_redis;
mod faults_support;
mod helpers;
mod interactions_conformance;
mod lockout;
mod metrics;
mod oauth_e2e;
mod oauth_facebook;
mod oauth_google;
mod oauth_google_tokens;
mod oauth_state_store;
mod oauth_support;
mod rate_limiter_conformance;
mod refresh_store_conformance;
mod sessions;
mod shutdown;
mod spec_conformance;
mod storage_conformance;
mod users;
