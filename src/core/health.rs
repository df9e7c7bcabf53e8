//! Readiness: does every dependency answer, and is the instance staying?

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use nextarget_ports::{RateLimiter, UserRepository};

/// A state shown in `/ready`'s body that does not decide readiness (the
/// instance works either way).
pub type Probe = Arc<dyn Fn() -> bool + Send + Sync>;

pub struct Readiness {
    database: Arc<dyn UserRepository>,
    /// Checked only when the limiter lives outside the process (Redis).
    shared_limiter: Option<Arc<dyn RateLimiter>>,
    probes: Vec<(&'static str, Probe)>,
    /// Set once on SIGTERM: the balancer should send its work elsewhere.
    draining: AtomicBool,
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
            draining: AtomicBool::new(false),
        }
    }

    /// The instance is stopping: from now on it is not ready, whatever its
    /// dependencies say. There is no way back: a stopping process exits.
    pub fn begin_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether [`Readiness::begin_draining`] was called.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
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
