//! What the SQLite and PostgreSQL adapters share: row shapes, the refresh
//! rotation decision, and the translation of driver errors into `StoreError`.

mod bind;
mod errors;
mod interaction_row;
mod interactions_impl;
mod oauth_states;
mod oauth_states_impl;
mod refresh;
mod refresh_tokens_impl;
mod rows;
mod users_impl;

pub(crate) use bind::bind_interaction;
pub(crate) use errors::store_error;
pub(crate) use interaction_row::{usage_columns, InteractionRow, INTERACTION_COLUMNS};
pub(crate) use interactions_impl::impl_interaction_repository;
pub(crate) use oauth_states::{OAuthStateRow, OAUTH_STATE_COLUMNS};
pub(crate) use oauth_states_impl::impl_oauth_state_store;
pub(crate) use refresh::{decide, family_lock_key, RefreshRow, Step, REFRESH_COLUMNS};
pub(crate) use refresh_tokens_impl::impl_refresh_token_store;
pub(crate) use rows::UserRow;
pub(crate) use users_impl::impl_user_repository;
