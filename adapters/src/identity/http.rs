//! What the OAuth adapters share: one pooled HTTP client, reading a
//! provider's answer without ever echoing a secret, and building a URL.

use std::time::Duration;

use nextarget_ports::OAuthError;
use serde::de::DeserializeOwned;

/// The client both providers use: pooled, rustls, TCP_NODELAY, timeouts.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// A transport failure, with the URL (which may hold a token or a secret)
/// stripped.
pub(crate) fn transport_error(what: &str, err: reqwest::Error) -> OAuthError {
    OAuthError::ProviderError(format!("{what}: {}", err.without_url()))
}

/// Reads a JSON answer: a 400/401/403 means the provider refused what we
/// presented (`InvalidToken`), any other non-success or an unreadable body
/// is a `ProviderError`.
pub(crate) async fn read_json<T: DeserializeOwned>(
    what: &str,
    response: reqwest::Response,
) -> Result<T, OAuthError> {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(what, e))?;
    if matches!(status.as_u16(), 400 | 401 | 403) {
        return Err(OAuthError::InvalidToken(format!(
            "{what} refused the request ({status})"
        )));
    }
    if !status.is_success() {
        return Err(OAuthError::ProviderError(format!(
            "{what} answered {status}"
        )));
    }
    serde_json::from_slice(&body)
        .map_err(|e| OAuthError::ProviderError(format!("{what} answered unreadable JSON: {e}")))
}

/// `base` with `pairs` appended to its query string, percent-encoded.
pub(crate) fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.into()
        }
        // Settings are checked at start-up; this keeps a bad value visible.
        Err(_) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            format!("{base}?{query}")
        }
    }
}
