//! What the SQLite and PostgreSQL adapters share: row shapes, the refresh
//! rotation decision, and the translation of driver errors into `StoreError`.

mod errors;
mod refresh;
mod rows;

pub(crate) use errors::store_error;
pub(crate) use refresh::{decide, family_lock_key, RefreshRow, Step, REFRESH_COLUMNS};
pub(crate) use rows::UserRow;
