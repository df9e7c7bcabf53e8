//! Signing in with Google, Facebook and Apple: wiremock providers, hostile
//! id_tokens, and the end-to-end flow against a real OpenID peer.

mod apple_support;
#[path = "../common/mod.rs"]
mod common;
mod support;

mod app_link;
mod apple;
mod apple_tokens;
mod e2e;
mod emulator;
mod facebook;
mod facebook_native;
mod google;
mod google_tokens;
mod mock_provider;
