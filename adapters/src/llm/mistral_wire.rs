//! Wire format of the OpenAI-compatible chat completions API (Mistral), and
//! the state machine turning its server-sent events into [`StreamEvent`]s.

use nextarget_ports::llm::{ChatRole, Completion, CompletionRequest, LlmError, StreamEvent, Usage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sse::SseEvent;

#[derive(Serialize)]
pub(super) struct WireRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<Value>,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

impl<'a> WireRequest<'a> {
    pub(super) fn new(request: &'a CompletionRequest, stream: bool) -> Self {
        let messages = request
            .messages
            .iter()
            .map(|m| WireMessage {
                role: match m.role {
                    ChatRole::System => "system",
                    ChatRole::User => "user",
                    ChatRole::Assistant => "assistant",
                },
                content: &m.content,
            })
            .collect();
        Self {
            model: &request.model,
            messages,
            temperature: request.temperature,
            max_tokens: request.max_tokens,
            stream,
            response_format: request
                .json_mode
                .then(|| serde_json::json!({"type": "json_object"})),
        }
    }
}

#[derive(Deserialize, Default, Clone, Copy)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
    #[serde(default)]
    total_tokens: u32,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

#[derive(Deserialize)]
struct WireCompletion {
    model: Option<String>,
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireContent,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireContent {
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
struct WireChunk {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChunkChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChunkChoice {
    delta: Option<WireContent>,
    finish_reason: Option<String>,
}

/// Content is a string, `null`, or (newer Mistral models) a list of parts.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

pub(super) fn malformed(what: &str) -> LlmError {
    LlmError::Upstream {
        status: Some(200),
        message: format!("malformed {what} from provider"),
    }
}

/// Parses a 2xx body of a non-streamed completion.
pub(super) fn parse_completion(body: &[u8], fallback_model: &str) -> Result<Completion, LlmError> {
    let wire: WireCompletion = serde_json::from_slice(body).map_err(|_| malformed("completion"))?;
    let choice = wire
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| malformed("completion (no choices)"))?;
    Ok(Completion {
        model: wire.model.unwrap_or_else(|| fallback_model.to_owned()),
        content: text_of(&choice.message.content),
        finish_reason: choice.finish_reason.unwrap_or_else(|| "unknown".into()),
        usage: wire.usage.unwrap_or_default().into(),
    })
}

/// What the stream state machine wants done after one SSE event.
pub(super) enum Step {
    /// Keep reading.
    Continue,
    /// The stream is over; nothing may follow.
    End,
}

/// Accumulates the stream's model, finish reason and usage.
pub(super) struct StreamState {
    model: String,
    finish_reason: Option<String>,
    usage: Usage,
}

impl StreamState {
    pub(super) fn new(model: &str) -> Self {
        Self {
            model: model.to_owned(),
            finish_reason: None,
            usage: Usage::default(),
        }
    }

    fn done(&mut self) -> StreamEvent {
        StreamEvent::Done {
            model: std::mem::take(&mut self.model),
            finish_reason: self
                .finish_reason
                .take()
                .unwrap_or_else(|| "unknown".into()),
            usage: self.usage,
        }
    }

    /// Handles one SSE event, pushing what the caller should see to `out`.
    pub(super) fn on_event(
        &mut self,
        event: &SseEvent,
        out: &mut Vec<Result<StreamEvent, LlmError>>,
    ) -> Step {
        let data = event.data.trim();
        if data == "[DONE]" {
            out.push(Ok(self.done()));
            return Step::End;
        }
        if data.is_empty() {
            return Step::Continue;
        }
        let Ok(chunk) = serde_json::from_str::<WireChunk>(data) else {
            out.push(Err(malformed("stream chunk")));
            return Step::End;
        };
        if let Some(model) = chunk.model {
            self.model = model;
        }
        if let Some(usage) = chunk.usage {
            self.usage = usage.into();
        }
        if let Some(choice) = chunk.choices.into_iter().next() {
            let text = choice
                .delta
                .map(|d| text_of(&d.content))
                .unwrap_or_default();
            if !text.is_empty() {
                out.push(Ok(StreamEvent::Delta(text)));
            }
            if let Some(reason) = choice.finish_reason {
                self.finish_reason = Some(reason);
            }
        }
        Step::Continue
    }

    /// The body ended without `[DONE]`: fine after a finish reason, else an error.
    pub(super) fn on_eof(&mut self) -> Result<StreamEvent, LlmError> {
        if self.finish_reason.is_some() {
            Ok(self.done())
        } else {
            Err(LlmError::Upstream {
                status: Some(200),
                message: "stream ended before completion".into(),
            })
        }
    }
}
