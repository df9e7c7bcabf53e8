use std::sync::Arc;

use nextarget_ports::Provider;
use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, OpenApi};
use secrecy::SecretString;

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::Client,
    schemas::{LoginRequest, RegisterProvider, RegisterRequest, TokenResponse},
};
use nextarget_core::{
    auth::AuthService,
    oauth::{NativeToken, OAuthService},
};

pub struct AuthApi;

#[derive(ApiResponse)]
pub enum Registered {
    /// Account created and signed in.
    #[oai(status = 201)]
    Created(Json<TokenResponse>),
    /// Google, Apple and Facebook only: that account already existed;
    /// signed in.
    #[oai(status = 200)]
    SignedIn(Json<TokenResponse>),
}

type RegisterErrors = ApiError<
    { doc::BODY | doc::UNAUTHORIZED | doc::CONFLICT | doc::BAD_GATEWAY | doc::UNAVAILABLE },
>;
type LoginErrors =
    ApiError<{ doc::BODY | doc::UNAUTHORIZED | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE }>;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign up with email and password (`provider: local`), or sign in with
    /// what a provider's native SDK gave the app: an id_token from Google's
    /// SDK (`provider: google`) or Sign in with Apple (`provider: apple`),
    /// with `nonce` when the app set one; for `provider: facebook`, the
    /// Facebook SDK's user `access_token` (checked at Graph's `debug_token`
    /// under the app token: valid, issued to this app, not expired; then
    /// `/me` with `appsecret_proof`), or on iOS the Limited Login
    /// `id_token` (with `nonce`): 201 when that account is new, 200 when it
    /// already existed.
    ///
    /// Errors: 409 `email_taken`; 422 `validation_error` (bad email, missing
    /// or weak password, password over 72 bytes, a missing token, both an
    /// id_token and an access_token, or an access_token for google or
    /// apple); 400 `bad_request` for another provider; 401
    /// `invalid_id_token` (signature, algorithm, `aud`, `iss`, `exp`,
    /// `nonce`); 401 `invalid_provider_token` (a Facebook access token that
    /// is invalid, expired or another app's); 502 `provider_error` (the
    /// provider unreachable, or its keys unreadable); 503
    /// `provider_not_configured`.
    #[oai(path = "/auth/register", method = "post")]
    async fn register(
        &self,
        body: Json<RegisterRequest>,
        client: Client,
        service: Data<&Arc<AuthService>>,
        oauth: Data<&Arc<OAuthService>>,
    ) -> Result<Registered, RegisterErrors> {
        let body = body.0;
        match body.provider.unwrap_or(RegisterProvider::Local) {
            RegisterProvider::Local => {
                let password = body.password.map(|p| SecretString::from(p.0));
                let session = service
                    .register_local(body.email.as_deref(), password.as_ref(), &client.0)
                    .await?;
                Ok(Registered::Created(Json(session.into())))
            }
            RegisterProvider::Google => {
                native_sign_in(&oauth, Provider::Google, &body, &client).await
            }
            RegisterProvider::Apple => {
                native_sign_in(&oauth, Provider::Apple, &body, &client).await
            }
            RegisterProvider::Facebook => {
                native_sign_in(&oauth, Provider::Facebook, &body, &client).await
            }
        }
    }

    /// Sign in with email and password.
    ///
    /// Errors: 401 `invalid_credentials` (the same for an unknown email and a
    /// wrong password); 429 `too_many_attempts` once the account has
    /// `auth.max_failed_logins` failures in a row, or the client IP
    /// `auth.max_failed_logins_per_ip` (50 by default): the wait
    /// (`Retry-After`) is 30 s, doubling with each further failure, at most
    /// 15 min, and holds even for the right password.
    #[oai(path = "/auth/login", method = "post")]
    async fn login(
        &self,
        body: Json<LoginRequest>,
        client: Client,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Json<TokenResponse>, LoginErrors> {
        let password = SecretString::from(body.0.password.0);
        let session = service.login(&body.0.email, &password, &client.0).await?;
        Ok(Json(session.into()))
    }
}

/// A native sign-in with the body's `id_token` (and `nonce`) or
/// `access_token`: 201 when the account was created, 200 when it existed.
async fn native_sign_in(
    oauth: &OAuthService,
    provider: Provider,
    body: &RegisterRequest,
    client: &Client,
) -> Result<Registered, RegisterErrors> {
    let token = NativeToken {
        id_token: body.id_token.as_deref(),
        access_token: body.access_token.as_deref(),
        nonce: body.nonce.as_deref(),
    };
    let (session, created) = oauth.sign_in_native(provider, token, &client.0).await?;
    Ok(if created {
        Registered::Created(Json(session.into()))
    } else {
        Registered::SignedIn(Json(session.into()))
    })
}
