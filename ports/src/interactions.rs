//! The `InteractionRepository` port: the history of every prompt and answer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::{fmt, str::FromStr};
use uuid::Uuid;

use crate::{error::StoreError, llm::Usage, user::UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    Completion,
    Coach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionStatus {
    Ok,
    Error,
    Cancelled,
}

macro_rules! string_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($ty))),
                }
            }
        }
    };
}

string_enum!(InteractionKind { Completion => "completion", Coach => "coach" });
string_enum!(InteractionStatus { Ok => "ok", Error => "error", Cancelled => "cancelled" });

/// One call that reached the LLM provider, whatever its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    /// UUID v7: ordering by id is ordering by time.
    pub id: Uuid,
    pub user_id: UserId,
    pub kind: InteractionKind,
    pub model: String,
    pub prompt: String,
    /// The answer, the partial answer of a cancelled stream, or `None`.
    pub response: Option<String>,
    pub status: InteractionStatus,
    /// The contract code of a failure (`upstream_timeout` ...).
    pub error_code: Option<String>,
    pub latency_ms: u64,
    pub usage: Option<Usage>,
    pub created_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait]
pub trait InteractionRepository: Send + Sync {
    /// Stores one interaction in a single statement; once a store returns
    /// `Ok` it is visible to [`InteractionRepository::list_for_user`].
    /// A buffering decorator (the adapters' `BufferedHistory`) may instead
    /// answer `Ok` for a row it keeps and writes once the store is back: the
    /// row is acknowledged, visible a little later.
    ///
    /// # Errors
    /// A store MUST return `Duplicate` when the id exists and `Unavailable`
    /// when it is down; a buffering decorator returns no error.
    async fn append(&self, interaction: &Interaction) -> Result<(), StoreError>;

    /// Stores `interactions` together: a store writes them in one
    /// transaction (one commit, one fsync), all or none. The default
    /// appends them one by one.
    ///
    /// # Errors
    /// As [`InteractionRepository::append`], for the first row that fails
    /// (a store then stored none of them).
    async fn append_many(&self, interactions: &[Interaction]) -> Result<(), StoreError> {
        for interaction in interactions {
            self.append(interaction).await?;
        }
        Ok(())
    }

    /// The user's interactions, newest first, with ids strictly below
    /// `before` when given, at most `limit`.
    ///
    /// # Errors
    /// `Unavailable` when the store is down.
    async fn list_for_user(
        &self,
        user_id: UserId,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Interaction>, StoreError>;

    /// Deletes at most `batch` of the oldest interactions created before
    /// `cutoff`, in one short transaction, and returns how many went
    /// (fewer than `batch`: none older are left). `None` when another
    /// server instance is deleting a batch right now (PostgreSQL's advisory
    /// lock): batches of two instances never run at once.
    ///
    /// # Errors
    /// `Unavailable` when the store is down.
    async fn delete_expired(
        &self,
        cutoff: DateTime<Utc>,
        batch: u32,
    ) -> Result<Option<u64>, StoreError>;
}
