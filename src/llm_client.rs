//! Builds the LLM client that `llm.*` configures: the fake (steered by
//! `llm.fake_script` when set), Mistral, or (with no API key) one that
//! answers 503; behind [`FallbackLlm`] when
//! `llm.fallbacks` lists models (Mistral only: the fake never fails).

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use nextarget_adapters::llm::{
    fake::FakeLlm,
    fake_script::ScriptedLlm,
    fallback::{FallbackLlm, FallbackModel},
    mistral::{MistralClient, MistralConfig},
    unconfigured::UnconfiguredLlm,
};
use nextarget_ports::{LlmClient, Metrics};
use secrecy::SecretString;
use url::Url;

use crate::config::{LlmProvider, LlmSettings};

/// A Mistral client on `base_url`; `key` names the setting in the error.
fn mistral(
    base_url: &Url,
    api_key: SecretString,
    timeout: Duration,
    key: &str,
) -> anyhow::Result<Arc<dyn LlmClient>> {
    let client = MistralClient::new(MistralConfig {
        base_url: base_url.to_string(),
        api_key,
        timeout,
    })
    .with_context(|| format!("{key} is not a valid URL"))?;
    Ok(Arc::new(client))
}

/// The client `llm.provider` names.
///
/// # Errors
/// When a base URL is not valid or the HTTP client cannot be built.
pub(crate) fn build(
    llm: &LlmSettings,
    metrics: &Arc<dyn Metrics>,
) -> anyhow::Result<Arc<dyn LlmClient>> {
    let timeout = Duration::from_secs(llm.timeout_secs);
    let key = match (llm.provider, &llm.api_key) {
        (LlmProvider::Fake, _) => {
            if !llm.fallbacks.is_empty() {
                tracing::warn!("llm.fallbacks are ignored with llm.provider = \"fake\"");
            }
            return Ok(match &llm.fake_script {
                Some(path) => Arc::new(ScriptedLlm::from_file(path)?),
                None => Arc::new(FakeLlm::new()),
            });
        }
        (LlmProvider::Mistral, None) => {
            tracing::warn!("llm.api_key (MISTRAL_API_KEY) is not set: AI requests will answer 503");
            return Ok(Arc::new(UnconfiguredLlm::new("llm.api_key is not set")));
        }
        (LlmProvider::Mistral, Some(key)) => key,
    };
    let primary = mistral(&llm.base_url, key.clone(), timeout, "llm.base_url")?;
    if llm.fallbacks.is_empty() {
        return Ok(primary);
    }
    let mut fallbacks = Vec::with_capacity(llm.fallbacks.len());
    for (i, fallback) in llm.fallbacks.iter().enumerate() {
        // The same provider and key: the primary's client and its pool.
        let client = if fallback.base_url.is_none() && fallback.api_key.is_none() {
            primary.clone()
        } else {
            mistral(
                fallback.base_url.as_ref().unwrap_or(&llm.base_url),
                fallback.api_key.clone().unwrap_or_else(|| key.clone()),
                timeout,
                &format!("llm.fallbacks[{i}].base_url"),
            )?
        };
        fallbacks.push(FallbackModel {
            model: fallback.model.clone(),
            client,
        });
    }
    Ok(Arc::new(FallbackLlm::new(
        primary,
        fallbacks,
        metrics.clone(),
    )))
}
