//! A provider's signing keys (Google's, Apple's): the JWKS at `jwks_url`,
//! cached for its `Cache-Control: max-age`, refetched once when a token
//! names a `kid` the cache does not hold.

use crate::trace_context::Traced;
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{
    jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm},
    DecodingKey,
};
use nextarget_ports::OAuthError;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::http::{read_json, transport_error};

/// Used when the JWKS answer has no usable `max-age`.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(300);
/// However long the provider says, keys are re-read at least this often.
const MAX_JWKS_TTL: Duration = Duration::from_secs(24 * 3600);

/// A JWKS read key by key: `jsonwebtoken`'s [`JwkSet`] refuses the whole
/// set when one key is of a kind it does not know, and a provider adding
/// such a key must not lose us the RS256 ones beside it.
#[derive(Deserialize)]
struct LenientJwkSet {
    keys: Vec<serde_json::Value>,
}

impl From<LenientJwkSet> for JwkSet {
    fn from(set: LenientJwkSet) -> Self {
        let keys = set
            .keys
            .into_iter()
            .filter_map(|key| serde_json::from_value(key).ok())
            .collect();
        JwkSet { keys }
    }
}

/// The key's id and decoding key, when it is an RSA key for RS256 (no
/// `alg` means RS256, as Google omits it at times).
fn rs256_key(jwk: &Jwk) -> Option<(String, DecodingKey)> {
    let rs256 = matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256));
    let rsa = matches!(jwk.algorithm, AlgorithmParameters::RSA(_));
    if !(rs256 && rsa) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((jwk.common.key_id.clone()?, key))
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

    #[tracing::instrument(level = "debug", name = "jwks.fetch", skip_all, fields(otel.kind = "client", url = %self.url))]
    async fn fetch(&self) -> Result<Cached, OAuthError> {
        let response = self
            .http
            .get(&self.url)
            .traced()
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
        let set: LenientJwkSet =
            read_json("JWKS endpoint", response)
                .await
                .map_err(|e| match e {
                    OAuthError::InvalidToken(m) => OAuthError::ProviderError(m),
                    other => other,
                })?;
        let keys = JwkSet::from(set)
            .keys
            .iter()
            .filter_map(rs256_key)
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
    fn only_rs256_rsa_keys_with_an_id_are_kept_and_an_unknown_kind_is_skipped() {
        let rsa = |kid: &str, alg: Option<&str>| {
            let mut key = serde_json::json!({"kty": "RSA", "kid": kid, "n": "sXch", "e": "AQAB"});
            if let Some(alg) = alg {
                key["alg"] = alg.into();
            }
            key
        };
        let mut no_kid = rsa("x", None);
        no_kid.as_object_mut().map(|o| o.remove("kid"));
        let set: LenientJwkSet = serde_json::from_value(serde_json::json!({"keys": [
            rsa("a", Some("RS256")),
            rsa("b", None),
            rsa("c", Some("RS512")),
            {"kty": "EC", "kid": "d", "crv": "P-256", "x": "AA", "y": "AA", "alg": "ES256"},
            {"kty": "weird", "kid": "e", "alg": "XX999"},
            no_kid,
        ]}))
        .expect("set");
        let kept: Vec<String> = JwkSet::from(set)
            .keys
            .iter()
            .filter_map(rs256_key)
            .map(|(kid, _)| kid)
            .collect();
        assert_eq!(kept, ["a", "b"]);
    }

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
