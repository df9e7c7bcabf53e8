//! The answer of `POST /ai/completions`: one JSON body, or a stream of
//! server-sent events when the request asked for `stream: true`. Both are a
//! 200, documented as one response with two media types.

use std::time::Duration;

use futures::{stream::BoxStream, StreamExt};
use poem::{
    web::sse::{Event, SSE},
    IntoResponse, Response,
};
use poem_openapi::{
    payload::Json,
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
    ApiResponse, Enum, Object,
};

use super::{
    problem::Problem,
    schemas::{CompletionBody, StreamDoneBody},
};
use nextarget_core::ai::StreamItem;

/// A comment line this often keeps proxies from timing the stream out, and
/// is how a client that went away is noticed while the provider is silent.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// The name of a server-sent event of a streamed completion.
#[derive(Enum)]
#[oai(rename = "StreamEventName", rename_all = "lowercase")]
pub enum StreamEventName {
    /// A chunk: `data` is `{"delta": "..."}`.
    Message,
    /// The last event: `data` is a `StreamDoneBody`.
    Done,
    /// A failure mid-stream: `data` is a `Problem`.
    Error,
}

/// One server-sent event of a streamed completion (what each event of the
/// `text/event-stream` answer holds, as OpenAPI 3.2 reads an event stream).
#[derive(Object)]
#[oai(rename = "StreamEvent")]
pub struct StreamEventDoc {
    /// Absent for `message` events.
    pub event: Option<StreamEventName>,
    /// JSON text, whose shape the event name gives.
    pub data: String,
}

pub enum CompletionResponse {
    Whole(Json<CompletionBody>),
    Stream(BoxStream<'static, StreamItem>),
}

impl ApiResponse for CompletionResponse {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The completion: JSON, or with `stream: true` server-sent events \
                              (`data: {\"delta\": \"...\"}` chunks, then `event: done` whose data is \
                              a `StreamDoneBody`; a failure mid-stream ends with `event: error` \
                              whose data is a `Problem`)",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: CompletionBody::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: "text/event-stream",
                        schema: StreamEventDoc::schema_ref(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        CompletionBody::register(registry);
        StreamDoneBody::register(registry);
        StreamEventDoc::register(registry);
    }
}

fn event(item: StreamItem) -> Event {
    match item {
        StreamItem::Delta(delta) => {
            Event::message(serde_json::json!({ "delta": delta }).to_string())
        }
        StreamItem::Done(summary) => {
            let body = serde_json::to_string(&StreamDoneBody::from(summary)).unwrap_or_default();
            Event::message(body).event_type("done")
        }
        StreamItem::Failed(err) => {
            let problem = Problem::from(err);
            Event::message(problem.to_json()).event_type("error")
        }
    }
}

impl IntoResponse for CompletionResponse {
    fn into_response(self) -> Response {
        match self {
            CompletionResponse::Whole(json) => json.into_response(),
            CompletionResponse::Stream(items) => SSE::new(items.map(event))
                .keep_alive(KEEP_ALIVE)
                .into_response(),
        }
    }
}
