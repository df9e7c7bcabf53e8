//! The `Clock` port: every expiry, TTL and rate window reads it, so tests
//! control time instead of sleeping.

use chrono::{DateTime, Utc};

#[cfg_attr(feature = "mocks", mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant, in UTC.
    fn now(&self) -> DateTime<Utc>;
}
