use super::Text;
use poem_openapi::Object;
use secrecy::ExposeSecret;

use poem_openapi::Enum;

use super::UserBody;
use nextarget_core::auth::Session;

/// The providers `/auth/register` accepts (Facebook signs in through
/// `/auth/facebook/start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "RegisterProvider", rename_all = "lowercase")]
pub enum RegisterProvider {
    Local,
    Google,
}

/// Sign-up. `local` needs `email` and `password`; `google` needs the
/// `id_token` the app got from Google's SDK.
#[derive(Object)]
pub struct RegisterRequest {
    /// Required for `local`; trimmed and compared case-insensitively.
    #[oai(nullable)]
    pub email: Option<Text>,
    /// Required for `local`: 8 to 72 UTF-8 bytes, not too guessable.
    #[oai(nullable)]
    pub password: Option<Text>,
    /// `local` when absent.
    #[oai(nullable)]
    pub provider: Option<RegisterProvider>,
    /// Required for `google`.
    #[oai(nullable)]
    pub id_token: Option<Text>,
    /// For `google`: the nonce the app gave Google's SDK, if it gave one;
    /// the token's `nonce` must then be it or its SHA-256 in hex, and a
    /// token with a nonce needs one here.
    #[oai(nullable)]
    pub nonce: Option<Text>,
}

/// Sign-in with email and password.
#[derive(Object)]
pub struct LoginRequest {
    pub email: Text,
    pub password: Text,
    /// Accepted and ignored, for the v0.1 app.
    #[oai(nullable, deprecated)]
    pub provider: Option<Text>,
}

/// A signed-in session.
#[derive(Object)]
pub struct TokenResponse {
    /// HS256 JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// Opaque; exchange it at `/auth/refresh`.
    pub refresh_token: String,
    pub user: UserBody,
}

impl From<Session> for TokenResponse {
    fn from(s: Session) -> Self {
        Self {
            access_token: s.access_token.expose_secret().to_owned(),
            token_type: "bearer".into(),
            expires_in: s.expires_in_secs,
            refresh_token: s.refresh_token.expose_secret().to_owned(),
            user: UserBody::from(&s.user),
        }
    }
}

/// A refresh token, for `/auth/refresh` and `/auth/logout`.
#[derive(Object)]
pub struct RefreshRequest {
    /// The opaque `refresh_token` of a `TokenResponse`.
    pub refresh_token: Text,
}
