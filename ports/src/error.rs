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

impl StoreError {
    /// The same error with what the caller was doing ("Failed to ...") on
    /// top of its cause, so a 500 in the log names the operation.
    #[must_use]
    pub fn context(self, doing: &'static str) -> Self {
        match self {
            Self::Duplicate(rule) => Self::Duplicate(rule),
            Self::Unavailable(cause) => Self::Unavailable(cause.context(doing)),
            Self::Unknown(cause) => Self::Unknown(cause.context(doing)),
        }
    }
}

/// [`StoreError::context`] on a store call's result:
/// `users.find_by_id(id).await.context("Failed to load the user")?`.
pub trait StoreContext<T> {
    /// # Errors
    /// The store's error, with `doing` on top of its cause.
    fn context(self, doing: &'static str) -> Result<T, StoreError>;
}

impl<T> StoreContext<T> for Result<T, StoreError> {
    fn context(self, doing: &'static str) -> Result<T, StoreError> {
        self.map_err(|err| err.context(doing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_names_the_operation_above_the_cause() {
        let err: Result<(), StoreError> = Err(StoreError::Unknown(anyhow::anyhow!("disk I/O")));
        let Err(StoreError::Unknown(cause)) = err.context("Failed to load the user") else {
            panic!("still unknown");
        };
        assert_eq!(format!("{cause:#}"), "Failed to load the user: disk I/O");
    }

    #[test]
    fn a_duplicate_keeps_its_rule() {
        let err = StoreError::Duplicate("users_email_provider").context("Failed to create");
        assert!(matches!(err, StoreError::Duplicate("users_email_provider")));
    }
}
