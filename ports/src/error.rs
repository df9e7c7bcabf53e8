//! Errors that storage adapters report to the core.

/// What a storage adapter can tell the core about a failed call.
///
/// Adapters translate their driver's errors into these variants; the core
/// never sees a driver type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the payload names the rule
    /// (for example `"users_email_provider"`).
    #[error("duplicate value for {0}")]
    Duplicate(&'static str),
    /// The store cannot be reached right now (connection refused, pool
    /// exhausted, database restarting). Callers answer 503.
    #[error("storage unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else the adapter could not classify.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}
