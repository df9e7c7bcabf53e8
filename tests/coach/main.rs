//! `/coach/advice`: the endpoint, the recorded model replies of
//! tests/fixtures/coach, and property tests of parsing and scoring.

#[path = "../common/mod.rs"]
mod common;

mod advice;
mod fixtures;
mod props;
