use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, OpenApi};
use secrecy::SecretString;

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::ClientIp,
    schemas::{RefreshRequest, TokenResponse},
};
use nextarget_core::auth::AuthService;

pub struct SessionsApi;

#[derive(ApiResponse)]
pub enum LoggedOut {
    /// The token's family (this sign-in's every refresh token) is revoked.
    #[oai(status = 204)]
    NoContent,
}

type RefreshErrors =
    ApiError<{ doc::BODY | doc::UNAUTHORIZED | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE }>;
type LogoutErrors = ApiError<{ doc::BODY | doc::UNAUTHORIZED | doc::UNAVAILABLE }>;

#[OpenApi(tag = "ApiTags::Auth")]
impl SessionsApi {
    /// Exchange a refresh token for a new access token and a new refresh
    /// token; the one presented is spent.
    ///
    /// The previous refresh token may come back once within
    /// `auth.refresh_reuse_grace_secs` (a retry after a lost response) and
    /// then yields another new token. Any other spent token revokes its whole
    /// family. Errors: 401 `invalid_refresh_token` (unknown, expired or
    /// revoked); 401 `refresh_token_reused` (a spent token came back: sign in
    /// again); 429 `too_many_attempts` (too many failures from this client IP,
    /// see `Retry-After`).
    #[oai(path = "/auth/refresh", method = "post")]
    async fn refresh(
        &self,
        body: Json<RefreshRequest>,
        client: ClientIp,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Json<TokenResponse>, RefreshErrors> {
        let token = SecretString::from(body.0.refresh_token.0);
        let session = service.refresh(&token, client.0).await?;
        Ok(Json(session.into()))
    }

    /// Sign out: revoke the refresh token's family (every token of that
    /// sign-in). Access tokens already issued live out their short TTL.
    ///
    /// Errors: 401 `invalid_refresh_token` (unknown, expired or revoked).
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        body: Json<RefreshRequest>,
        service: Data<&Arc<AuthService>>,
    ) -> Result<LoggedOut, LogoutErrors> {
        let token = SecretString::from(body.0.refresh_token.0);
        service.logout(&token).await?;
        Ok(LoggedOut::NoContent)
    }
}
