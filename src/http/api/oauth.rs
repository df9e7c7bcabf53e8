//! Sign-in with Google, Facebook and Apple: the browser flow's `/start`
//! (302 to the provider) and `/callback` (a `TokenResponse`, or for a flow
//! an app started a 302 to the app link; Apple's callback is a form post),
//! and `POST /auth/exchange`, where the app swaps its one-time code.

use std::sync::Arc;

use nextarget_ports::{ClientInfo, Provider};
use poem::web::Data;
use poem_openapi::{
    param::Query,
    payload::{Form, Json},
    ApiResponse, OpenApi,
};
use secrecy::{ExposeSecret, SecretString};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::Client,
    problem::Problem,
    schemas::{AppleCallbackForm, ExchangeRequest, TokenResponse},
};
use nextarget_core::oauth::{
    AppLanding, AppStartParams, CallbackOutcome, CallbackParams, OAuthService,
};

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

/// How a callback answers.
#[derive(ApiResponse)]
pub enum CallbackAnswer {
    /// Signed in: a flow started without `redirect_to`.
    #[oai(status = 200)]
    SignedIn(Json<TokenResponse>),
    /// A flow an app started with `redirect_to`: to that app link with
    /// `code` (one-time, 60 s, for `POST /auth/exchange`) and `app_state`
    /// (when the app gave one), or, when the sign-in failed after the
    /// state was found, with `error` (the contract code the JSON answer
    /// would carry: `oauth_denied`, `invalid_id_token`,
    /// `invalid_provider_token`, `email_taken`, `provider_error`,
    /// `bad_request`, `service_unavailable`, `internal`) and `app_state`.
    #[oai(status = 302)]
    ToApp(
        #[oai(header = "location")] String,
        #[oai(header = "cache-control")] String,
    ),
}

type StartErrors = ApiError<{ doc::BAD_REQUEST | doc::UNPROCESSABLE | doc::UNAVAILABLE }>;
type ExchangeErrors = ApiError<{ doc::BODY | doc::UNAVAILABLE }>;
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

async fn start(
    service: &OAuthService,
    provider: Provider,
    app: AppStartParams,
) -> Result<Redirect, StartErrors> {
    let url = service.start(provider, app).await?;
    Ok(Redirect::Found(url, "no-store".into()))
}

async fn callback<const DOC: u32>(
    service: &OAuthService,
    provider: Provider,
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    client: &ClientInfo,
) -> Result<CallbackAnswer, ApiError<DOC>> {
    let params = CallbackParams { code, state, error };
    Ok(match service.callback(provider, params, client).await? {
        CallbackOutcome::SignedIn(session) => CallbackAnswer::SignedIn(Json(session.into())),
        CallbackOutcome::ToApp(landing) => {
            CallbackAnswer::ToApp(app_location(landing), "no-store".into())
        }
    })
}

/// The app link with `code` or `error`, then `app_state`, appended to its
/// query (the link is used as configured, byte for byte). A failure is
/// logged as its JSON answer would be.
fn app_location(landing: AppLanding) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    match landing.result {
        Ok(code) => query.append_pair("code", code.expose_secret()),
        Err(err) => {
            let problem = Problem::from(err);
            tracing::info!(
                code = problem.code,
                "web sign-in ended in the app with an error"
            );
            query.append_pair("error", problem.code)
        }
    };
    if let Some(app_state) = &landing.app_state {
        query.append_pair("app_state", app_state);
    }
    let separator = if landing.redirect_to.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{}", landing.redirect_to, query.finish())
}

#[OpenApi(tag = "ApiTags::Auth")]
impl OAuthApi {
    /// Starts Google sign-in: 302 to Google with `response_type=code`,
    /// `client_id`, `redirect_uri`, `scope=openid email profile`, `state`,
    /// `nonce`, `code_challenge` and `code_challenge_method=S256`.
    ///
    /// An app ends the flow in itself by adding `redirect_to` (an app link
    /// of `oauth.app_redirect_urls`), its own `code_challenge` (S256) and
    /// optionally `app_state`: the callback then answers 302 to the app
    /// link with a one-time code for `POST /auth/exchange`.
    ///
    /// Errors: 400 `invalid_redirect` (`redirect_to` not allowed); 422
    /// `validation_error` (`code_challenge` missing or not S256, another
    /// method, an empty or over-long `app_state`, or any of them without
    /// `redirect_to`); 503 `provider_not_configured`.
    #[oai(path = "/auth/google/start", method = "get")]
    async fn google_start(
        &self,
        /// An app link to end the flow in (see the callback): one of
        /// `oauth.app_redirect_urls`, exactly.
        redirect_to: Query<Option<String>>,
        /// With `redirect_to` (required then): the S256 challenge of the
        /// app's own PKCE verifier, which `POST /auth/exchange` will want.
        code_challenge: Query<Option<String>>,
        /// With `redirect_to`: `S256`, the only method taken (the default).
        code_challenge_method: Query<Option<String>>,
        /// With `redirect_to`: the app's opaque value, handed back on the
        /// app link as it came.
        app_state: Query<Option<String>>,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        let app = AppStartParams {
            redirect_to: redirect_to.0,
            code_challenge: code_challenge.0,
            code_challenge_method: code_challenge_method.0,
            app_state: app_state.0,
        };
        start(&service, Provider::Google, app).await
    }

