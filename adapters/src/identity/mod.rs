//! `OAuthProvider` adapters (Google, Facebook), the id_token checks an
//! OpenID Connect provider needs, Google's JWKS cache, and the HTTP helpers
//! they share.

pub mod facebook;
pub mod google;
mod http;
mod id_token;
mod jwks;

pub use facebook::{FacebookConfig, FacebookProvider};
pub use google::{GoogleConfig, GoogleProvider};
pub use http::http_client;
