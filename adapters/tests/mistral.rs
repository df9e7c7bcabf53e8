//! MistralClient (whole completions) against a wiremock server.

// Test code throughout, helpers outside `#[test]` functions included.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{client, completion_body, request, requests, server_with, KEY};
use nextarget_adapters::llm::mistral::{MistralClient, MistralConfig};
use nextarget_ports::llm::{LlmClient, LlmError, Usage};
use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn complete_err(template: ResponseTemplate) -> (LlmError, MockServer) {
    let server = server_with(template).await;
    let err = client(&server.uri(), Duration::from_secs(5))
        .complete(request(false))
        .await
        .expect_err("must fail");
    (err, server)
}

#[tokio::test]
async fn success_sends_model_messages_and_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "model": "mistral-small-latest", "stream": false, "max_tokens": 64,
            "messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "Hello?"}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/", server.uri());
    let c = client(&base, Duration::from_secs(5))
        .complete(request(false))
        .await;
    let c = c.expect("success");
    assert_eq!(c.content, "Hi there");
    assert_eq!(c.model, "mistral-small-2409");
    assert_eq!(c.finish_reason, "stop");
    assert_eq!(
        c.usage,
        Usage {
            prompt_tokens: 9,
            completion_tokens: 2,
            total_tokens: 11
        }
    );
    let body: Value = serde_json::from_slice(&requests(&server).await[0].body).expect("json");
    assert!(body.get("response_format").is_none());
}

#[tokio::test]
async fn json_mode_sends_response_format() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"response_format": {"type": "json_object"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server.uri(), Duration::from_secs(5))
        .complete(request(true))
        .await;
    assert_eq!(c.expect("success").content, "Hi there");
}

#[tokio::test]
async fn unauthorized_is_upstream_401_without_the_key() {
    let body = json!({"message": format!("Unauthorized key {KEY}")});
    let (err, _s) = complete_err(ResponseTemplate::new(401).set_body_json(body)).await;
    let LlmError::Upstream { status, message } = err else {
        panic!("expected Upstream, got {err:?}");
    };
    assert_eq!(status, Some(401));
    assert!(!message.contains(KEY), "{message}");
}

#[tokio::test]
async fn too_many_requests_is_rate_limited_with_retry_after() {
    let template = ResponseTemplate::new(429).insert_header("Retry-After", "7");
    let (err, server) = complete_err(template).await;
    assert_eq!(
        err,
        LlmError::RateLimited {
            retry_after_secs: Some(7)
        }
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn server_error_is_upstream_without_retry() {
    let (err, server) = complete_err(ResponseTemplate::new(500).set_body_string("boom")).await;
    assert!(
        matches!(
            err,
            LlmError::Upstream {
                status: Some(500),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn service_unavailable_is_retried_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion_body()))
        .mount(&server)
        .await;
    let c = client(&server.uri(), Duration::from_secs(5))
        .complete(request(false))
        .await;
    assert_eq!(c.expect("success after retry").content, "Hi there");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn malformed_json_is_upstream() {
    let (err, _s) = complete_err(ResponseTemplate::new(200).set_body_string("{not json")).await;
    assert!(
        matches!(
            err,
            LlmError::Upstream {
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    let (err, _s) = complete_err(ResponseTemplate::new(200).set_body_json(json!({"x": 1}))).await;
    assert!(
        matches!(
            err,
            LlmError::Upstream {
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_reply_is_a_timeout() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(completion_body())
        .set_delay(Duration::from_secs(2));
    let server = server_with(slow).await;
    let c = client(&server.uri(), Duration::from_millis(300));
    assert_eq!(c.complete(request(false)).await, Err(LlmError::Timeout));
    assert!(matches!(
        c.stream(request(false)).await,
        Err(LlmError::Timeout)
    ));
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let refusing = common::refusing::Refusing::new();
    let c = client(&refusing.url("http"), Duration::from_secs(5));
    let err = c.complete(request(false)).await.expect_err("must fail");
    assert!(matches!(err, LlmError::Unavailable(_)), "{err:?}");
}

#[test]
fn invalid_base_url_is_rejected() {
    let made = MistralClient::new(MistralConfig {
        base_url: "not a url".into(),
        api_key: KEY.to_owned().into(),
        timeout: Duration::from_secs(1),
    });
    assert!(made.is_err());
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let (err, server) = complete_err(ResponseTemplate::new(400)).await;
    assert!(
        matches!(
            err,
            LlmError::Upstream {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn bad_gateway_twice_gives_up_after_one_retry() {
    let (err, server) = complete_err(ResponseTemplate::new(502)).await;
    assert!(
        matches!(
            err,
            LlmError::Upstream {
                status: Some(502),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}
