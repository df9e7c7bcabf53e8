//! Readiness: does every dependency answer?

use std::sync::Arc;

use nextarget_ports::{RateLimiter, UserRepository};

pub struct Readiness {
    database: Arc<dyn UserRepository>,
    /// Checked only when the limiter lives outside the process (Redis).
    shared_limiter: Option<Arc<dyn RateLimiter>>,
}

impl Readiness {
    pub fn new(
        database: Arc<dyn UserRepository>,
        shared_limiter: Option<Arc<dyn RateLimiter>>,
    ) -> Self {
        Self {
            database,
            shared_limiter,
        }
    }

    /// Each dependency's name and whether it answered.
    pub async fn check(&self) -> Vec<(&'static str, bool)> {
        let mut report = Vec::with_capacity(2);
        let database = self.database.ping().await;
        if let Err(err) = &database {
            tracing::warn!(error = %err, "readiness: database does not answer");
        }
        report.push(("database", database.is_ok()));
        if let Some(limiter) = &self.shared_limiter {
            let redis = limiter.ping().await;
            if let Err(err) = &redis {
                tracing::warn!(error = %err, "readiness: redis does not answer");
            }
            report.push(("redis", redis.is_ok()));
        }
        report
    }
}
