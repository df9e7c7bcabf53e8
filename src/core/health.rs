//! Readiness: does every dependency answer?

use std::sync::Arc;

use nextarget_ports::UserRepository;

pub struct Readiness {
    database: Arc<dyn UserRepository>,
}

impl Readiness {
    pub fn new(database: Arc<dyn UserRepository>) -> Self {
        Self { database }
    }

    /// Each dependency's name and whether it answered.
    pub async fn check(&self) -> Vec<(&'static str, bool)> {
        let database = match self.database.ping().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, "readiness: database does not answer");
                false
            }
        };
        vec![("database", database)]
    }
}
