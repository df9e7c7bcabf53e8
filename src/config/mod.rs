//! Settings, layered as CONTRACT.md says: `config/default.toml`,
//! `config/<NEXTARGET_ENV>.toml`, `.env`, `NEXTARGET__SECTION__KEY` variables,
//! then the seed's flat names (`DATABASE_URL`, `JWT_SECRET_KEY`, ...).
//!
//! Parse, don't validate: the layers are read into [`raw`]'s strings, then
//! parsed into the typed [`Settings`] (`parse`); `validate` checks only what
//! crosses fields.

mod load;
mod parse;
mod raw;
mod settings;
mod validate;

#[cfg(any(test, feature = "test-support"))]
pub use load::load_for_tests;
pub use load::{load, ConfigError};
pub use settings::*;

#[cfg(test)]
mod apple_tests;
#[cfg(test)]
mod telemetry_tests;
#[cfg(test)]
mod tests;
