//! Web flows that end in the app (RFC 8252's pattern, as Supabase Auth
//! does it): `/start` takes the app link (`redirect_to`, one of
//! `oauth.app_redirect_urls` exactly), the app's own S256 PKCE
//! `code_challenge` and an opaque `app_state`; the callback hands the app a
//! one-time code instead of tokens, and `POST /auth/exchange` swaps that
//! code and the app's verifier for a session. Tokens never travel in a URL.

use chrono::Duration;
use nextarget_ports::{AppCodeRecord, AppReturn, StoreContext, User};
use secrecy::{ExposeSecret, SecretString};

use super::{secrets::pkce_challenge, OAuthFlowError, OAuthService};
use crate::auth::{refresh_token, FieldError, Session};
use crate::validation::too_long;
use nextarget_ports::ClientInfo;

/// How long a one-time code can be exchanged.
pub const APP_CODE_TTL_SECS: i64 = 60;
/// The longest `app_state` `/start` takes.
pub const MAX_APP_STATE_CHARS: usize = 512;
/// The longest `code` `/auth/exchange` takes (the server's codes have 43).
pub const MAX_APP_CODE_CHARS: usize = 256;
/// RFC 7636's bounds of a `code_verifier`.
pub const MIN_VERIFIER_CHARS: usize = 43;
pub const MAX_VERIFIER_CHARS: usize = 128;
/// The characters of a `code_verifier` (RFC 7636 §4.1), as a pattern.
pub const VERIFIER_PATTERN: &str = "^[A-Za-z0-9._~-]+$";
/// An S256 `code_challenge`: base64url without padding of 32 bytes.
pub const CHALLENGE_PATTERN: &str = "^[A-Za-z0-9_-]{43}$";

/// What an app sends `/start` so that the flow ends in the app. All `None`
/// (a browser's flow): the callback answers a `TokenResponse`, as before.
#[derive(Debug, Default, Clone)]
pub struct AppStartParams {
    pub redirect_to: Option<String>,
    pub code_challenge: Option<String>,
    /// `S256` when given (the only method taken).
    pub code_challenge_method: Option<String>,
    pub app_state: Option<String>,
}

/// Where the callback of a flow an app started sends the browser: the app
/// link with the one-time code, or with the contract code of the failure.
pub struct AppLanding {
    /// One of `oauth.app_redirect_urls`, exactly as configured.
    pub redirect_to: String,
    /// The app's `app_state`, to hand back as it came.
    pub app_state: Option<String>,
    /// The one-time code (a secret until exchanged), or why the sign-in
    /// failed.
    pub result: Result<SecretString, OAuthFlowError>,
}

