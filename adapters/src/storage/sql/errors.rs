use nextarget_ports::StoreError;

/// Translates a sqlx error: unique violations become `Duplicate(rule)`,
/// connection trouble becomes `Unavailable`, the rest `Unknown`.
pub(crate) fn store_error(err: sqlx::Error, rule: &'static str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(rule),
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.into()),
        sqlx::Error::Database(db) if is_connection_failure(db.code().as_deref()) => {
            StoreError::Unavailable(err.into())
        }
        _ => StoreError::Unknown(err.into()),
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection exception) and 57P (operator
/// intervention: shutdown, restart) mean "try again later", not a bug.
fn is_connection_failure(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}
