use chrono::{DateTime, Utc};
use nextarget_ports::{Interaction, StoreError, Usage};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct InteractionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub model: String,
    pub prompt: String,
    pub response: Option<String>,
    pub status: String,
    pub error_code: Option<String>,
    pub latency_ms: i64,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub(crate) const INTERACTION_COLUMNS: &str = "id, user_id, kind, model, prompt, response, status, \
     error_code, latency_ms, prompt_tokens, completion_tokens, total_tokens, created_at";

fn unknown(e: String) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!(e))
}

fn tokens(value: Option<i64>) -> u32 {
    value.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

impl TryFrom<InteractionRow> for Interaction {
    type Error = StoreError;

    fn try_from(row: InteractionRow) -> Result<Self, Self::Error> {
        let usage = row.total_tokens.map(|total| Usage {
            prompt_tokens: tokens(row.prompt_tokens),
            completion_tokens: tokens(row.completion_tokens),
            total_tokens: tokens(Some(total)),
        });
        Ok(Interaction {
            id: row.id,
            user_id: row.user_id,
            kind: row.kind.parse().map_err(unknown)?,
            model: row.model,
            prompt: row.prompt,
            response: row.response,
            status: row.status.parse().map_err(unknown)?,
            error_code: row.error_code,
            latency_ms: u64::try_from(row.latency_ms).unwrap_or(0),
            usage,
            created_at: row.created_at,
        })
    }
}

/// The usage columns of an interaction, as bound parameters.
pub(crate) fn usage_columns(i: &Interaction) -> [Option<i64>; 3] {
    match i.usage {
        Some(u) => [
            Some(i64::from(u.prompt_tokens)),
            Some(i64::from(u.completion_tokens)),
            Some(i64::from(u.total_tokens)),
        ],
        None => [None, None, None],
    }
}
