//! Signing in with Google and Facebook: wiremock providers, hostile
//! id_tokens, and the end-to-end flow against a real OpenID peer.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod e2e;
mod emulator;
mod facebook;
mod google;
mod google_tokens;
mod mock_provider;
