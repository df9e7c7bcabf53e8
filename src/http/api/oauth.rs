//! Sign-in with Google, Facebook and Apple: the browser flow's `/start`
//! (302 to the provider) and `/callback` (a `TokenResponse`; Apple's is a
//! form post).

use std::sync::Arc;

use nextarget_ports::{ClientInfo, Provider};
use poem::web::Data;
use poem_openapi::{
    param::Query,
    payload::{Form, Json},
    ApiResponse, OpenApi,
};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::Client,
    problem::Problem,
    schemas::{AppleCallbackForm, TokenResponse},
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
/// A form post's too: a body too large, or not a form.
type FormCallbackErrors = ApiError<
    {
        doc::BAD_REQUEST
            | doc::UNAUTHORIZED
            | doc::CONFLICT
            | doc::PAYLOAD_TOO_LARGE
            | doc::UNSUPPORTED_MEDIA_TYPE
            | doc::BAD_GATEWAY
            | doc::UNAVAILABLE
    },
>;

async fn start(service: &OAuthService, provider: Provider) -> Result<Redirect, StartErrors> {
    let url = service.start(provider).await?;
    Ok(Redirect::Found(url, "no-store".into()))
}

async fn callback<const DOC: u32>(
    service: &OAuthService,
    provider: Provider,
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    client: &ClientInfo,
) -> Result<Json<TokenResponse>, ApiError<DOC>> {
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

    /// Starts Sign in with Apple: 302 to Apple with `response_type=code`,
    /// `response_mode=form_post`, `scope=name email`, `client_id` (the
    /// Services ID), `redirect_uri`, `state` and `nonce`.
    ///
    /// Errors: 503 `provider_not_configured` (also when Apple is set up for
    /// native sign-in only: the web flow needs the team id, key id, private
    /// key and redirect URI too).
    #[oai(path = "/auth/apple/start", method = "get")]
    async fn apple_start(
        &self,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        start(&service, Provider::Apple).await
    }

    /// Where Apple posts the sign-in back (`response_mode=form_post`, an
    /// `application/x-www-form-urlencoded` body): the code is exchanged with
    /// an ES256 client secret, the id_token checked, the user upserted
    /// (provider apple; `<sub>@apple.invalid` when Apple gives no email) and
    /// signed in.
    ///
    /// Errors: 400 `invalid_state` (missing, unknown, expired after 10 min,
    /// already used, or issued for another provider), 400 `oauth_denied`
    /// (`error`, e.g. `user_cancelled_authorize`), 400 `bad_request` (no
    /// `code`, an empty value, or a body that is not a form); 401
    /// `invalid_id_token` (signature, algorithm, `aud`, `iss`, `exp`,
    /// `nonce`, or a code Apple refused); 409 `email_taken`; 502
    /// `provider_error` (Apple unreachable, or refusing our client secret);
    /// 503 `provider_not_configured`.
    #[oai(path = "/auth/apple/callback", method = "post")]
    async fn apple_callback(
        &self,
        form: Form<AppleCallbackForm>,
        client: Client,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Json<TokenResponse>, FormCallbackErrors> {
        let form = form.0;
        if let Some(field) = form.empty_field() {
            return Err(Problem::bad_request(format!(
                "invalid form field `{field}`: must not be empty (minLength 1)"
            ))
            .into());
        }
        // `user` (the name, first sign-in only) is not stored yet.
        callback(
            &service,
            Provider::Apple,
            form.code,
            form.state,
            form.error,
            &client.0,
        )
        .await
    }
}
