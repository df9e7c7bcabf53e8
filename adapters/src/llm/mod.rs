//! Outbound LLM adapters: [`mistral::MistralClient`] for the real provider,
//! [`fake::FakeLlm`], a deterministic local stand-in for development and
//! tests, and [`fallback::FallbackLlm`], the decorator trying fallback models.

mod fake_advice;
mod mistral_stream;
mod mistral_wire;
mod sse;
#[cfg(test)]
mod sse_props;

pub mod fake;
pub mod fallback;
pub mod mistral;
pub mod unconfigured;
