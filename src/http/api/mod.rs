//! The REST operations, one `#[OpenApi]` impl per resource.

mod ai;
mod auth;
mod coach;
mod health;
mod oauth;
mod password;
mod sessions;
mod users;

pub use ai::AiApi;
pub use auth::AuthApi;
pub use coach::CoachApi;
pub use health::HealthApi;
pub use oauth::OAuthApi;
pub use password::PasswordApi;
pub use sessions::SessionsApi;
pub use users::UsersApi;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up, sign-in and sessions
    Auth,
    /// The signed-in user's account
    Users,
    /// The LLM proxy and its history
    Ai,
    /// Scored coaching advice
    Coach,
    /// Liveness and readiness
    Operations,
}
