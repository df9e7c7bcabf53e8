//! FakeLlm: deterministic, local, streams what it completes.

// Test code throughout, helpers outside `#[test]` functions included.
#![allow(clippy::unwrap_used)]

use futures::StreamExt;
use nextarget_adapters::llm::fake::FakeLlm;
use nextarget_ports::llm::{ChatMessage, ChatRole, CompletionRequest, LlmClient, StreamEvent};
use serde_json::Value;

fn request(system: &str, user: &str, json_mode: bool) -> CompletionRequest {
    CompletionRequest {
        model: "whatever".into(),
        messages: vec![
            ChatMessage {
                role: ChatRole::System,
                content: system.into(),
            },
            ChatMessage {
                role: ChatRole::User,
                content: user.into(),
            },
        ],
        temperature: None,
        max_tokens: None,
        json_mode,
    }
}

#[tokio::test]
async fn same_request_same_answer() {
    let fake = FakeLlm::new();
    let a = fake
        .complete(request("Be nice.", "What is Rust?", false))
        .await
        .expect("ok");
    let b = fake
        .complete(request("Be nice.", "What is Rust?", false))
        .await
        .expect("ok");
    assert_eq!(a, b);
    assert_eq!(a.model, "fake-echo");
    assert!(a.content.contains("What is Rust?"));
    assert!(a.content.contains("fake"));
    assert_eq!(a.usage.prompt_tokens, 5);
    assert_eq!(
        a.usage.total_tokens,
        a.usage.prompt_tokens + a.usage.completion_tokens
    );
}

#[tokio::test]
async fn long_prompt_is_cut_to_200_chars() {
    let prompt = "é".repeat(500);
    let a = FakeLlm::new()
        .complete(request("", &prompt, false))
        .await
        .expect("ok");
    assert!(a.content.contains(&format!("{}...", "é".repeat(200))));
    assert!(!a.content.contains(&"é".repeat(201)));
}

#[tokio::test]
async fn stream_concatenation_equals_complete() {
    let fake = FakeLlm::new();
    for (system, user, json) in [
        (
            "Be nice.",
            "Tell me   about\nsomething long and winding",
            false,
        ),
        ("You give advice as JSON.", "Goal: run a 10 km race", true),
    ] {
        let whole = fake
            .complete(request(system, user, json))
            .await
            .expect("ok");
        let items: Vec<_> = fake
            .stream(request(system, user, json))
            .await
            .expect("stream")
            .collect()
            .await;
        let mut text = String::new();
        let mut done = 0;
        for item in &items {
            match item.as_ref().expect("no error") {
                StreamEvent::Delta(d) => {
                    assert_eq!(done, 0, "delta after done");
                    text.push_str(d);
                }
                StreamEvent::Done {
                    model,
                    finish_reason,
                    usage,
                } => {
                    done += 1;
                    assert_eq!(model, &whole.model);
                    assert_eq!(finish_reason, &whole.finish_reason);
                    assert_eq!(usage, &whole.usage);
                }
            }
        }
        assert_eq!(done, 1);
        assert!(items.len() > 2);
        assert_eq!(text, whole.content);
    }
}

async fn advice(system: &str, user: &str, json_mode: bool) -> Vec<Value> {
    let reply = FakeLlm::new()
        .complete(request(system, user, json_mode))
        .await
        .expect("ok");
    let v: Value = serde_json::from_str(&reply.content).expect("valid JSON");
    v["advice"].as_array().cloned().expect("advice array")
}

#[tokio::test]
async fn coaching_request_returns_advice_json() {
    let items = advice(
        "You are a coach. Reply with JSON advice.",
        "Goal: sleep better",
        false,
    )
    .await;
    assert!((5..=8).contains(&items.len()));
    for item in &items {
        for key in ["title", "detail", "category", "impact", "effort"] {
            assert!(
                item[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} in {item}"
            );
        }
    }
    assert!(items
        .iter()
        .any(|i| i["detail"].as_str().unwrap_or("").contains("sleep better")));
}

#[tokio::test]
async fn coaching_in_french_with_json_mode() {
    let items = advice("Tu es un coach.", "Objectif : perdre 5 kg pour l'été", true).await;
    assert!((5..=8).contains(&items.len()));
    let all: String = items.iter().map(|i| i["detail"].to_string()).collect();
    assert!(all.contains("perdre 5 kg pour l'été"), "{all}");
    assert!(all.contains("protéines"), "{all}");
}
