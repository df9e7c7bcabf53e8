use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, OpenApi};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    export_response::ExportResponse,
    schemas::{DailyUsageBody, SessionBody, UserBody},
    security::BearerAuth,
};
use nextarget_core::{ai::AiService, auth::AuthService};

pub struct UsersApi;

#[derive(ApiResponse)]
pub enum Deleted {
    /// The user, their refresh tokens and their AI history are gone.
    #[oai(status = 204)]
    NoContent,
}

type Errors = ApiError<{ doc::UNAUTHORIZED | doc::UNAVAILABLE }>;
type ExportErrors = ApiError<{ doc::UNAUTHORIZED | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE }>;

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// The signed-in user.
    #[oai(path = "/users/me", method = "get")]
    async fn me(&self, auth: BearerAuth) -> Result<Json<UserBody>, Errors> {
        Ok(Json(UserBody::from(&auth.0.user)))
    }

    /// Deletes the signed-in user's account, sessions and AI history; their
    /// access tokens stop working at once.
    #[oai(path = "/users/me", method = "delete")]
    async fn delete_me(
        &self,
        auth: BearerAuth,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Deleted, Errors> {
        service.delete_account(auth.0.user.id).await?;
        Ok(Deleted::NoContent)
    }

    /// The signed-in user's AI usage of the current UTC day: tokens charged
    /// against `rate_limit.ai_tokens_per_day` (`tokens_limit` null when
    /// there is no daily budget) and calls made, beside the per-minute
    /// request limit.
    #[oai(path = "/users/me/usage", method = "get")]
    async fn usage(
        &self,
        auth: BearerAuth,
        ai: Data<&Arc<AiService>>,
    ) -> Result<Json<DailyUsageBody>, Errors> {
        Ok(Json(ai.usage(auth.0.user.id).await?.into()))
    }

    /// Everything the server keeps of the signed-in user, as one JSON
    /// document: the user, their live sessions and their whole AI history
    /// (newest first), streamed as it is read from the database, so a
    /// history of any size is served in bounded memory. At most one export
    /// per user per minute: 429 `rate_limited` with `Retry-After`.
    #[oai(path = "/users/me/export", method = "get")]
    async fn export(
        &self,
        auth: BearerAuth,
        ai: Data<&Arc<AiService>>,
        service: Data<&Arc<AuthService>>,
    ) -> Result<ExportResponse, ExportErrors> {
        let history = ai.export_history(auth.0.user.id).await?;
        let sessions = service.sessions(&auth.0).await?;
        Ok(ExportResponse::new(
            UserBody::from(&auth.0.user),
            sessions.into_iter().map(SessionBody::from).collect(),
            history,
        ))
    }
}
