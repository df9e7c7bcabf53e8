//! `OAuthProvider` adapters (Google, Facebook), Google's JWKS cache, and the
//! HTTP helpers they share.

pub mod emulator;
pub mod facebook;
pub mod google;
mod http;
mod jwks;

pub use facebook::{FacebookConfig, FacebookProvider};
pub use google::{GoogleConfig, GoogleProvider};
pub use http::http_client;
