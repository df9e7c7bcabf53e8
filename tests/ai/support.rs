//! What the AI tests share: Mistral stood in for by wiremock, or by a raw
//! socket for what wiremock cannot do.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::{io::AsyncReadExt, io::AsyncWriteExt, net::TcpListener};
use wiremock::{
    matchers::{header, method, path},
    Mock, MockServer, ResponseTemplate,
};

use crate::common::{spawn_app_on_mistral, Backend, TestApp};

/// A server on a wiremock Mistral that answers `upstream` to the API key
/// `test-key`, and a signed-up user's token.
pub async fn mistral_app(
    backend: Backend,
    upstream: ResponseTemplate,
) -> Option<(TestApp, MockServer, String)> {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer test-key"))
        .respond_with(upstream)
        .mount(&mock)
        .await;
    let (app, token) =
        spawn_app_on_mistral(backend, &mock.uri(), &[("llm.timeout_secs", "1")]).await?;
    Some((app, mock, token))
}

/// A Mistral chat completion saying `content`.
pub fn completion(content: &str) -> Value {
    json!({
        "id": "cmpl-1", "object": "chat.completion", "model": "mistral-small-latest",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    })
}

pub async fn ask(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_json_with_token("/ai/completions", token, &body)
        .await
}

/// What a [`partial_stream_provider`] does after its one delta.
#[derive(Clone, Copy)]
pub enum AfterDelta {
    /// Sends nothing more for a minute, the connection open.
    Hang,
    /// Closes the connection: the stream ends without a finish.
    Close,
}

/// A provider that sends one delta and then hangs.
pub async fn hanging_provider() -> String {
    partial_stream_provider(AfterDelta::Hang).await
}

/// A provider that starts a stream (one delta, `partial`), then `after`.
pub async fn partial_stream_provider(after: AfterDelta) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                let delta = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n\n";
                let _ = socket.write_all(format!("{head}{delta}").as_bytes()).await;
                if let AfterDelta::Hang = after {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
    address
}
