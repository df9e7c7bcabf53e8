//! What the SQLite and PostgreSQL adapters share: row shapes and the
//! translation of driver errors into `StoreError`.

mod errors;
mod oauth_states;
mod rows;

pub(crate) use errors::store_error;
pub(crate) use oauth_states::{OAuthStateRow, OAUTH_STATE_COLUMNS};
pub(crate) use rows::UserRow;
