//! The caller's own history, newest first, paged by an opaque cursor.

use nextarget_ports::{Interaction, UserId};

use super::{cursor, AiError, AiService};
use crate::validation::FieldError;

pub const MAX_PAGE: u32 = 100;

pub struct HistoryPage {
    pub items: Vec<Interaction>,
    /// Pass it back as `cursor` for the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

impl AiService {
    /// One page of `user_id`'s interactions.
    ///
    /// # Errors
    /// `Validation` for a limit outside 1..=100 or a cursor this server did
    /// not issue; `StorageUnavailable` when the database is down.
    #[tracing::instrument(skip_all, fields(%user_id))]
    pub async fn history(
        &self,
        user_id: UserId,
        limit: u32,
        cursor_text: Option<&str>,
    ) -> Result<HistoryPage, AiError> {
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AiError::Validation(vec![FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_PAGE}"),
            )]));
        }
        let before = match cursor_text.filter(|c| !c.is_empty()) {
            None => None,
            Some(text) => Some(cursor::decode(text).ok_or_else(|| {
                AiError::Validation(vec![FieldError::new(
                    "cursor",
                    "is not a cursor issued by this API",
                )])
            })?),
        };
        let mut items = self
            .ports
            .history
            .list_for_user(user_id, before, limit + 1)
            .await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| cursor::encode(last.id))
        } else {
            None
        };
        Ok(HistoryPage { items, next_cursor })
    }
}
