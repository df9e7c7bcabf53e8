//! Turns every `poem::Error` (poem-openapi's parse errors, the security
//! scheme's 401, unknown routes, our own problems) into problem+json.

use poem::{
    error::{MethodNotAllowedError, NotFoundError},
    http::StatusCode,
    Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, Result,
};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError,
    ParseRequestPayloadError,
};

use crate::http::problem::Problem;

pub struct ProblemErrors;

impl<E: Endpoint> Middleware<E> for ProblemErrors {
    type Output = ProblemErrorsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ProblemErrorsEndpoint { inner: ep }
    }
}

pub struct ProblemErrorsEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for ProblemErrorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        match self.inner.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(err) => {
                // Keep the matched route for the access log and metrics.
                let route = err.data::<PathPattern>().cloned();
                let mut resp = problem_for(err).into_response();
                if let Some(route) = route {
                    resp.set_data(route);
                }
                Ok(resp)
            }
        }
    }
}

/// The problem a `poem::Error` stands for.
pub fn problem_for(err: poem::Error) -> Problem {
    if let Some(problem) = err.downcast_ref::<Problem>() {
        return problem.clone();
    }
    // Only the shape is poem-openapi's to check (JSON, required fields,
    // types): ranges are the core's, so every parse failure is a 400.
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return Problem::bad_request(format!("invalid request body: {}", e.reason));
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return Problem::bad_request(format!("invalid parameter `{}`: {}", e.name, e.reason));
    }
    if err.is::<ParseMultipartError>() {
        return Problem::bad_request(err.to_string());
    }
    if err.is::<AuthorizationError>() {
        return Problem::unauthorized();
    }
    if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            e.to_string(),
        );
    }
    if err.is::<NotFoundError>() {
        return Problem::new(StatusCode::NOT_FOUND, "not_found", "no such resource");
    }
    if err.is::<MethodNotAllowedError>() {
        return Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here",
        );
    }
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, "unhandled error");
        return Problem::internal();
    }
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    };
    Problem::new(status, code, err.to_string())
}
