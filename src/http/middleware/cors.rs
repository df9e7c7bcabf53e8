//! CORS from `server.cors_origins`: none listed means no cross-origin
//! access at all; `"*"` (refused in production) means any origin.

use poem::{http::Method, middleware::Cors};

/// The CORS middleware for these origins, or `None` when none are allowed.
pub fn cors(origins: &[String]) -> Option<Cors> {
    if origins.is_empty() {
        return None;
    }
    let base = Cors::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers(["authorization", "content-type", "x-request-id"])
        .expose_headers(["x-request-id", "retry-after", "www-authenticate"])
        .max_age(600);
    if origins.iter().any(|o| o == "*") {
        Some(base)
    } else {
        Some(base.allow_origins(origins.iter().map(String::as_str)))
    }
}
