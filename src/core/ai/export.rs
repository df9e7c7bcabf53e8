//! The history part of a user's export (`GET /users/me/export`): every row,
//! newest first, read a page at a time so that memory stays bounded
//! whatever the history's size; at most one export per user per minute.

use futures::stream::{self, BoxStream, StreamExt};
use nextarget_ports::{Interaction, UserId};
use uuid::Uuid;

use super::{AiError, AiService};

/// Rows read from the store at a time: what an export holds in memory.
pub const EXPORT_PAGE: u32 = 500;

/// Exports a user may start per minute.
const EXPORTS_PER_MINUTE: u32 = 1;

/// Where the paging stands.
enum Cursor {
    Start,
    Below(Uuid),
    Done,
}

impl AiService {
    /// Admits one export of `user_id` and returns their whole history,
    /// newest first, read [`EXPORT_PAGE`] rows at a time (keyset paging on
    /// the id, each page its own short query: no transaction is held for
    /// the length of the export). Rows written after the export started
    /// are not in it.
    ///
    /// # Errors
    /// `RateLimited` for a second export within a minute. A store failure
    /// midway comes as the stream's last item.
    pub async fn export_history(
        &self,
        user_id: UserId,
    ) -> Result<BoxStream<'static, Result<Interaction, AiError>>, AiError> {
        let now = self.ports.clock.now();
        let key = format!("export:{user_id}");
        self.check_rate("export", &key, EXPORTS_PER_MINUTE, now)
            .await?;
        let history = self.ports.history.clone();
        let pages = stream::unfold(Cursor::Start, move |cursor| {
            let history = history.clone();
            async move {
                let before = match cursor {
                    Cursor::Start => None,
                    Cursor::Below(id) => Some(id),
                    Cursor::Done => return None,
                };
                let page = match history.list_for_user(user_id, before, EXPORT_PAGE).await {
                    Ok(page) => page,
                    Err(err) => return Some((vec![Err(AiError::from(err))], Cursor::Done)),
                };
                let next = match page.last() {
                    Some(last) if page.len() == EXPORT_PAGE as usize => Cursor::Below(last.id),
                    _ => Cursor::Done,
                };
                Some((page.into_iter().map(Ok).collect::<Vec<_>>(), next))
            }
        });
        Ok(pages.flat_map(stream::iter).boxed())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use nextarget_ports::{InteractionKind, InteractionStatus, RateDecision, StoreError};

    use super::super::test_support::Fixture;
    use super::*;

    fn row(user_id: UserId) -> Interaction {
        Interaction {
            id: Uuid::now_v7(),
            user_id,
            kind: InteractionKind::Completion,
            model: "m".into(),
            prompt: "p".into(),
            response: None,
            status: InteractionStatus::Ok,
            error_code: None,
            latency_ms: 1,
            usage: None,
            created_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn the_history_is_read_page_by_page_below_the_last_id() {
        let user = Uuid::now_v7();
        let mut fx = Fixture::new();
        fx.allow_all();
        let full: Vec<Interaction> = (0..EXPORT_PAGE).map(|_| row(user)).collect();
        let last = full.last().map(|r| r.id);
        fx.history
            .expect_list_for_user()
            .withf(|_, before, limit| before.is_none() && *limit == EXPORT_PAGE)
            .times(1)
            .return_once(move |_, _, _| Ok(full));
        fx.history
            .expect_list_for_user()
            .withf(move |_, before, _| *before == last)
            .times(1)
            .return_once(move |_, _, _| Ok(vec![row(user)]));
        let rows: Vec<_> = fx
            .service()
            .export_history(user)
            .await
            .expect("admitted")
            .collect()
            .await;
        assert_eq!(rows.len(), EXPORT_PAGE as usize + 1);
        assert!(rows.iter().all(Result::is_ok));
    }

    #[tokio::test]
    async fn a_store_failure_midway_ends_the_stream_with_it() {
        let mut fx = Fixture::new();
        fx.allow_all();
        fx.history
            .expect_list_for_user()
            .return_once(|_, _, _| Err(StoreError::Unavailable(anyhow::anyhow!("down"))));
        let rows: Vec<_> = fx
            .service()
            .export_history(Uuid::now_v7())
            .await
            .expect("admitted")
            .collect()
            .await;
        assert!(matches!(rows[..], [Err(AiError::StorageUnavailable(_))]));
    }

    #[tokio::test]
    async fn a_second_export_within_the_minute_is_refused() {
        let mut fx = Fixture::new();
        fx.limiter
            .expect_check()
            .withf(|key, limit, _| key.starts_with("export:") && limit.max == 1)
            .returning(|_, _, _| {
                Ok(RateDecision::Limited {
                    retry_after_secs: 42,
                })
            });
        fx.history.expect_list_for_user().never();
        let err = fx.service().export_history(Uuid::now_v7()).await.err();
        assert!(
            matches!(
                err,
                Some(AiError::RateLimited {
                    retry_after_secs: 42
                })
            ),
            "{err:?}"
        );
    }
}
