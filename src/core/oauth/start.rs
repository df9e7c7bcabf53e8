//! `/auth/{provider}/start`: a fresh state, nonce and PKCE pair, stored for
//! ten minutes with the app's return when an app started the flow, and the
//! provider URL that carries them.

use chrono::Duration;
use nextarget_ports::{OAuthStateRecord, Provider, StoreContext};

use super::{
    secrets::{pkce_challenge, random_token},
    AppStartParams, OAuthFlowError, OAuthService, STATE_TTL_SECS,
};

impl OAuthService {
    /// Starts a web sign-in and returns the URL to redirect the browser to.
    /// With `app.redirect_to`, the flow ends in that app link (see
    /// [`OAuthService::exchange`]).
    ///
    /// # Errors
    /// `InvalidRedirect` and `Validation` for the app's parameters (see
    /// `app_return`), checked first; `NotConfigured` when the provider or
    /// its web flow is off; `Unavailable`/`Unknown` when the state cannot
    /// be stored.
    #[tracing::instrument(name = "oauth_start", skip_all)]
    pub async fn start(
        &self,
        provider: Provider,
        app: AppStartParams,
    ) -> Result<String, OAuthFlowError> {
        let app = self.app_return(app)?;
        let oauth = self.web_provider(provider)?;
        let now = self.ports.clock.now();
        let record = OAuthStateRecord {
            state: random_token(),
            provider,
            nonce: random_token(),
            pkce_verifier: random_token(),
            app,
            expires_at: now + Duration::seconds(STATE_TTL_SECS),
        };
        self.ports
            .states
            .put(&record, now)
            .await
            .context("Failed to store the OAuth state")?;
        let challenge = pkce_challenge(&record.pkce_verifier);
        Ok(oauth.authorization_url(&record.state, &record.nonce, &challenge))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Fixture;
    use super::*;

    #[tokio::test]
    async fn start_stores_a_ten_minute_state_and_sends_its_challenge() {
        let mut fx = Fixture::new();
        let now = fx.auth.now;
        fx.states
            .expect_put()
            .withf(move |r, _| {
                r.provider == Provider::Google
                    && r.expires_at == now + Duration::minutes(10)
                    && r.pkce_verifier.len() >= 43
            })
            .times(1)
            .returning(|_, _| Ok(()));
        fx.google
            .expect_authorization_url()
            .withf(|state, nonce, challenge| {
                state.len() >= 22 && !nonce.is_empty() && challenge.len() == 43
            })
            .returning(|state, _, _| format!("https://idp.example/auth?state={state}"));
        let url = fx
            .service()
            .start(Provider::Google, AppStartParams::default())
            .await
            .expect("url");
        assert!(url.starts_with("https://idp.example/auth?state="));
    }

    #[tokio::test]
    async fn an_unconfigured_provider_is_refused() {
        let fx = Fixture::new();
        let err = fx
            .service()
            .start(Provider::Facebook, AppStartParams::default())
            .await
            .err();
        assert!(
            matches!(err, Some(OAuthFlowError::NotConfigured(Provider::Facebook))),
            "{err:?}"
        );
    }
}
