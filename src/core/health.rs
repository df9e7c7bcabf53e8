//! Readiness: does every dependency answer?

use std::sync::Arc;

use nextarget_ports::{RateLimiter, UserRepository};

/// A state shown in `/ready`'s body that does not decide readiness (the
/// instance works either way).
pub type Probe = Arc<dyn Fn() -> bool + Send + Sync>;

pub struct Readiness {
    database: Arc<dyn UserRepository>,
    /// Checked only when the limiter lives outside the process (Redis).
    shared_limiter: Option<Arc<dyn RateLimiter>>,
    probes: Vec<(&'static str, Probe)>,
}

impl Readiness {
    pub fn new(
        database: Arc<dyn UserRepository>,
        shared_limiter: Option<Arc<dyn RateLimiter>>,
    ) -> Self {
        Self {
            database,
            shared_limiter,
            probes: Vec::new(),
        }
    }

    /// Adds a state shown beside the checks, never deciding readiness.
    #[must_use]
    pub fn with_probe(mut self, name: &'static str, probe: Probe) -> Self {
        self.probes.push((name, probe));
        self
    }

    /// The informational states, now.
    pub fn probes(&self) -> Vec<(&'static str, bool)> {
        self.probes
            .iter()
            .map(|(name, probe)| (*name, probe()))
            .collect()
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
