//! Credentials: access tokens (`jwt`), password hashing (`password`) and the
//! low-priority CPU pool bcrypt runs on (`cpu_pool`).

pub mod cpu_pool;
pub mod jwt;
pub mod password;

pub use jwt::{JwtCodec, JwtKeys};
pub use password::BcryptHasher;
