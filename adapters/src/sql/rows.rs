use chrono::{DateTime, Utc};
use nextarget_ports::{Email, PasswordHash, StoreError, User};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub provider: String,
    pub provider_subject: Option<String>,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(User {
            id: row.id,
            email: Email::from_trusted(row.email),
            provider: row
                .provider
                .parse()
                .map_err(|e: String| StoreError::Unknown(anyhow::anyhow!(e)))?,
            provider_subject: row.provider_subject,
            password_hash: row.password_hash.map(PasswordHash::new),
            created_at: row.created_at,
        })
    }
}
