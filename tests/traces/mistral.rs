//! Mistral, played by wiremock (the canned answers of `tests/common`), and
//! the `traceparent` each call carried.

use std::time::Duration;

use wiremock::MockServer;

pub async fn mistral() -> MockServer {
    let server = MockServer::start().await;
    crate::common::canned_mistral::mount(&server, Duration::ZERO).await;
    server
}

/// The `traceparent` of each call Mistral received, in order.
pub async fn traceparents(server: &MockServer) -> Vec<Option<String>> {
    server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .map(|r| {
            r.headers
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect()
}
