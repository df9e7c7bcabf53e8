use super::Text;
use poem_openapi::Object;
use secrecy::ExposeSecret;
use serde::Deserialize;

use poem_openapi::Enum;

use super::UserBody;
use nextarget_core::auth::Session;

/// The providers `/auth/register` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "RegisterProvider", rename_all = "lowercase")]
pub enum RegisterProvider {
    Local,
    Google,
    Apple,
    Facebook,
}

/// Sign-up. `local` needs `email` and `password`; `google` and `apple` need
/// the `id_token` the app got from Google's SDK or Sign in with Apple;
/// `facebook` needs the Facebook SDK's `access_token`, or on iOS the
/// Limited Login `id_token` (one of the two).
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
    /// Required for `google` and `apple`; for `facebook`, the Limited
    /// Login id_token (iOS), instead of `access_token`.
    #[oai(nullable)]
    pub id_token: Option<Text>,
    /// For `facebook`: the user access token the Facebook SDK gave the app
    /// (`AccessToken.current.tokenString` on iOS,
    /// `AccessToken.getCurrentAccessToken().token` on Android).
    #[oai(nullable)]
    pub access_token: Option<Text>,
    /// With an `id_token`: the raw nonce the app gave the SDK, if it gave
    /// one; the token's `nonce` must then be it or its SHA-256 in hex
    /// (Apple's apps send Apple the hash), and a token with a nonce needs
    /// one here.
    #[oai(nullable)]
    pub nonce: Option<Text>,
    /// For `apple`: the user's name, which Apple gives the app at the first
    /// sign-in only. Accepted and not stored yet.
    #[oai(nullable)]
    pub name: Option<Text>,
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

/// `POST /auth/exchange`: the one-time code of an app link, and the PKCE
/// verifier the app made for it.
#[derive(Object)]
pub struct ExchangeRequest {
    /// The `code` the callback put on the app link.
    pub code: Text,
    /// The app's PKCE verifier, whose S256 challenge went to `/start` as
    /// `code_challenge`.
    pub code_verifier: Text,
}

/// What Apple posts to `/auth/apple/callback` (`response_mode=form_post`).
/// Unknown fields are ignored.
#[derive(Debug, Object, Deserialize)]
pub struct AppleCallbackForm {
    /// The authorization code.
    #[oai(validator(min_length = 1))]
    pub code: Option<String>,
    /// The `state` issued by `/auth/apple/start`.
    #[oai(validator(min_length = 1))]
    pub state: Option<String>,
    /// Set by Apple when the user declined (`user_cancelled_authorize`) or
    /// the request failed.
    #[oai(validator(min_length = 1))]
    pub error: Option<String>,
    /// JSON with the user's name (and email), sent at the first sign-in
    /// only. Accepted and not stored yet; the email comes from the
    /// verified id_token.
    #[oai(validator(min_length = 1))]
    pub user: Option<String>,
}

impl AppleCallbackForm {
    /// The first field sent empty: the spec says `minLength: 1`, which the
    /// form parser does not check.
    pub fn empty_field(&self) -> Option<&'static str> {
        [
            ("code", &self.code),
            ("state", &self.state),
            ("error", &self.error),
            ("user", &self.user),
        ]
        .into_iter()
        .find(|(_, value)| value.as_deref() == Some(""))
        .map(|(name, _)| name)
    }
}
