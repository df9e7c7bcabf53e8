//! Passwords of local accounts: changing one while signed in, and the
//! forgot-password flow by mail.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{param::Header, payload::Json, ApiResponse, OpenApi};
use secrecy::SecretString;

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    client_ip::ClientIp,
    schemas::{
        ForgotPasswordAccepted, ForgotPasswordRequest, PasswordChangeRequest, ResetPasswordRequest,
    },
    security::BearerAuth,
};
use nextarget_core::auth::{AuthService, MailLanguage};

pub struct PasswordApi;

#[derive(ApiResponse)]
pub enum Changed {
    /// The password is changed; the user's other sessions are ended, this
    /// one stays.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
pub enum ForgotAccepted {
    /// Accepted: when a local account has this email, a reset link is
    /// mailed to it. The same answer either way.
    #[oai(status = 202)]
    Accepted(Json<ForgotPasswordAccepted>),
}

#[derive(ApiResponse)]
pub enum ResetDone {
    /// The password is set; every session of the user is ended and the
    /// account's failed sign-ins are forgotten.
    #[oai(status = 204)]
    NoContent,
}

type ForgotErrors = ApiError<{ doc::BODY | doc::TOO_MANY_REQUESTS | doc::UNAVAILABLE }>;
type ResetErrors = ApiError<{ doc::BODY | doc::UNAVAILABLE }>;

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

    /// Ask for a reset link by mail. The answer (202, same body) and its
    /// time are the same whether or not a local account has the email; the
    /// mail goes out off the request, in French unless `Accept-Language`
    /// prefers English, linking to `mail.reset_url` with the token.
    ///
    /// Errors: 422 `validation_error` (not an email); 429
    /// `too_many_attempts` (3 requests an hour per email, 20 per client IP;
    /// see `Retry-After`).
    #[oai(path = "/auth/password/forgot", method = "post")]
    async fn forgot(
        &self,
        body: Json<ForgotPasswordRequest>,
        /// `en` preferred over `fr` picks the English message.
        #[oai(name = "Accept-Language")]
        accept_language: Header<Option<String>>,
        client: ClientIp,
        service: Data<&Arc<AuthService>>,
    ) -> Result<ForgotAccepted, ForgotErrors> {
        let language = MailLanguage::from_accept_language(accept_language.0.as_deref());
        service
            .forgot_password(&body.0.email, client.0, language)
            .await?;
        Ok(ForgotAccepted::Accepted(Json(ForgotPasswordAccepted {
            detail: "if a local account has this email, a reset link is on its way".into(),
        })))
    }

    /// Set a new password with a reset link's token (single use, valid
    /// `auth.password_reset_ttl_secs`). Every session of the user ends.
    ///
    /// Errors: 400 `invalid_reset_token` (unknown, used or expired); 422
    /// `validation_error` (field `new_password`, the sign-up rule).
    #[oai(path = "/auth/password/reset", method = "post")]
    async fn reset(
        &self,
        body: Json<ResetPasswordRequest>,
        service: Data<&Arc<AuthService>>,
    ) -> Result<ResetDone, ResetErrors> {
        let token = SecretString::from(body.0.token.0);
        let new = SecretString::from(body.0.new_password.0);
        service.reset_password(&token, &new).await?;
        Ok(ResetDone::NoContent)
    }
}
