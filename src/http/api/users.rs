use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, OpenApi};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    schemas::UserBody,
    security::BearerAuth,
};
use nextarget_core::auth::AuthService;

pub struct UsersApi;

#[derive(ApiResponse)]
pub enum Deleted {
    /// The user, their refresh tokens and their AI history are gone.
    #[oai(status = 204)]
    NoContent,
}

type Errors = ApiError<{ doc::UNAUTHORIZED | doc::UNAVAILABLE }>;

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
}
