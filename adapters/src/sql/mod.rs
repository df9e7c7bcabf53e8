//! What the SQLite and PostgreSQL adapters share: row shapes and the
//! translation of driver errors into `StoreError`.

mod errors;
mod rows;

pub(crate) use errors::store_error;
pub(crate) use rows::UserRow;
