//! Faults: a hanging or hostile LLM, PostgreSQL and Redis stopped under
//! load, and many writers at once (see docs/hostile-input.md).

#[path = "../common/mod.rs"]
mod common;
mod support;

mod concurrency;
mod llm;
mod postgres;
mod redis;
