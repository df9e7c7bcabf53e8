//! The answer of `GET /users/me/export`: one JSON document, `{"user",
//! "sessions", "history": [...]}`, written as the history is read from the
//! database, so that its size never sits in memory.
//!
//! The head (user and sessions) goes first, then the rows in groups of
//! those already read, then the closing `]}`. A database failure midway
//! aborts the body (the connection is cut before the chunked body ends):
//! a client can never take a truncated export for a whole one. The cause
//! is logged.

use futures::{
    stream::{self, BoxStream},
    StreamExt,
};
use poem::{Body, IntoResponse, Response};
use poem_openapi::{
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::{ToJSON, Type},
    ApiResponse, Object,
};

use super::schemas::{InteractionBody, SessionBody, UserBody};
use nextarget_core::ai::AiError;
use nextarget_ports::Interaction;

/// Rows written per chunk of the body, at most.
const ROWS_PER_CHUNK: usize = 100;

/// Everything the server keeps of the user (GDPR access and portability).
#[derive(Object)]
#[oai(rename = "UserExport")]
pub struct UserExportBody {
    pub user: UserBody,
    /// Their live sessions, newest first.
    pub sessions: Vec<SessionBody>,
    /// Their whole AI history, newest first.
    pub history: Vec<InteractionBody>,
}

pub struct ExportResponse {
    head: String,
    history: BoxStream<'static, Result<Interaction, AiError>>,
}

impl ExportResponse {
    pub fn new(
        user: UserBody,
        sessions: Vec<SessionBody>,
        history: BoxStream<'static, Result<Interaction, AiError>>,
    ) -> Self {
        let head = format!(
            "{{\"user\":{},\"sessions\":{},\"history\":[",
            user.to_json_string(),
            sessions.to_json_string()
        );
        Self { head, history }
    }
}

impl ApiResponse for ExportResponse {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The user, their sessions and their whole AI history, as one \
                              JSON document streamed as it is read",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: "application/json; charset=utf-8",
                    schema: UserExportBody::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        UserExportBody::register(registry);
    }
}

/// A group of rows as JSON text, each after a comma but the very first.
fn rows_json(rows: Vec<Result<Interaction, AiError>>, first: bool) -> std::io::Result<String> {
    let mut out = String::new();
    for (i, row) in rows.into_iter().enumerate() {
        let row = row.map_err(|err| {
            tracing::error!(error = %format!("{err:#}"), "export cut short: the history could not be read");
            std::io::Error::other("export cut short")
        })?;
        if !(first && i == 0) {
            out.push(',');
        }
        out.push_str(&InteractionBody::from(row).to_json_string());
    }
    Ok(out)
}

impl IntoResponse for ExportResponse {
    fn into_response(self) -> Response {
        let rows = self
            .history
            .ready_chunks(ROWS_PER_CHUNK)
            .enumerate()
            .map(|(i, rows)| rows_json(rows, i == 0));
        let body = stream::once(async move { Ok(self.head) })
            .chain(rows)
            .chain(stream::once(async { Ok("]}".to_owned()) }));
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(Body::from_bytes_stream(
                body.map(|chunk| chunk.map(bytes_of)),
            ))
    }
}

fn bytes_of(text: String) -> Vec<u8> {
    text.into_bytes()
}
