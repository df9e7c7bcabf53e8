//! The REST operations, one `#[OpenApi]` impl per resource.

mod auth;
mod health;
mod sessions;
mod users;

pub use auth::AuthApi;
pub use health::HealthApi;
pub use sessions::SessionsApi;
pub use users::UsersApi;

use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up, sign-in and sessions
    Auth,
    /// The signed-in user's account
    Users,
    /// Liveness and readiness
    Operations,
}