/// Whether `value` is an S256 challenge: 43 characters of base64url.
fn is_s256_challenge(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `value` is an RFC 7636 verifier: 43 to 128 unreserved characters.
fn is_verifier(value: &str) -> bool {
    (MIN_VERIFIER_CHARS..=MAX_VERIFIER_CHARS).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl OAuthService {
    /// The app's return from `/start`'s parameters: `None` without
    /// `redirect_to`.
    ///
    /// # Errors
    /// `InvalidRedirect` when `redirect_to` is not exactly one of
    /// `oauth.app_redirect_urls`; `Validation` when `code_challenge` is
    /// missing or not an S256 challenge, `code_challenge_method` is not
    /// `S256`, `app_state` is empty or too long, or any of them comes
    /// without `redirect_to`.
    pub(super) fn app_return(
        &self,
        params: AppStartParams,
    ) -> Result<Option<AppReturn>, OAuthFlowError> {
        let Some(redirect_to) = params.redirect_to else {
            let stray: Vec<FieldError> = [
                ("code_challenge", params.code_challenge.is_some()),
                (
                    "code_challenge_method",
                    params.code_challenge_method.is_some(),
                ),
                ("app_state", params.app_state.is_some()),
            ]
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(field, _)| FieldError::new(field, "is taken only with redirect_to"))
            .collect();
            return if stray.is_empty() {
                Ok(None)
            } else {
                Err(OAuthFlowError::Validation(stray))
            };
        };
        if !self.policy.app_redirect_urls.contains(&redirect_to) {
            return Err(OAuthFlowError::InvalidRedirect);
        }
        let mut errors = Vec::new();
        match &params.code_challenge {
            None => errors.push(FieldError::new(
                "code_challenge",
                "is required with redirect_to: the S256 challenge of the app's PKCE verifier",
            )),
            Some(challenge) if !is_s256_challenge(challenge) => errors.push(FieldError::new(
                "code_challenge",
                "must be an S256 challenge: 43 characters of base64url (A-Z a-z 0-9 - _)",
            )),
            Some(_) => {}
        }
        if params
            .code_challenge_method
            .as_deref()
            .is_some_and(|m| m != "S256")
        {
            errors.push(FieldError::new(
                "code_challenge_method",
                "must be S256 (plain is not taken)",
            ));
        }
        if let Some(app_state) = &params.app_state {
            if app_state.is_empty() {
                errors.push(FieldError::new("app_state", "must not be empty"));
            }
            errors.extend(too_long("app_state", app_state, MAX_APP_STATE_CHARS));
        }
        match params.code_challenge {
            Some(code_challenge) if errors.is_empty() => Ok(Some(AppReturn {
                redirect_to,
                code_challenge,
                app_state: params.app_state,
            })),
            _ => Err(OAuthFlowError::Validation(errors)),
        }
    }

    /// Ends a flow an app started: a one-time code for `user` (only its
    /// hash stored, 60 s), or the failure, for the app link.
    pub(super) async fn land(
        &self,
        app: AppReturn,
        signed_in: Result<(User, bool), OAuthFlowError>,
    ) -> AppLanding {
        let result = match signed_in {
            Ok((user, new_user)) => self.issue_code(&user, new_user, app.code_challenge).await,
            Err(err) => Err(err),
        };
        AppLanding {
            redirect_to: app.redirect_to,
            app_state: app.app_state,
            result,
        }
    }

    async fn issue_code(
        &self,
        user: &User,
        new_user: bool,
        code_challenge: String,
    ) -> Result<SecretString, OAuthFlowError> {
        let now = self.ports.clock.now();
        let code = refresh_token::generate();
        let record = AppCodeRecord {
            code_hash: refresh_token::hash(&code),
            user_id: user.id,
            new_user,
            code_challenge,
            expires_at: now + Duration::seconds(APP_CODE_TTL_SECS),
        };
        self.ports
            .app_codes
            .put(&record, now)
            .await
            .context("Failed to store the app's one-time code")?;
        tracing::info!(user_id = %user.id, "one-time code issued to the app");
        Ok(SecretString::from(code))
    }

    /// `POST /auth/exchange`: spends the one-time `code` and, when
    /// `code_verifier` is the one its `code_challenge` was derived from,
    /// opens a session for the user the callback signed in. A code gets one
    /// attempt: a wrong verifier spends it too.
    ///
    /// # Errors
    /// `Validation` for a code or verifier outside its bounds (nothing is
    /// spent then); `InvalidGrant` for an unknown, used or expired code, a
    /// verifier that does not match, or a user deleted since; storage
    /// errors.
    #[tracing::instrument(name = "oauth_exchange", skip_all)]
    pub async fn exchange(
        &self,
        code: &str,
        code_verifier: &SecretString,
        client: &ClientInfo,
    ) -> Result<Session, OAuthFlowError> {
        let verifier = code_verifier.expose_secret();
        let mut errors: Vec<FieldError> = too_long("code", code, MAX_APP_CODE_CHARS)
            .into_iter()
            .collect();
        if code.is_empty() {
            errors.push(FieldError::new("code", "must not be empty"));
        }
        if !is_verifier(verifier) {
            errors.push(FieldError::new(
                "code_verifier",
                "must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)",
            ));
        }
        if !errors.is_empty() {
            return Err(OAuthFlowError::Validation(errors));
        }
        let now = self.ports.clock.now();
        let record = self
            .ports
            .app_codes
            .take(&refresh_token::hash(code), now)
            .await
            .context("Failed to take the app's one-time code")?
            .ok_or(OAuthFlowError::InvalidGrant)?;
        if pkce_challenge(verifier) != record.code_challenge {
            tracing::info!(user_id = %record.user_id, "one-time code spent by a wrong code_verifier");
            return Err(OAuthFlowError::InvalidGrant);
        }
        let user = self
            .ports
            .users
            .find_by_id(record.user_id)
            .await
            .context("Failed to find the user of a one-time code")?
            .ok_or(OAuthFlowError::InvalidGrant)?;
        self.open_audited(user, record.new_user, client).await
    }
}
