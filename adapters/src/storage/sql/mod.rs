//! What the SQLite and PostgreSQL adapters share, one file per table: its
//! row shape and the port implemented on it (a macro invoked once per
//! store: the statements are portable, only the pool differs), plus the
//! translation of driver errors into `StoreError`.

mod app_codes;
mod errors;
mod interactions;
mod oauth_states;
mod refresh_tokens;
mod reset_tokens;
mod sessions;
mod users;

pub(crate) use app_codes::{impl_app_code_store, AppCodeRow, APP_CODE_COLUMNS};
pub(crate) use errors::store_error;
pub(crate) use interactions::{
    bind_interaction, impl_interaction_repository, usage_columns, InteractionRow, DELETE_EXPIRED,
    INTERACTION_COLUMNS,
};
pub(crate) use oauth_states::{impl_oauth_state_store, OAuthStateRow, OAUTH_STATE_COLUMNS};
pub(crate) use refresh_tokens::{impl_refresh_token_store, RefreshRow, REFRESH_COLUMNS};
pub(crate) use reset_tokens::impl_password_reset_store;
pub(crate) use sessions::{statements as session_sql, SessionRow, MAX_LISTED_SESSIONS};
pub(crate) use users::{impl_user_repository, LiveSessionRow, UserRow};

/// Every storage port on `$store`, whose `pool()` is a `sqlx::Pool<$db>`
/// and which supplies `begin_rotation` (see `refresh_tokens`) and
/// `begin_retention` (see `interactions`).
macro_rules! impl_sql_ports {
    ($store:ty, $db:ty) => {
        $crate::storage::sql::impl_user_repository!($store, $db);
        $crate::storage::sql::impl_interaction_repository!($store, $db);
        $crate::storage::sql::impl_oauth_state_store!($store);
        $crate::storage::sql::impl_refresh_token_store!($store, $db);
        $crate::storage::sql::impl_password_reset_store!($store);
        $crate::storage::sql::impl_app_code_store!($store);
    };
}

pub(crate) use impl_sql_ports;
