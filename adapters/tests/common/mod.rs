//! Helpers shared by the Mistral adapter tests.
#![allow(dead_code)]

pub mod refusing;

use std::time::Duration;

use nextarget_adapters::llm::mistral::{MistralClient, MistralConfig};
use nextarget_ports::llm::{ChatMessage, ChatRole, CompletionRequest};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const KEY: &str = "sk-test-secret-123";

pub fn client(base_url: &str, timeout: Duration) -> MistralClient {
    MistralClient::new(MistralConfig {
        base_url: base_url.to_owned(),
        api_key: KEY.to_owned().into(),
        timeout,
    })
    .expect("client builds")
}

pub fn request(json_mode: bool) -> CompletionRequest {
    CompletionRequest {
        model: "mistral-small-latest".into(),
        messages: vec![
            ChatMessage {
                role: ChatRole::System,
                content: "Be brief.".into(),
            },
            ChatMessage {
                role: ChatRole::User,
                content: "Hello?".into(),
            },
        ],
        temperature: Some(0.2),
        max_tokens: Some(64),
        json_mode,
    }
}

pub fn completion_body() -> Value {
    json!({
        "id": "x", "object": "chat.completion", "model": "mistral-small-2409",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    })
}

pub async fn server_with(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

pub async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}
