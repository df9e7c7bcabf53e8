//! Request and response bodies of the REST API.

mod auth;
mod user;

pub use auth::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse};
pub use user::{ProviderName, UserBody};
