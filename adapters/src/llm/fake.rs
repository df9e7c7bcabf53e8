//! [`FakeLlm`]: a local, deterministic [`LlmClient`] for development and tests.
//!
//! It never touches the network, never fails, and answers the same request
//! with the same reply, always as model [`FAKE_MODEL`]:
//! - a coaching request (`json_mode`, or a system message mentioning
//!   "advice"/"conseil") gets a JSON object `{"advice": [...]}` of 6 items
//!   (`title`, `detail`, `category`, `impact`, `effort`) picked by the goal's
//!   keywords (running, sleep, weight, strength, otherwise generic), in French
//!   when the request reads French, else English;
//! - any other request gets `(fake LLM) You asked: <prompt, 200 chars max>`
//!   and a short sentence chosen from the prompt's hash, cut to `max_tokens`
//!   words (finish reason `length`) when set.
//!
//! Usage counts are words, a rough stand-in for tokens. `stream` yields the
//! reply word by word (concatenated, exactly the `complete` content), then
//! `Done`.

use async_trait::async_trait;
use futures::StreamExt;
use nextarget_ports::llm::{
    ChatRole, Completion, CompletionRequest, CompletionStream, LlmClient, LlmError, StreamEvent,
    Usage,
};

use super::fake_advice::{advice_json, fnv1a, is_french};

/// The model name every fake reply reports.
pub const FAKE_MODEL: &str = "fake-echo";

const PROMPT_ECHO_CHARS: usize = 200;

const SENTENCES: [&str; 4] = [
    "This is a canned reply from the local fake model; no real LLM was called.",
    "The fake model answers deterministically so tests can rely on it.",
    "Configure llm.provider = \"mistral\" to get a real answer.",
    "Nothing was sent over the network to produce this reply.",
];

/// Deterministic local stand-in for a real LLM; see the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeLlm;

impl FakeLlm {
    /// A fake that answers locally; it holds no state.
    pub fn new() -> Self {
        Self
    }

    fn answer(request: &CompletionRequest) -> Completion {
        let system = join_role(request, ChatRole::System);
        let user = last_user(request);
        let coaching = request.json_mode || mentions_advice(&system);
        let (content, finish_reason) = if coaching {
            let french = is_french(&format!("{system}\n{user}"));
            (advice_json(user, french), "stop")
        } else {
            general_reply(user, request.max_tokens)
        };
        let prompt_tokens: usize = request
            .messages
            .iter()
            .map(|m| word_count(&m.content))
            .sum();
        let completion_tokens = word_count(&content);
        let prompt_tokens = u32::try_from(prompt_tokens).unwrap_or(u32::MAX);
        let completion_tokens = u32::try_from(completion_tokens).unwrap_or(u32::MAX);
        Completion {
            model: FAKE_MODEL.to_owned(),
            content,
            finish_reason: finish_reason.to_owned(),
            usage: Usage {
                prompt_tokens,
                completion_tokens,
                total_tokens: prompt_tokens.saturating_add(completion_tokens),
            },
        }
    }
}

fn join_role(request: &CompletionRequest, role: ChatRole) -> String {
    request
        .messages
        .iter()
        .filter(|m| m.role == role)
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn last_user(request: &CompletionRequest) -> &str {
    request
        .messages
        .iter()
        .rev()
        .find(|m| m.role == ChatRole::User)
        .map_or("", |m| m.content.as_str())
}

fn mentions_advice(system: &str) -> bool {
    let lower = system.to_lowercase();
    lower.contains("advice") || lower.contains("conseil")
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

fn general_reply(prompt: &str, max_tokens: Option<u32>) -> (String, &'static str) {
    let echo: String = prompt.chars().take(PROMPT_ECHO_CHARS).collect();
    let ellipsis = if prompt.chars().nth(PROMPT_ECHO_CHARS).is_some() {
        "..."
    } else {
        ""
    };
    let sentence = SENTENCES[(fnv1a(prompt) % SENTENCES.len() as u64) as usize];
    let full = format!("(fake LLM) You asked: {echo}{ellipsis}\n\n{sentence}");
    match max_tokens.map(|m| m as usize) {
        Some(limit) if word_count(&full) > limit => {
            let cut: Vec<&str> = full.split_whitespace().take(limit.max(1)).collect();
            (cut.join(" "), "length")
        }
        _ => (full, "stop"),
    }
}

/// Splits `text` into word deltas whose concatenation is exactly `text`.
pub(crate) fn word_deltas(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_space = false;
    for c in text.chars() {
        let space = c.is_whitespace();
        if !space && in_space && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        in_space = space;
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[async_trait]
impl LlmClient for FakeLlm {
    async fn complete(&self, request: CompletionRequest) -> Result<Completion, LlmError> {
        Ok(Self::answer(&request))
    }

    async fn stream(&self, request: CompletionRequest) -> Result<CompletionStream, LlmError> {
        let answer = Self::answer(&request);
        let mut events: Vec<Result<StreamEvent, LlmError>> = word_deltas(&answer.content)
            .into_iter()
            .map(|d| Ok(StreamEvent::Delta(d)))
            .collect();
        events.push(Ok(StreamEvent::Done {
            model: answer.model,
            finish_reason: answer.finish_reason,
            usage: answer.usage,
        }));
        Ok(futures::stream::iter(events).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_deltas_concatenate_back() {
        for text in ["", "one", " lead  and trail ", "a\nb\n\n c", "é ü 😀"] {
            assert_eq!(word_deltas(text).concat(), text);
        }
        assert_eq!(word_deltas("a b  c"), vec!["a ", "b  ", "c"]);
    }

    #[test]
    fn max_tokens_cuts_general_reply() {
        let (text, reason) = general_reply("hello there", Some(3));
        assert_eq!(word_count(&text), 3);
        assert_eq!(reason, "length");
    }
}
