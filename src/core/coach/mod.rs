//! The coaching orchestrator: builds a prompt from the user's goal, asks the
//! LLM (through the AI gateway: same rate limit, latency measure and
//! history), reads whatever shape the reply has, and scores the advice.
//!
//! - [`prompt`]: system and user prompts (fr/en), user text fenced as data;
//! - [`parse`] (+ `parse_json`, `parse_list`, `json_scan`): tolerant reading;
//! - [`score`]: the deterministic score and its weights;
//! - `input`: the request's defaults and ranges, decided once;
//! - [`advise`]: the use case tying them together.

mod advise;
mod category;
mod input;
mod json_scan;
pub mod parse;
mod parse_json;
mod parse_list;
pub mod prompt;
pub mod score;
pub mod text;

pub use advise::{AdviceOutput, CoachService};
pub use input::{
    AdviceInput, ProfileInput, DEFAULT_LANGUAGE, DEFAULT_MAX_ITEMS, MAX_AGE, MAX_CONSTRAINTS,
    MAX_CONSTRAINT_CHARS, MAX_CONTEXT_CHARS, MAX_GOAL_CHARS, MAX_ITEMS,
};
pub use parse::{parse_advice, ParsedAdvice};
pub use prompt::{
    build_prompt, build_reformat_prompt, AdviceRequest, CoachPrompt, Language, Level, Profile,
};
pub use score::{score_advice, ScoredAdvice};
