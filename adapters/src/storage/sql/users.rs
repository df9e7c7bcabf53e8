//! The `users` table: its row, and `UserRepository` on it for both stores.
//! The statements are portable (`$N` placeholders work on SQLite and
//! PostgreSQL), only the pool differs: `impl_sql_ports!` invokes the macro
//! once per store.

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

/// A user and the end of one of its sessions (the bearer check).
#[derive(sqlx::FromRow)]
pub(crate) struct LiveSessionRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub session_expires_at: chrono::DateTime<chrono::Utc>,
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

macro_rules! impl_user_repository {
    ($store:ty, $db:ty) => {
        const _: () = {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use nextarget_ports::{
            Email, LiveSession, NewUser, PasswordHash, Provider, StoreError, User, UserId,
            UserRepository,
        };
        use uuid::Uuid;

        use $crate::storage::sql::{store_error, LiveSessionRow, UserRow};

        const COLUMNS: &str = "id, email, provider, provider_subject, password_hash, created_at";
        const QUALIFIED: &str =
            "u.id, u.email, u.provider, u.provider_subject, u.password_hash, u.created_at";

        impl $store {
            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "users.find"))]
            async fn fetch_user(&self, sql: &str, bind: &[&str]) -> Result<Option<User>, StoreError> {
                // Every statement here is built from the constant column list only;
                // values are bound as `$n` parameters.
                let mut query = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql));
                for value in bind {
                    query = query.bind(*value);
                }
                let row = query
                    .fetch_optional(self.pool())
                    .await
                    .map_err(|e| store_error(e, "user"))?;
                row.map(User::try_from).transpose()
            }
        }

        #[async_trait]
        impl UserRepository for $store {
            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "users.create"))]
            async fn create(&self, user: &NewUser) -> Result<User, StoreError> {
                sqlx::query(
                    "INSERT INTO users (id, email, provider, provider_subject, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(user.id)
                .bind(user.email.as_str())
                .bind(user.provider.as_str())
                .bind(user.provider_subject.as_deref())
                .bind(user.password_hash.as_ref().map(|h| h.as_str()))
                .bind(user.created_at)
                .execute(self.pool())
                .await
                .map_err(|e| store_error(e, "user"))?;
                Ok(User::from(user.clone()))
            }

            async fn find_by_email(
                &self,
                email: &Email,
                provider: Provider,
            ) -> Result<Option<User>, StoreError> {
                let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1 AND provider = $2");
                self.fetch_user(&sql, &[email.as_str(), provider.as_str()])
                    .await
            }

            async fn find_by_subject(
                &self,
                provider: Provider,
                subject: &str,
            ) -> Result<Option<User>, StoreError> {
                let sql =
                    format!("SELECT {COLUMNS} FROM users WHERE provider = $1 AND provider_subject = $2");
                self.fetch_user(&sql, &[provider.as_str(), subject]).await
            }

            async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
                let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
                let row = sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(|e| store_error(e, "user"))?;
                row.map(User::try_from).transpose()
            }

            #[tracing::instrument(level = "debug", skip_all, fields(db.store = stringify!($store), db.operation = "users.find_by_session"))]
            async fn find_by_session(
                &self,
                id: UserId,
                session_id: Uuid,
                now: DateTime<Utc>,
            ) -> Result<Option<LiveSession>, StoreError> {
                let sql = format!(
                    "SELECT {QUALIFIED}, s.expires_at AS session_expires_at \
                     FROM users u JOIN sessions s ON s.user_id = u.id \
                     WHERE u.id = $1 AND s.id = $2 AND s.ended_at IS NULL AND s.expires_at > $3"
                );
                let row = sqlx::query_as::<_, LiveSessionRow>(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(session_id)
                    .bind(now)
                    .fetch_optional(self.pool())
                    .await
                    .map_err(|e| store_error(e, "user"))?;
                row.map(|row| {
                    Ok(LiveSession {
                        user: User::try_from(row.user)?,
                        expires_at: row.session_expires_at,
                    })
                })
                .transpose()
            }

            async fn set_password_hash(
                &self,
                id: UserId,
                hash: &PasswordHash,
            ) -> Result<bool, StoreError> {
                let err = |e| store_error(e, "user");
                let mut tx = self.pool().begin().await.map_err(err)?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                // What instances cached of the user is stale now.
                <$store>::signal_invalidation(&mut tx, id, None, chrono::Utc::now())
                    .await
                    .map_err(err)?;
                tx.commit().await.map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete(&self, id: UserId) -> Result<bool, StoreError> {
                let err = |e| store_error(e, "user");
                let mut tx = self.pool().begin().await.map_err(err)?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                <$store>::signal_invalidation(&mut tx, id, None, chrono::Utc::now())
                    .await
                    .map_err(err)?;
                tx.commit().await.map_err(err)?;
                Ok(done.rows_affected() > 0)
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1")
                    .execute(self.pool())
                    .await
                    .map_err(|e| store_error(e, "ping"))?;
                Ok(())
            }
        }
        };
    };
}

pub(crate) use impl_user_repository;