    /// Where Google sends the browser back: the user is upserted (provider
    /// google) and signed in. A flow an app started with `redirect_to`
    /// answers 302 to the app link instead, with a one-time `code` or, for
    /// a failure after the state was found, `error` (see the 302 answer).
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
    ) -> Result<CallbackAnswer, CallbackErrors> {
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
    /// An app ends the flow in itself by adding `redirect_to` (an app link
    /// of `oauth.app_redirect_urls`), its own `code_challenge` (S256) and
    /// optionally `app_state`: the callback then answers 302 to the app
    /// link with a one-time code for `POST /auth/exchange`.
    ///
    /// Errors: as Google's.
    #[oai(path = "/auth/facebook/start", method = "get")]
    async fn facebook_start(
        &self,
        /// An app link to end the flow in (see the callback): one of
        /// `oauth.app_redirect_urls`, exactly.
        redirect_to: Query<Option<String>>,
        /// With `redirect_to` (required then): the S256 challenge of the
        /// app's own PKCE verifier, which `POST /auth/exchange` will want.
        code_challenge: Query<Option<String>>,
        /// With `redirect_to`: `S256`, the only method taken (the default).
        code_challenge_method: Query<Option<String>>,
        /// With `redirect_to`: the app's opaque value, handed back on the
        /// app link as it came.
        app_state: Query<Option<String>>,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        let app = AppStartParams {
            redirect_to: redirect_to.0,
            code_challenge: code_challenge.0,
            code_challenge_method: code_challenge_method.0,
            app_state: app_state.0,
        };
        start(&service, Provider::Facebook, app).await
    }

    /// Where Facebook sends the browser back: the user is upserted (provider
    /// facebook; `<facebook id>@facebook.invalid` when Facebook gives no
    /// email) and signed in; a flow an app started ends in the app, as
    /// Google's does.
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
    ) -> Result<CallbackAnswer, CallbackErrors> {
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
    /// An app ends the flow in itself by adding `redirect_to` (an app link
    /// of `oauth.app_redirect_urls`), its own `code_challenge` (S256) and
    /// optionally `app_state`: the callback then answers 302 to the app
    /// link with a one-time code for `POST /auth/exchange`.
    ///
    /// Errors: as Google's; 503 `provider_not_configured` also when Apple is
    /// set up for native sign-in only (the web flow needs the team id, key
    /// id, private key and redirect URI too).
    #[oai(path = "/auth/apple/start", method = "get")]
    async fn apple_start(
        &self,
        /// An app link to end the flow in (see the callback): one of
        /// `oauth.app_redirect_urls`, exactly.
        redirect_to: Query<Option<String>>,
        /// With `redirect_to` (required then): the S256 challenge of the
        /// app's own PKCE verifier, which `POST /auth/exchange` will want.
        code_challenge: Query<Option<String>>,
        /// With `redirect_to`: `S256`, the only method taken (the default).
        code_challenge_method: Query<Option<String>>,
        /// With `redirect_to`: the app's opaque value, handed back on the
        /// app link as it came.
        app_state: Query<Option<String>>,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Redirect, StartErrors> {
        let app = AppStartParams {
            redirect_to: redirect_to.0,
            code_challenge: code_challenge.0,
            code_challenge_method: code_challenge_method.0,
            app_state: app_state.0,
        };
        start(&service, Provider::Apple, app).await
    }

    /// Where Apple posts the sign-in back (`response_mode=form_post`, an
    /// `application/x-www-form-urlencoded` body): the code is exchanged with
    /// an ES256 client secret, the id_token checked, the user upserted
    /// (provider apple; `<sub>@apple.invalid` when Apple gives no email) and
    /// signed in; a flow an app started ends in the app (302 after the
    /// post), as Google's does.
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
    ) -> Result<CallbackAnswer, FormCallbackErrors> {
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

    /// Ends a web sign-in an app started with `redirect_to`: swaps the
    /// one-time `code` the callback put on the app link, with the PKCE
    /// `code_verifier` whose S256 challenge the app sent to `/start`, for a
    /// session. A code works once, within 60 s of the callback, on any
    /// instance; a wrong verifier spends it too.
    ///
    /// Errors: 400 `invalid_grant` (unknown, used or expired code, or a
    /// verifier that does not match); 422 `validation_error` (an empty or
    /// over-long code, a verifier outside RFC 7636's 43 to 128 characters
    /// of A-Z a-z 0-9 - . _ ~); 503 when the database is unavailable.
    #[oai(path = "/auth/exchange", method = "post")]
    async fn exchange(
        &self,
        body: Json<ExchangeRequest>,
        client: Client,
        service: Data<&Arc<OAuthService>>,
    ) -> Result<Json<TokenResponse>, ExchangeErrors> {
        let body = body.0;
        let verifier = SecretString::from(body.code_verifier.0);
        let session = service.exchange(&body.code, &verifier, &client.0).await?;
        Ok(Json(session.into()))
    }
}
