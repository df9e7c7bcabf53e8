//! `ApiError<DOC>`: an operation's error type, documenting in the spec
//! exactly the statuses its `DOC` bits name (500 always).

use poem::{IntoResponse, Response};
use poem_openapi::{
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
    ApiResponse,
};

use super::problem::{Problem, ProblemBody, PROBLEM_JSON};

/// Status bits for `ApiError<{ A | B }>`.
pub mod doc {
    pub const BAD_REQUEST: u32 = 1 << 0;
    pub const UNAUTHORIZED: u32 = 1 << 1;
    pub const CONFLICT: u32 = 1 << 2;
    pub const PAYLOAD_TOO_LARGE: u32 = 1 << 3;
    pub const UNPROCESSABLE: u32 = 1 << 4;
    pub const TOO_MANY_REQUESTS: u32 = 1 << 5;
    pub const BAD_GATEWAY: u32 = 1 << 6;
    pub const UNAVAILABLE: u32 = 1 << 7;
    pub const GATEWAY_TIMEOUT: u32 = 1 << 8;
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 1 << 9;
    pub const NOT_FOUND: u32 = 1 << 10;
    /// What every operation with a JSON body can answer.
    pub const BODY: u32 = BAD_REQUEST | PAYLOAD_TOO_LARGE | UNSUPPORTED_MEDIA_TYPE | UNPROCESSABLE;
}

const TABLE: [(u32, u16, &str); 12] = [
    (doc::BAD_REQUEST, 400, "Malformed request: not JSON, a missing field or a wrong type (`bad_request`), or an operation-specific code"),
    (doc::UNAUTHORIZED, 401, "Missing, invalid, expired or revoked credentials (`unauthorized` and operation-specific codes)"),
    (doc::NOT_FOUND, 404, "No such resource of the caller's (`not_found`)"),
    (doc::CONFLICT, 409, "Conflicts with existing data (`email_taken`) or with the account (`no_password`)"),
    (doc::PAYLOAD_TOO_LARGE, 413, "Body over `server.body_limit_bytes` (`payload_too_large`)"),
    (doc::UNSUPPORTED_MEDIA_TYPE, 415, "The body is not of the media type the operation takes (`application/json`, or a form where one is posted) (`unsupported_media_type`)"),
    (doc::UNPROCESSABLE, 422, "A value out of its range or format (`validation_error`, with `errors`)"),
    (doc::TOO_MANY_REQUESTS, 429, "Rate limited; see `Retry-After`"),
    (0, 500, "Unexpected failure (`internal`); the cause is logged with the request id"),
    (doc::BAD_GATEWAY, 502, "An upstream provider failed"),
    (doc::UNAVAILABLE, 503, "A dependency is unavailable or not configured"),
    (doc::GATEWAY_TIMEOUT, 504, "An upstream provider timed out"),
];

/// An error answered as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError<const DOC: u32>(pub Problem);

impl<const DOC: u32> From<Problem> for ApiError<DOC> {
    fn from(problem: Problem) -> Self {
        Self(problem)
    }
}

fn header(
    name: &str,
    description: &str,
    schema: poem_openapi::registry::MetaSchemaRef,
) -> MetaHeader {
    MetaHeader {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        required: true,
        deprecated: false,
        schema,
    }
}

impl<const DOC: u32> ApiResponse for ApiError<DOC> {
    fn meta() -> MetaResponses {
        let responses = TABLE
            .iter()
            .filter(|(bit, _, _)| *bit == 0 || DOC & bit != 0)
            .map(|&(_, status, description)| {
                let mut headers = Vec::new();
                if status == 401 {
                    headers.push(header(
                        "WWW-Authenticate",
                        "Always `Bearer`",
                        String::schema_ref(),
                    ));
                }
                if status == 429 {
                    headers.push(header(
                        "Retry-After",
                        "Whole seconds to wait",
                        u64::schema_ref(),
                    ));
                }
                MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: ProblemBody::schema_ref(),
                    }],
                    headers,
                }
            })
            .collect();
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        ProblemBody::register(registry);
    }
}

impl<const DOC: u32> IntoResponse for ApiError<DOC> {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

impl<const DOC: u32> From<ApiError<DOC>> for poem::Error {
    fn from(err: ApiError<DOC>) -> Self {
        poem::Error::from(err.0)
    }
}
