//! `RateLimiter` adapters: in-process (`memory`), Redis (`redis`), and the
//! fail-soft composite that falls back from Redis to memory.

mod fallback;
mod gcra;
mod memory;
mod redis;

pub use fallback::FallbackLimiter;
pub use memory::MemoryLimiter;
pub use redis::RedisLimiter;
