//! The AI proxy: `/ai/completions` (whole and streamed) against a wiremock
//! Mistral, `/ai/history`, the per-user rate limit, and the cost and size
//! controls: the daily token budget, fallback models, history retention
//! and the user's export.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod budget;
mod fake_script;
mod fallback;
mod history;
mod mock_llm;
mod proxy;
mod rate_limit;
mod retention;
