//! nextarget-core: the use cases. This package depends on `nextarget-ports`
//! and plain libraries only, never on poem, sqlx, reqwest, redis or the
//! adapters; its Cargo.toml is where that rule is enforced.

pub mod ai;
pub mod auth;
pub mod coach;
pub mod health;
pub mod oauth;
pub mod validation;

#[cfg(test)]
mod test_support;
