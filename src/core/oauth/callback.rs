//! `/auth/{provider}/callback`, and the session a provider's sign-in opens.

use std::sync::Arc;

use nextarget_ports::{
    AuthEvent, ClientInfo, OAuthProvider, OAuthStateRecord, Provider, StoreContext, User,
};

use super::{AppLanding, OAuthFlowError, OAuthService};
use crate::auth::{Session, Subject};

/// What the provider sent back to the callback URL.
#[derive(Debug, Default, Clone)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// How a callback ends.
pub enum CallbackOutcome {
    /// A flow started without `redirect_to`: the session, for a
    /// `TokenResponse`.
    SignedIn(Session),
    /// A flow an app started: the app link, with a one-time code or the
    /// failure.
    ToApp(AppLanding),
}

impl OAuthService {
    /// Finishes a web sign-in: spends the state, exchanges the code, upserts
    /// the user and opens a session; or, for a flow an app started, issues
    /// a one-time code for the app.
    ///
    /// # Errors
    /// `NotConfigured` when the provider or its web flow is off (nothing
    /// is read or spent then); `Denied` for `?error=`; `InvalidState` for a
    /// missing, unknown, expired, spent or other-provider state (the state
    /// is spent either way). A flow an app started (a state with its
    /// return) answers every later failure as `ToApp` with the error
    /// instead: `MissingCode`; `InvalidToken`/`Provider` from the provider;
    /// `EmailTaken`; storage errors.
    #[tracing::instrument(name = "oauth_callback", skip_all)]
    pub async fn callback(
        &self,
        provider: Provider,
        params: CallbackParams,
        client: &ClientInfo,
    ) -> Result<CallbackOutcome, OAuthFlowError> {
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
        // A state of another provider is spent, and no state here.
        let record = record.filter(|r| r.provider == provider);
        let app = record.as_ref().and_then(|r| r.app.clone());
        let signed_in = self.sign_in_from_callback(oauth, record, params).await;
        match app {
            Some(app) => Ok(CallbackOutcome::ToApp(self.land(app, signed_in).await)),
            None => {
                let (user, created) = signed_in?;
                let session = self.open_audited(user, created, client).await?;
                Ok(CallbackOutcome::SignedIn(session))
            }
        }
    }

    /// The user the callback proves, and whether it was created now.
    async fn sign_in_from_callback(
        &self,
        oauth: &Arc<dyn OAuthProvider>,
        record: Option<OAuthStateRecord>,
        params: CallbackParams,
    ) -> Result<(User, bool), OAuthFlowError> {
        if let Some(error) = params.error {
            return Err(OAuthFlowError::Denied(error));
        }
        let record = record.ok_or(OAuthFlowError::InvalidState)?;
        let code = params
            .code
            .filter(|c| !c.is_empty())
            .ok_or(OAuthFlowError::MissingCode)?;
        let provider = record.provider;
        let identity = oauth
            .exchange_code(&code, &record.pkce_verifier, &record.nonce)
            .await
            .map_err(|e| OAuthFlowError::from_provider(provider, e))?;
        self.upsert(provider, identity).await
    }

    /// Opens a session for a provider's user, recorded in the audit trail
    /// as a sign-up (`created`) or a sign-in.
    pub(super) async fn open_audited(
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
}
