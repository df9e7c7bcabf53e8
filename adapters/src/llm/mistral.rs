//! [`LlmClient`] over Mistral's OpenAI-compatible chat completions API.
//!
//! Behaviour:
//! - One pooled `reqwest::Client` (TCP_NODELAY, connect timeout, idle pool),
//!   built once; requests go to `POST {base_url}/v1/chat/completions`.
//! - Timeouts: a non-streamed call (retry included) must finish within
//!   [`MistralConfig::timeout`]; a streamed call must get its response headers
//!   within it, and then each chunk must follow the previous one within it
//!   (idle timeout). Either way the result is [`LlmError::Timeout`].
//! - Retry: exactly one retry, after a random 100–300 ms pause, on connection
//!   errors and on HTTP 502/503 only. Never on 4xx, never on other 5xx, never
//!   once a stream has started (retries happen before the stream is returned).
//! - Errors: 429 is [`LlmError::RateLimited`] with `Retry-After` (seconds,
//!   fractions rounded up, or an HTTP date); other non-2xx and unreadable
//!   bodies are [`LlmError::Upstream`] with a short message that never holds
//!   the API key; unreachable hosts are [`LlmError::Unavailable`].
//! - Logging: status, latency and attempt at debug/warn level; never the
//!   prompt text nor the API key.

use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use futures::StreamExt;
use nextarget_ports::llm::{Completion, CompletionRequest, CompletionStream, LlmClient, LlmError};
use rand::RngExt;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use super::mistral_stream::sse_completion_stream;
use super::mistral_wire::{parse_completion, WireRequest};
use crate::trace_context::Traced;

/// Settings of [`MistralClient`].
pub struct MistralConfig {
    /// e.g. `https://api.mistral.ai` (a trailing slash is ignored).
    pub base_url: String,
    pub api_key: SecretString,
    /// Whole-call timeout; for streams, header and idle timeout.
    pub timeout: Duration,
}

/// The Mistral adapter; cheap to share behind an `Arc`.
pub struct MistralClient {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    api_key: SecretString,
    timeout: Duration,
}

const MAX_ERROR_MESSAGE: usize = 200;

impl MistralClient {
    /// Builds the pooled HTTP client.
    ///
    /// # Errors
    /// When `base_url` is not a valid URL or the TLS backend fails to start.
    pub fn new(config: MistralConfig) -> anyhow::Result<Self> {
        let base = config.base_url.trim_end_matches('/');
        let endpoint = reqwest::Url::parse(&format!("{base}/v1/chat/completions"))
            .context("llm.base_url is not a valid URL")?;
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(32)
            .build()
            .context("building the LLM HTTP client")?;
        Ok(Self {
            http,
            endpoint,
            api_key: config.api_key,
            timeout: config.timeout,
        })
    }

    fn auth_header(&self) -> Result<HeaderValue, LlmError> {
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.api_key.expose_secret()))
            .map_err(|_| {
            LlmError::Unavailable("the LLM API key is not a valid header".into())
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Sends once, and once more on a connection error or a 502/503.
    async fn send(&self, body: &WireRequest<'_>) -> Result<Response, LlmError> {
        let auth = self.auth_header()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .http
                .post(self.endpoint.clone())
                .header(AUTHORIZATION, auth.clone())
                .json(body)
                .traced()
                .send()
                .await;
            let retryable = match &result {
                Ok(resp) => matches!(
                    resp.status(),
                    StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE
                ),
                Err(e) => e.is_connect(),
            };
            if !retryable || attempt >= 2 {
                return result.map_err(|e| map_transport(&e));
            }
            let pause = rand::rng().random_range(100..=300);
            tracing::warn!(attempt, pause_ms = pause, "LLM call failed, retrying once");
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    }

    /// Sends with retry and turns a non-2xx answer into its error.
    async fn send_ok(&self, body: &WireRequest<'_>) -> Result<Response, LlmError> {
        let resp = self.send(body).await?;
        let status = resp.status();
        tracing::debug!(status = status.as_u16(), "LLM response headers");
        if status.is_success() {
            return Ok(resp);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(LlmError::RateLimited {
                retry_after_secs: retry_after(resp.headers()),
            });
        }
        let text = resp.text().await.unwrap_or_default();
        Err(LlmError::Upstream {
            status: Some(status.as_u16()),
            message: error_message(status, &text, self.api_key.expose_secret()),
        })
    }
}

fn map_transport(e: &reqwest::Error) -> LlmError {
    tracing::debug!(error = %e, "LLM transport error");
    if e.is_connect() {
        LlmError::Unavailable("cannot connect to the LLM provider".into())
    } else if e.is_timeout() {
        LlmError::Timeout
    } else if e.is_body() || e.is_decode() {
        LlmError::Upstream {
            status: None,
            message: "connection to the LLM provider broke".into(),
        }
    } else {
        LlmError::Unavailable("the LLM provider could not be reached".into())
    }
}

/// `Retry-After` as whole seconds: an integer, a fraction rounded up, or an
/// HTTP date (seconds from now, at least 0).
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(secs);
    }
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| secs.ceil() as u64);
    }
    let date = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let secs = (date.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    Some(u64::try_from(secs).unwrap_or(0))
}

/// A short message: the provider's own `message` when it has one, cut to
/// [`MAX_ERROR_MESSAGE`] characters, with the API key scrubbed.
fn error_message(status: StatusCode, body: &str, api_key: &str) -> String {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let detail = json.as_ref().and_then(|v| {
        [
            v.get("message"),
            v.pointer("/error/message"),
            v.get("error"),
            v.get("detail"),
        ]
        .into_iter()
        .flatten()
        .find_map(|m| m.as_str().map(str::to_owned))
    });
    let mut message = match detail {
        Some(d) => format!("HTTP {}: {d}", status.as_u16()),
        None => format!("HTTP {}", status),
    };
    if !api_key.is_empty() {
        message = message.replace(api_key, "[redacted]");
    }
    match message.char_indices().nth(MAX_ERROR_MESSAGE) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

#[async_trait]
impl LlmClient for MistralClient {
    #[tracing::instrument(level = "debug", name = "mistral.complete", skip_all, fields(otel.kind = "client", llm.model = %request.model))]
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, LlmError> {
        let started = Instant::now();
        let body = WireRequest::new(&request, false);
        let call = async {
            let resp = self.send_ok(&body).await?;
            let bytes = resp.bytes().await.map_err(|e| map_transport(&e))?;
            parse_completion(&bytes, &request.model)
        };
        let result = tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or(Err(LlmError::Timeout));
        tracing::debug!(
            latency_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "LLM completion"
        );
        result
    }

    #[tracing::instrument(level = "debug", name = "mistral.stream", skip_all, fields(otel.kind = "client", llm.model = %request.model, llm.streamed = true))]
    async fn stream(&self, request: CompletionRequest) -> Result<CompletionStream, LlmError> {
        let body = WireRequest::new(&request, true);
        let resp = tokio::time::timeout(self.timeout, self.send_ok(&body))
            .await
            .unwrap_or(Err(LlmError::Timeout))?;
        let body = resp
            .bytes_stream()
            .map(|chunk| chunk.map_err(|e| map_transport(&e)))
            .boxed();
        Ok(sse_completion_stream(body, &request.model, self.timeout))
    }
}
