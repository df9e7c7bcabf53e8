//! `OAuthProvider` adapters (Google, Facebook, Apple), the id_token checks
//! Google and Apple share, their JWKS cache, and the HTTP helpers.

pub mod apple;
mod apple_secret;
pub mod emulator;
pub mod facebook;
pub mod google;
mod http;
mod id_token;
mod jwks;

pub use apple::{AppleConfig, AppleProvider, AppleSigningKey, AppleWebConfig};
pub use facebook::{FacebookConfig, FacebookProvider, LIMITED_LOGIN_ISSUER};
pub use google::{GoogleConfig, GoogleProvider};
pub use http::http_client;
