//! Settings, layered as CONTRACT.md says: `config/default.toml`,
//! `config/<NEXTARGET_ENV>.toml`, `.env`, `NEXTARGET__SECTION__KEY` variables,
//! then the seed's flat names (`DATABASE_URL`, `JWT_SECRET_KEY`, ...).

mod ip_range;
mod load;
mod settings;
mod validate;

pub use ip_range::IpRange;
pub use load::{load, load_for_tests, ConfigError};
pub use settings::*;
