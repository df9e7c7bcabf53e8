//! What the SQLite and PostgreSQL adapters share: row shapes, the refresh
//! rotation decision, and the translation of driver errors into `StoreError`.

mod bind;
mod errors;
mod interaction_row;
mod oauth_states;
mod refresh;
mod rows;

pub(crate) use bind::bind_interaction;
pub(crate) use errors::store_error;
pub(crate) use interaction_row::{usage_columns, InteractionRow, INTERACTION_COLUMNS};
pub(crate) use oauth_states::{OAuthStateRow, OAUTH_STATE_COLUMNS};
pub(crate) use refresh::{decide, family_lock_key, RefreshRow, Step, REFRESH_COLUMNS};
pub(crate) use rows::UserRow;
