//! Sign-in with Google and Facebook: the browser flow's `/start` (302 to
//! the provider) and `/callback` (a `TokenResponse`).

use std::sync::Arc;

use nextarget_ports::{ClientInfo, Provider};
use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, ApiResponse, OpenApi};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::Client,
    schemas::TokenResponse,
};
use nextarget_core::oauth::{CallbackParams, OAuthService};

pub struct OAuthApi;

#[derive(ApiResponse)]
pub enum Redirect {
    /// To the provider's consent page; `state` is good for 10 minutes, once.
    #[oai(status = 302)]
    Found(
        #[oai(header = "location")] String,
        #[oai(header = "cache-control")] String,
    ),
}

type StartErrors = ApiError<{ doc::UNAVAILABLE }>;
type CallbackErrors = ApiError<
    { doc::BAD_REQUEST | doc::UNAUTHORIZED | doc::CONFLICT | doc::BAD_GATEWAY | doc::UNAVAILABLE },
>;

async fn start(service: &OAuthService, provider: Provider) -> Result<Redirect, StartErrors> {
    let url = service.start(provider).await?;
    Ok(Redirect::Found(url, "no-store".into()))
}

async fn callback(
    service: &OAuthService,
    provider: Provider,
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    client: &ClientInfo,
) -> Result<Json<TokenResponse>, CallbackErrors> {
    let params = CallbackParams { code, state, error };
    let session = service.callback(provider, params, client).await?;
    Ok(Json(session.into()))
}

#[OpenApi(tag = "ApiTags::Auth")]
impl OAuthApi {
    /// Starts Google sign-in: 302 to Google with `response_type=code`,
    /// `client_id`, `redirect_uri`, `scope=openid email profile`, `state`,
    /// `nonce`, `code_challenge` and `code_challenge_method=S256`.
    ///
    /// Errors: 503 `provider_not_configured`.
    #[oai(path = "/auth/google/start", method = "get")]
    async fn google_start(
        &self,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        start(&service, Provider::Google).await
    }

    /// Where Google sends the browser back: the user is upserted (provider
    /// google) and signed in.
    ///
    /// Errors: 400 `invalid_state` (missing, unknown, expired after 10 min,
    /// already used, or issued for Facebook), 400 `oauth_denied` (`?error=`),
    /// 400 `bad_request` (no `code`); 401 `invalid_id_token` (signature,
    /// algorithm, `aud`, `iss`, `exp`, `nonce`, or a code Google refused);
    /// 409 `email_taken`; 502 `provider_error`; 503 `provider_not_configured`.
    #[oai(path = "/auth/google/callback", method = "get")]
    async fn google_callback(
        &self,
        /// The authorization code.
        #[oai(validator(min_length = 1))]
        code: Query<Option<String>>,
        /// The `state` issued by `/auth/google/start`.
        #[oai(validator(min_length = 1))]
        state: Query<Option<String>>,
        /// Set by Google when the user declined or the request failed.
        #[oai(validator(min_length = 1))]
        error: Query<Option<String>>,
        client: Client,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Json<TokenResponse>, CallbackErrors> {
        callback(
            &service,
            Provider::Google,
            code.0,
            state.0,
            error.0,
            &client.0,
        )
        .await
    }

    /// Starts Facebook sign-in: 302 to the Facebook dialog with `client_id`,
    /// `redirect_uri`, `state`, `scope=email` and `response_type=code`.
    ///
    /// Errors: 503 `provider_not_configured`.
    #[oai(path = "/auth/facebook/start", method = "get")]
    async fn facebook_start(
        &self,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        start(&service, Provider::Facebook).await
    }

    /// Where Facebook sends the browser back: the user is upserted (provider
    /// facebook; `<facebook id>@facebook.invalid` when Facebook gives no
    /// email) and signed in.
    ///
    /// Errors: as Google's callback, with 401 `invalid_provider_token`.
    #[oai(path = "/auth/facebook/callback", method = "get")]
    async fn facebook_callback(
        &self,
        /// The authorization code.
        #[oai(validator(min_length = 1))]
        code: Query<Option<String>>,
        /// The `state` issued by `/auth/facebook/start`.
        #[oai(validator(min_length = 1))]
        state: Query<Option<String>>,
        /// Set by Facebook when the user declined or the request failed.
        #[oai(validator(min_length = 1))]
        error: Query<Option<String>>,
        client: Client,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Json<TokenResponse>, CallbackErrors> {
        callback(
            &service,
            Provider::Facebook,
            code.0,
            state.0,
            error.0,
            &client.0,
        )
        .await
    }
}
