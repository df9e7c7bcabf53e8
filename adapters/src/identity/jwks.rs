//! Google's signing keys: the JWKS at `jwks_url`, cached for its
//! `Cache-Control: max-age`, refetched once when a token names a `kid` the
//! cache does not hold.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::DecodingKey;
use nextarget_ports::OAuthError;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::http::{read_json, transport_error};

/// Used when the JWKS answer has no usable `max-age`.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(300);
/// However long the provider says, keys are re-read at least this often.
const MAX_JWKS_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

struct Cached {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Instant,
    ttl: Duration,
}

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    cached: Mutex<Option<Cached>>,
}

impl JwksCache {
    pub fn new(url: String, http: reqwest::Client) -> Self {
        Self {
            url,
            http,
            cached: Mutex::new(None),
        }
    }

    /// The RS256 key named `kid`.
    ///
    /// # Errors
    /// `InvalidToken` when the key is still unknown after one refetch;
    /// `ProviderError` when the JWKS cannot be read.
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, OAuthError> {
        // Held across the fetch: concurrent misses wait for one request.
        let mut cached = self.cached.lock().await;
        let fresh = cached
            .as_ref()
            .is_some_and(|c| c.fetched_at.elapsed() < c.ttl);
        if fresh {
            if let Some(key) = cached.as_ref().and_then(|c| c.keys.get(kid)) {
                return Ok(key.clone());
            }
        }
        // Stale, empty, or a kid we do not know (keys rotate): read again.
        let refreshed = self.fetch().await?;
        let key = refreshed.keys.get(kid).cloned();
        *cached = Some(refreshed);
        key.ok_or_else(|| OAuthError::InvalidToken(format!("unknown signing key id {kid:?}")))
    }

    async fn fetch(&self) -> Result<Cached, OAuthError> {
        let response = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(|e| transport_error("JWKS endpoint", e))?;
        let ttl = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age)
            .unwrap_or(DEFAULT_JWKS_TTL)
            .min(MAX_JWKS_TTL);
        let set: JwkSet = read_json("JWKS endpoint", response)
            .await
            .map_err(|e| match e {
                OAuthError::InvalidToken(m) => OAuthError::ProviderError(m),
                other => other,
            })?;
        let keys = set
            .keys
            .into_iter()
            .filter(|k| k.kty == "RSA" && k.alg.as_deref().unwrap_or("RS256") == "RS256")
            .filter_map(|k| {
                let key = DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?);
                Some((k.kid?, key.ok()?))
            })
            .collect();
        Ok(Cached {
            keys,
            fetched_at: Instant::now(),
            ttl,
        })
    }
}

/// The `max-age` of a `Cache-Control` value, in seconds.
fn max_age(header: &str) -> Option<Duration> {
    header.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| value.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_among_other_directives() {
        assert_eq!(
            max_age("public, max-age=19742, must-revalidate, no-transform"),
            Some(Duration::from_secs(19742))
        );
        assert_eq!(max_age("no-cache"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }
}
