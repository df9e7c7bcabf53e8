//! Sessions: refreshing one, signing out, listing and ending them.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, OpenApi};
use secrecy::SecretString;
use uuid::Uuid;

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::{Client, ClientIp},
    schemas::{LogoutRequest, RefreshRequest, SessionBody, SessionsBody, TokenResponse},
    security::BearerAuth,
};
use nextarget_core::auth::AuthService;

pub struct SessionsApi;

#[derive(ApiResponse)]
pub enum Ended {
    /// The sessions are ended: their refresh and access tokens stop working.
    #[oai(status = 204)]
    NoContent,
}

type RefreshErrors =
    ApiError<{ doc::BODY | doc::UNAUTHORIZED | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE }>;
type LogoutErrors = ApiError<{ doc::BODY | doc::UNAUTHORIZED | doc::UNAVAILABLE }>;
type ListErrors = ApiError<{ doc::UNAUTHORIZED | doc::UNAVAILABLE }>;
type EndErrors =
    ApiError<{ doc::BAD_REQUEST | doc::UNAUTHORIZED | doc::NOT_FOUND | doc::UNAVAILABLE }>;

#[OpenApi(tag = "ApiTags::Auth")]
impl SessionsApi {
    /// Exchange a refresh token for a new access token and a new refresh
    /// token; the one presented is spent.
    ///
    /// The previous refresh token may come back once within
    /// `auth.refresh_reuse_grace_secs` (a retry after a lost response) and
    /// then yields another new token. Any other spent token revokes its whole
    /// family and ends its session. Errors: 401 `invalid_refresh_token`
    /// (unknown, expired or revoked); 401 `refresh_token_reused` (a spent
    /// token came back: sign in again); 429 `too_many_attempts` (too many
    /// never-issued tokens from this client IP, see `Retry-After`).
    #[oai(path = "/auth/refresh", method = "post")]
    async fn refresh(
        &self,
        body: Json<RefreshRequest>,
        client: Client,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Json<TokenResponse>, RefreshErrors> {
        let token = SecretString::from(body.0.refresh_token.0);
        let session = service.refresh(&token, &client.0).await?;
        Ok(Json(session.into()))
    }

    /// Sign out: end the refresh token's session (`scope` `local`, the
    /// default), every other session of its user (`others`), or all of them
    /// (`global`). Each ended session's refresh and access tokens stop
    /// working at once.
    ///
    /// Errors: 401 `invalid_refresh_token` (unknown, expired or revoked).
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        body: Json<LogoutRequest>,
        client: ClientIp,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Ended, LogoutErrors> {
        let token = SecretString::from(body.0.refresh_token.0);
        let scope = body.0.scope.map(Into::into).unwrap_or_default();
        service.logout(&token, scope, client.0).await?;
        Ok(Ended::NoContent)
    }

    /// The signed-in user's live sessions, newest first; `current` marks
    /// this request's own.
    #[oai(path = "/auth/sessions", method = "get")]
    async fn sessions(
        &self,
        auth: BearerAuth,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Json<SessionsBody>, ListErrors> {
        let views = service.sessions(&auth.0).await?;
        Ok(Json(SessionsBody {
            items: views.into_iter().map(SessionBody::from).collect(),
        }))
    }

    /// End one of the signed-in user's sessions (this one too): its refresh
    /// and access tokens stop working at once.
    ///
    /// Errors: 404 `not_found` (not one of the caller's live sessions).
    #[oai(path = "/auth/sessions/:id", method = "delete")]
    async fn end_session(
        &self,
        auth: BearerAuth,
        /// A session id from `GET /auth/sessions`.
        id: Path<Uuid>,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Ended, EndErrors> {
        service.end_session(&auth.0, id.0).await?;
        Ok(Ended::NoContent)
    }
}
