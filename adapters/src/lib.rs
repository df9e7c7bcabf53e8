//! Outbound adapters of NexTarget, one folder per concern: each module
//! implements one or more ports of `nextarget-ports` on a real technology.

pub mod auth;
pub mod clock;
pub mod identity;
pub mod limits;
pub mod llm;
pub mod mail;
pub mod storage;
pub mod trace_context;
