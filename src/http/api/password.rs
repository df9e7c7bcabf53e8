//! Passwords of local accounts: changing one while signed in.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{payload::Json, ApiResponse, OpenApi};
use secrecy::SecretString;

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::ClientIp,
    schemas::PasswordChangeRequest,
    security::BearerAuth,
};
use nextarget_core::auth::AuthService;

pub struct PasswordApi;

#[derive(ApiResponse)]
pub enum Changed {
    /// The password is changed; the user's other sessions are ended, this
    /// one stays.
    #[oai(status = 204)]
    NoContent,
}

type ChangeErrors = ApiError<
    { doc::BODY | doc::UNAUTHORIZED | doc::CONFLICT | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE },
>;

#[OpenApi(tag = "ApiTags::Auth")]
impl PasswordApi {
    /// Change the signed-in user's password. The new one follows the
    /// sign-up rule (8 to 72 UTF-8 bytes, not too guessable, not built from
    /// the email).
    ///
    /// Errors: 401 `invalid_credentials` (a wrong current password, counted
    /// like a failed sign-in); 409 `no_password` (an account that signs in
    /// through its provider); 422 `validation_error` (field
    /// `new_password`); 429 `too_many_attempts`.
    #[oai(path = "/auth/password", method = "post")]
    async fn change(
        &self,
        auth: BearerAuth,
        body: Json<PasswordChangeRequest>,
        client: ClientIp,
        service: Data<&Arc<AuthService>>,
    ) -> Result<Changed, ChangeErrors> {
        let current = SecretString::from(body.0.current_password.0);
        let new = SecretString::from(body.0.new_password.0);
        service
            .change_password(&auth.0, &current, &new, client.0)
            .await?;
        Ok(Changed::NoContent)
    }
}
