//! What the bearer check needs, kept in memory: each instance caches the
//! live sessions it has checked (user and session end) and learns of every
//! change by push, so most authenticated requests need no query.
//!
//! - **The instance that ends a session** (or deletes a user, or changes a
//!   password) drops what it cached before it answers
//!   ([`CachedSessions`]): 401 at once there.
//! - **Every other instance** hears it from the database, in the
//!   transaction that made the change: PostgreSQL `NOTIFY` on
//!   [`PG_CHANNEL`] ([`pg_listen`]); with SQLite, a row of
//!   `session_invalidations` each process reads every 100 ms
//!   ([`sqlite_poll`]). Within 1 second, in practice within milliseconds.
//! - **When the channel is down** (not yet subscribed, connection lost, a
//!   poll failed) the cache is off: every request asks the database, and
//!   nothing is cached, until the channel is back; then the cache starts
//!   empty (a resync that cannot miss anything). Logged, in `/ready`'s
//!   body and in the `session_cache_live` gauge.
//! - **A race cannot leave a stale entry**: a lookup caches its answer only
//!   if no invalidation arrived while it ran (a generation counter).
//! - **Bounded**: at most [`MAX_ENTRIES`] sessions, about 0.35 KiB each
//!   (the user, the session's end, two index entries), so at most about
//!   17 MiB; past it, the cache starts over. An entry is never trusted past
//!   its session's end.

mod cached;
pub mod pg_listen;
pub mod sqlite_poll;

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Mutex,
    },
};

use chrono::{DateTime, Utc};
use nextarget_ports::{LiveSession, UserId};
use uuid::Uuid;

pub use cached::CachedSessions;

/// The PostgreSQL channel of session invalidations.
pub const PG_CHANNEL: &str = "nextarget_sessions";
/// The most sessions an instance caches.
pub const MAX_ENTRIES: usize = 50_000;

/// A NOTIFY payload: `<user>` (every session of the user) or
/// `<user>:<session>`.
pub fn payload(user_id: UserId, session_id: Option<Uuid>) -> String {
    match session_id {
        Some(session) => format!("{user_id}:{session}"),
        None => user_id.to_string(),
    }
}

/// A payload read back; `None` for anything else.
pub fn parse_payload(payload: &str) -> Option<(UserId, Option<Uuid>)> {
    match payload.split_once(':') {
        Some((user, session)) => Some((user.parse().ok()?, Some(session.parse().ok()?))),
        None => Some((payload.parse().ok()?, None)),
    }
}

#[derive(Default)]
struct State {
    sessions: HashMap<Uuid, LiveSession>,
    by_user: HashMap<UserId, Vec<Uuid>>,
}

/// The cache and its channel's health; see the module documentation.
#[derive(Default)]
pub struct SessionCache {
    state: Mutex<State>,
    generation: AtomicU64,
    live: AtomicBool,
}

impl SessionCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the channel is up (the cache is in use).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// The channel went up or down. Either way the cache starts empty: on
    /// the way up, nothing heard while down can be missed.
    pub fn set_live(&self, live: bool) {
        let was = self.live.swap(live, Ordering::SeqCst);
        self.clear();
        if was != live {
            if live {
                tracing::info!("session invalidations subscribed: sessions cached again");
            } else {
                tracing::warn!("session invalidations down: every request asks the database");
            }
        }
    }

    /// Drops every cached session (the next requests ask the database).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut state) = self.state.lock() {
            *state = State::default();
        }
    }

    /// The counter a lookup reads before asking the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The cached session `session_id` of `user_id`, live at `now`, while
    /// the channel is up.
    pub fn get(
        &self,
        user_id: UserId,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Option<LiveSession> {
        if !self.is_live() {
            return None;
        }
        let state = self.state.lock().ok()?;
        state
            .sessions
            .get(&session_id)
            .filter(|live| live.user.id == user_id && live.expires_at > now)
            .cloned()
    }

    /// Caches what a lookup that started at `generation` found, unless the
    /// channel is down or anything was invalidated since.
    pub fn put(&self, session_id: Uuid, live: &LiveSession, generation: u64) {
        if !self.is_live() {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        // Under the lock: an invalidation bumps the counter before it
        // takes the lock, so it is either seen here or applied after.
        if self.generation() != generation {
            return;
        }
        if state.sessions.len() >= MAX_ENTRIES {
            *state = State::default();
        }
        let user_id = live.user.id;
        if state.sessions.insert(session_id, live.clone()).is_none() {
            state.by_user.entry(user_id).or_default().push(session_id);
        }
    }

    /// Drops `session_id` of `user_id`, or every session of the user.
    pub fn invalidate(&self, user_id: UserId, session_id: Option<Uuid>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match session_id {
            Some(session) => {
                state.sessions.remove(&session);
                if let Some(list) = state.by_user.get_mut(&user_id) {
                    list.retain(|s| *s != session);
                }
            }
            None => {
                for session in state.by_user.remove(&user_id).unwrap_or_default() {
                    state.sessions.remove(&session);
                }
            }
        }
    }

    /// How many sessions are cached.
    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.sessions.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests;
