//! The bearer security scheme: every protected operation takes a
//! `BearerAuth`, checked by the core on each request.

use std::sync::Arc;

use nextarget_ports::User;
use poem::Request;
use poem_openapi::{auth::Bearer, SecurityScheme};

use super::problem::Problem;
use nextarget_core::auth::AuthService;

/// `Authorization: Bearer <access_token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub User);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<User> {
    let auth = req
        .data::<Arc<AuthService>>()
        .ok_or_else(|| poem::Error::from(Problem::internal()))?;
    let user = auth
        .authenticate(&bearer.token)
        .await
        .map_err(|e| poem::Error::from(Problem::from(e)))?;
    // Into the request span, so its access-log line names the user.
    tracing::Span::current().record("user_id", tracing::field::display(user.id));
    Ok(user)
}
