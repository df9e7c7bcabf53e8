//! [`ScriptedLlm`]: the fake LLM steered by a script (`llm.fake_script`), so
//! a tester can make the model answer, fail, stall or cut a stream on
//! purpose.
//!
//! The script is TOML: `[[rule]]` tables tried in order against the last
//! user message; the first that matches decides:
//!
//! ```toml
//! [[rule]]
//! contains = "genou"          # or: matches = "(?i)knee|genou" (a regex)
//! reply = "Ménagez votre genou : vélo plutôt que course cette semaine."
//!
//! [[rule]]
//! contains = "overloaded"
//! status = 429                # an upstream error: 429 (with retry_after), 5xx
//! retry_after = 7
//!
//! [[rule]]
//! contains = "slow"
//! delay_ms = 1500             # waits first; then reply, or the built-in fake
//!
//! [[rule]]
//! contains = "cut"
//! stream_cut_after = 3        # streamed: 3 words, then the connection drops
//! ```
//!
//! A rule needs `contains` or `matches` (not both) and at least one of
//! `reply`, `status`, `delay_ms`, `stream_cut_after`. No rule matches: the
//! built-in [`FakeLlm`] answers. Usage counts words, as the built-in fake
//! does. A script that breaks these rules stops start-up, naming the file
//! and the rule.

use std::{path::Path, time::Duration};

use async_trait::async_trait;
use futures::StreamExt;
use nextarget_ports::llm::{
    ChatRole, Completion, CompletionRequest, CompletionStream, LlmClient, LlmError, StreamEvent,
    Usage,
};
use regex::Regex;
use serde::Deserialize;

use super::fake::{word_deltas, FakeLlm, FAKE_MODEL};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    contains: Option<String>,
    matches: Option<String>,
    reply: Option<String>,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
    stream_cut_after: Option<usize>,
}

#[derive(Debug)]
enum Matcher {
    Contains(String),
    Matches(Regex),
}

#[derive(Debug)]
struct Rule {
    matcher: Matcher,
    reply: Option<String>,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay: Option<Duration>,
    stream_cut_after: Option<usize>,
}

impl Rule {
    fn parse(raw: RawRule) -> Result<Self, String> {
        let matcher = match (raw.contains, raw.matches) {
            (Some(text), None) => Matcher::Contains(text),
            (None, Some(pattern)) => Matcher::Matches(
                Regex::new(&pattern).map_err(|e| format!("`matches` is not a regex: {e}"))?,
            ),
            _ => return Err("needs exactly one of `contains` and `matches`".into()),
        };
        if raw.reply.is_none()
            && raw.status.is_none()
            && raw.delay_ms.is_none()
            && raw.stream_cut_after.is_none()
        {
            return Err(
                "needs at least one of `reply`, `status`, `delay_ms`, `stream_cut_after`".into(),
            );
        }
        if let Some(status) = raw.status {
            if !(status == 429 || (500..=599).contains(&status)) {
                return Err(format!("`status` must be 429 or 5xx, not {status}"));
            }
            if raw.reply.is_some() || raw.stream_cut_after.is_some() {
                return Err("`status` answers an error: no `reply` or `stream_cut_after`".into());
            }
        }
        if raw.retry_after.is_some() && raw.status != Some(429) {
            return Err("`retry_after` goes with `status = 429` only".into());
        }
        Ok(Self {
            matcher,
            reply: raw.reply,
            status: raw.status,
            retry_after: raw.retry_after,
            delay: raw.delay_ms.map(Duration::from_millis),
            stream_cut_after: raw.stream_cut_after,
        })
    }

    fn applies_to(&self, message: &str) -> bool {
        match &self.matcher {
            Matcher::Contains(text) => message.contains(text.as_str()),
            Matcher::Matches(regex) => regex.is_match(message),
        }
    }

    fn error(&self) -> Option<LlmError> {
        self.status.map(|status| match status {
            429 => LlmError::RateLimited {
                retry_after_secs: self.retry_after,
            },
            504 => LlmError::Timeout,
            status => LlmError::Upstream {
                status: Some(status),
                message: format!("scripted {status}"),
            },
        })
    }
}

/// The built-in fake, steered by a script; see the module documentation.
#[derive(Debug)]
pub struct ScriptedLlm {
    rules: Vec<Rule>,
}

