use super::Text;
use chrono::{DateTime, Utc};
use nextarget_ports::{Interaction, InteractionKind, InteractionStatus, Usage};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use nextarget_core::ai::{CompletionInput, CompletionOutput, HistoryPage, StreamSummary};

/// A prompt for the LLM.
#[derive(Debug, Object)]
pub struct CompletionRequestBody {
    /// 1 to `llm.max_prompt_chars` characters (default 8000), not only
    /// whitespace; longer is 422 `prompt_too_long`.
    pub prompt: Text,
    /// An optional system prompt, up to 8000 characters.
    #[oai(nullable)]
    pub system: Option<Text>,
    /// One of `llm.allowed_models`; the configured model when absent.
    #[oai(nullable)]
    pub model: Option<Text>,
    /// 0 to 2.
    #[oai(nullable)]
    pub temperature: Option<f64>,
    /// 1 to 32768.
    #[oai(nullable)]
    pub max_tokens: Option<i64>,
    /// Answer as server-sent events: `data: {"delta"}` chunks, then
    /// `event: done` with the summary.
    #[oai(nullable)]
    pub stream: Option<bool>,
}

impl From<CompletionRequestBody> for CompletionInput {
    fn from(b: CompletionRequestBody) -> Self {
        CompletionInput {
            prompt: b.prompt.into(),
            system: b.system.map(String::from),
            model: b.model.map(String::from),
            temperature: b.temperature,
            max_tokens: b.max_tokens,
        }
    }
}

#[derive(Debug, Clone, Copy, Object, serde::Serialize)]
#[oai(rename = "Usage")]
pub struct UsageBody {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub total_tokens: u32,
}

impl From<Usage> for UsageBody {
    fn from(u: Usage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

/// A whole completion.
#[derive(Debug, Object)]
pub struct CompletionBody {
    /// The id of the stored interaction (see `/ai/history`).
    pub id: Uuid,
    pub model: String,
    pub content: String,
    /// Same as `content`, for the v0.1 app.
    #[oai(deprecated)]
    pub completion: String,
    pub finish_reason: String,
    pub usage: UsageBody,
    /// Time spent waiting on the provider.
    pub latency_ms: u64,
    pub created_at: DateTime<Utc>,
}

impl From<CompletionOutput> for CompletionBody {
    fn from(o: CompletionOutput) -> Self {
        Self {
            id: o.id,
            model: o.model,
            completion: o.content.clone(),
            content: o.content,
            finish_reason: o.finish_reason,
            usage: o.usage.into(),
            latency_ms: o.latency_ms,
            created_at: o.created_at,
        }
    }
}

/// The data of the last server-sent event, `event: done`.
#[derive(Debug, Object, serde::Serialize)]
pub struct StreamDoneBody {
    pub id: Uuid,
    pub model: String,
    pub finish_reason: String,
    pub usage: UsageBody,
    pub latency_ms: u64,
}

impl From<StreamSummary> for StreamDoneBody {
    fn from(s: StreamSummary) -> Self {
        Self {
            id: s.id,
            model: s.model,
            finish_reason: s.finish_reason,
            usage: s.usage.into(),
            latency_ms: s.latency_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename = "InteractionKind", rename_all = "lowercase")]
pub enum KindName {
    Completion,
    Coach,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename = "InteractionStatus", rename_all = "lowercase")]
pub enum StatusName {
    Ok,
    Error,
    Cancelled,
}

/// One call to the LLM, as stored.
#[derive(Debug, Object)]
#[oai(rename = "Interaction")]
pub struct InteractionBody {
    pub id: Uuid,
    pub kind: KindName,
    pub model: String,
    pub prompt: String,
    /// null when the call failed before any answer.
    #[oai(nullable)]
    pub response: Option<String>,
    pub status: StatusName,
    /// The problem `code` of a failed call; null when `ok`.
    #[oai(nullable)]
    pub error_code: Option<String>,
    pub latency_ms: u64,
    /// null when the provider reported none.
    #[oai(nullable)]
    pub usage: Option<UsageBody>,
    pub created_at: DateTime<Utc>,
}

impl From<Interaction> for InteractionBody {
    fn from(i: Interaction) -> Self {
        Self {
            id: i.id,
            kind: match i.kind {
                InteractionKind::Completion => KindName::Completion,
                InteractionKind::Coach => KindName::Coach,
            },
            model: i.model,
            prompt: i.prompt,
            response: i.response,
            status: match i.status {
                InteractionStatus::Ok => StatusName::Ok,
                InteractionStatus::Error => StatusName::Error,
                InteractionStatus::Cancelled => StatusName::Cancelled,
            },
            error_code: i.error_code,
            latency_ms: i.latency_ms,
            usage: i.usage.map(UsageBody::from),
            created_at: i.created_at,
        }
    }
}

/// A page of history, newest first.
#[derive(Debug, Object)]
pub struct HistoryBody {
    pub items: Vec<InteractionBody>,
    /// Pass as `cursor` to get the next, older page; null at the end.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

impl From<HistoryPage> for HistoryBody {
    fn from(p: HistoryPage) -> Self {
        Self {
            items: p.items.into_iter().map(InteractionBody::from).collect(),
            next_cursor: p.next_cursor,
        }
    }
}
