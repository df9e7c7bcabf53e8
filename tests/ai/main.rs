//! The AI proxy: `/ai/completions` (whole and streamed) against a wiremock
//! Mistral, `/ai/history`, and the per-user rate limit.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod fake_script;
mod history;
mod mock_llm;
mod proxy;
mod rate_limit;
