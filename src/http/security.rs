//! The bearer security scheme: every protected operation takes a
//! `BearerAuth`, checked by the core on each request (the token, its user
//! and its session, all live).

use std::sync::Arc;

use poem::Request;
use poem_openapi::{auth::Bearer, SecurityScheme};

use super::problem::Problem;
use nextarget_core::auth::{AuthService, Caller};

/// `Authorization: Bearer <access_token>`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub Caller);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<Caller> {
    let auth = req
        .data::<Arc<AuthService>>()
        .ok_or_else(|| poem::Error::from(Problem::internal()))?;
    let caller = auth
        .authenticate(&bearer.token)
        .await
        .map_err(|e| poem::Error::from(Problem::from(e)))?;
    // Into the request span, so its access-log line names the user.
    tracing::Span::current().record("user_id", tracing::field::display(caller.user.id));
    Ok(caller)
}