impl ScriptedLlm {
    /// The script in `path`.
    ///
    /// # Errors
    /// When the file cannot be read or parsed, or a rule is invalid: the
    /// message names the file and the rule (1-based).
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("llm.fake_script {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("llm.fake_script {}: {e}", path.display()))
    }

    /// A script from its text.
    ///
    /// # Errors
    /// As [`ScriptedLlm::from_file`], without the file name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: ScriptFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let rules = file
            .rule
            .into_iter()
            .enumerate()
            .map(|(i, raw)| Rule::parse(raw).map_err(|e| format!("rule {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rules })
    }

    /// The rule for `request`, having waited its delay.
    async fn rule(&self, request: &CompletionRequest) -> Option<&Rule> {
        let message = request
            .messages
            .iter()
            .rev()
            .find(|m| m.role == ChatRole::User)
            .map_or("", |m| m.content.as_str());
        let rule = self.rules.iter().find(|r| r.applies_to(message))?;
        if let Some(delay) = rule.delay {
            tokio::time::sleep(delay).await;
        }
        Some(rule)
    }
}

fn words(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// `content` as a completion, usage in words.
fn scripted(request: &CompletionRequest, content: String) -> Completion {
    let prompt_tokens = request
        .messages
        .iter()
        .map(|m| words(&m.content))
        .fold(0u32, u32::saturating_add);
    let completion_tokens = words(&content);
    Completion {
        model: FAKE_MODEL.to_owned(),
        content,
        finish_reason: "stop".to_owned(),
        usage: Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens.saturating_add(completion_tokens),
        },
    }
}

#[async_trait]
impl LlmClient for ScriptedLlm {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, LlmError> {
        let Some(rule) = self.rule(&request).await else {
            return FakeLlm.complete(request).await;
        };
        if let Some(err) = rule.error() {
            return Err(err);
        }
        if rule.stream_cut_after.is_some() {
            // A whole answer whose connection drops arrives as nothing.
            return Err(LlmError::Upstream {
                status: None,
                message: "scripted: the connection dropped mid-answer".into(),
            });
        }
        match &rule.reply {
            Some(reply) => Ok(scripted(&request, reply.clone())),
            None => FakeLlm.complete(request).await,
        }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<CompletionStream, LlmError> {
        let Some(rule) = self.rule(&request).await else {
            return FakeLlm.stream(request).await;
        };
        if let Some(err) = rule.error() {
            return Err(err);
        }
        let answer = match &rule.reply {
            Some(reply) => scripted(&request, reply.clone()),
            None => FakeLlm.complete(request).await?,
        };
        let deltas = word_deltas(&answer.content);
        let events: Vec<Result<StreamEvent, LlmError>> = match rule.stream_cut_after {
            Some(n) => deltas
                .into_iter()
                .take(n)
                .map(|d| Ok(StreamEvent::Delta(d)))
                .chain(std::iter::once(Err(LlmError::Unavailable(
                    "scripted: the stream was cut".into(),
                ))))
                .collect(),
            None => deltas
                .into_iter()
                .map(|d| Ok(StreamEvent::Delta(d)))
                .chain(std::iter::once(Ok(StreamEvent::Done {
                    model: answer.model,
                    finish_reason: answer.finish_reason,
                    usage: answer.usage,
                })))
                .collect(),
        };
        Ok(futures::stream::iter(events).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_broken_rule_is_named() {
        let cases = [
            ("[[rule]]\nreply = \"x\"", "rule 1: needs exactly one"),
            ("[[rule]]\ncontains = \"a\"\nmatches = \"b\"\nreply = \"x\"", "rule 1: needs exactly one"),
            ("[[rule]]\ncontains = \"a\"\nreply = \"x\"\n[[rule]]\nmatches = \"(\"\nreply = \"y\"", "rule 2: `matches` is not a regex"),
            ("[[rule]]\ncontains = \"a\"", "rule 1: needs at least one"),
            ("[[rule]]\ncontains = \"a\"\nstatus = 404", "rule 1: `status` must be 429 or 5xx"),
            ("[[rule]]\ncontains = \"a\"\nstatus = 503\nretry_after = 3", "rule 1: `retry_after` goes with"),
            ("[[rule]]\ncontains = \"a\"\nrepyl = \"typo\"", "unknown field"),
        ];
        for (script, expected) in cases {
            let err = ScriptedLlm::parse(script).err().unwrap_or_default();
            assert!(err.contains(expected), "{script:?}: {err}");
        }
        assert!(ScriptedLlm::parse("").is_ok());
    }
}
