//! `/auth/{provider}/callback` and native id_token sign-in (Google, Apple).

use nextarget_ports::{AuthEvent, ClientInfo, Provider, StoreContext, User};

use super::{OAuthFlowError, OAuthService};
use crate::auth::{FieldError, Session, Subject, MAX_ID_TOKEN_CHARS, MAX_NONCE_CHARS};
use crate::validation::too_long;

/// What the provider sent back to the callback URL.
#[derive(Debug, Default, Clone)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

impl OAuthService {
    /// Finishes a web sign-in: spends the state, exchanges the code, upserts
    /// the user and opens a session.
    ///
    /// # Errors
    /// `NotConfigured` when the provider or its web flow is off (nothing
    /// is read or spent then); `Denied` for `?error=`; `InvalidState` for a missing, unknown,
    /// expired, spent or other-provider state (the state is spent either
    /// way); `MissingCode`; `InvalidToken`/`Provider` from the provider;
    /// `EmailTaken`; storage errors.
    pub async fn callback(
        &self,
        provider: Provider,
        params: CallbackParams,
        client: &ClientInfo,
    ) -> Result<Session, OAuthFlowError> {
        let oauth = self.web_provider(provider)?;
        let now = self.ports.clock.now();
        let record = match params.state.as_deref().filter(|s| !s.is_empty()) {
            Some(state) => self
                .ports
                .states
                .take(state, now)
                .await
                .context("Failed to take the OAuth state")?,
            None => None,
        };
        if let Some(error) = params.error {
            return Err(OAuthFlowError::Denied(error));
        }
        let record = record
            .filter(|r| r.provider == provider)
            .ok_or(OAuthFlowError::InvalidState)?;
        let code = params
            .code
            .filter(|c| !c.is_empty())
            .ok_or(OAuthFlowError::MissingCode)?;
        let identity = oauth
            .exchange_code(&code, &record.pkce_verifier, &record.nonce)
            .await
            .map_err(|e| OAuthFlowError::from_provider(provider, e))?;
        let (user, created) = self.upsert(provider, identity).await?;
        self.open_audited(user, created, client).await
    }

    /// Opens a session for a provider's user, recorded in the audit trail
    /// as a sign-up (`created`) or a sign-in.
    async fn open_audited(
        &self,
        user: User,
        created: bool,
        client: &ClientInfo,
    ) -> Result<Session, OAuthFlowError> {
        let session = self.auth.open_session(user, client).await?;
        let event = if created {
            AuthEvent::SignUp
        } else {
            AuthEvent::SignIn
        };
        self.auth.audit(
            event,
            Subject {
                user_id: Some(session.user.id),
                session_id: Some(session.session_id),
                client_ip: client.ip,
            },
        );
        Ok(session)
    }

    /// Signs in with an id_token from `provider`'s native SDK (Google's,
    /// Apple's), with the nonce the app gave that SDK, if any. The flag is
    /// `true` when the account was created by this call.
    ///
    /// # Errors
    /// `Validation` without a token, or with a token or nonce past its
    /// bound, or for a provider without native tokens; `NotConfigured`;
    /// `InvalidToken`; `Provider`; `EmailTaken`; storage errors.
    pub async fn sign_in_with_id_token(
        &self,
        provider: Provider,
        id_token: Option<&str>,
        nonce: Option<&str>,
        client: &ClientInfo,
    ) -> Result<(Session, bool), OAuthFlowError> {
        let Some(id_token) = id_token.filter(|t| !t.trim().is_empty()) else {
            return Err(OAuthFlowError::Validation(vec![FieldError::new(
                "id_token",
                format!("is required for provider {provider}"),
            )]));
        };
        let errors: Vec<FieldError> = [
            too_long("id_token", id_token, MAX_ID_TOKEN_CHARS),
            nonce.and_then(|n| too_long("nonce", n, MAX_NONCE_CHARS)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !errors.is_empty() {
            return Err(OAuthFlowError::Validation(errors));
        }
        let identity = self
            .provider(provider)?
            .verify_native_token(id_token, nonce.map(str::to_owned))
            .await
            .map_err(|e| OAuthFlowError::from_provider(provider, e))?;
        let (user, created) = self.upsert(provider, identity).await?;
        Ok((self.open_audited(user, created, client).await?, created))
    }
}
