//! Outbound LLM adapters: [`mistral::MistralClient`] for the real provider and
//! [`fake::FakeLlm`], a deterministic local stand-in for development and tests.

mod fake_advice;
mod mistral_stream;
mod mistral_wire;
mod sse;
#[cfg(test)]
mod sse_props;

pub mod fake;
pub mod mistral;
pub mod unconfigured;
