//! The LLM provider misbehaving while the server is under load: hanging,
//! refusing connections, failing, cutting streams. Every request completes
//! with its contract error, leaves a history row, and `/health` stays fast.
//! (Single-request mappings are in `tests/ai/proxy.rs`.)

use std::time::Duration;

use futures::future::join_all;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};

use crate::common::{history, problem, spawn_app_on_mistral, Backend, TestApp};
use crate::support::{health_latency, timed, SLACK};

/// How the fake provider treats each connection.
#[derive(Clone, Copy)]
enum Hostile {
    /// Reads the request, never answers.
    Hang,
    /// Sends the stream's headers and one delta, then goes silent.
    StallMidStream,
    /// Sends the stream's headers and one delta, then resets the connection.
    ResetMidStream,
}

const HEADERS: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                       transfer-encoding: chunked\r\n\r\n";
const DELTA: &str = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"Half \"}}]}\n\n";

/// A provider on a raw socket, for what wiremock cannot do.
async fn hostile_provider(mode: Hostile) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, mode));
        }
    });
    format!("http://{address}")
}

async fn serve(mut socket: TcpStream, mode: Hostile) {
    let mut buf = [0u8; 8192];
    let _ = socket.read(&mut buf).await;
    if !matches!(mode, Hostile::Hang) {
        let chunk = format!("{HEADERS}{:x}\r\n{DELTA}\r\n", DELTA.len());
        let _ = socket.write_all(chunk.as_bytes()).await;
        let _ = socket.flush().await;
    }
    if matches!(mode, Hostile::ResetMidStream) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Linger 0 does not block the drop: it sends a RST at once.
        #[allow(deprecated)]
        let _ = socket.set_linger(Some(Duration::ZERO));
        return; // dropped with linger 0: RST in the middle of the body
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    drop(socket);
}

/// `llm.timeout_secs` of these tests: the server answers a provider that
/// hangs after this, and not much later.
const LLM_TIMEOUT: Duration = Duration::from_secs(1);

async fn app_on(base_url: &str) -> (TestApp, String) {
    app_with_timeout(base_url, LLM_TIMEOUT).await
}

async fn app_with_timeout(base_url: &str, timeout: Duration) -> (TestApp, String) {
    let timeout = timeout.as_secs().to_string();
    let overrides = [
        ("llm.timeout_secs", timeout.as_str()),
        ("rate_limit.ai_requests_per_minute", "1000"),
    ];
    spawn_app_on_mistral(Backend::Sqlite, base_url, &overrides)
        .await
        .expect("sqlite always runs")
}

/// `/health` may take this many times longer under the load than just
/// before it (plus `HEALTH_SLACK`), not the provider's timeout.
const HEALTH_FACTOR: u32 = 10;
const HEALTH_SLACK: Duration = Duration::from_millis(200);

/// Fires `n` completions at once; meanwhile checks that `/health` stays
/// about as fast as it was just before (it waits on no provider). Returns
/// each response with how long it took.
async fn concurrently(
    app: &TestApp,
    token: &str,
    n: usize,
    body: Value,
) -> Vec<(reqwest::Response, Duration)> {
    let mut before = Duration::ZERO;
    for _ in 0..3 {
        before = before.max(health_latency(app).await);
    }
    let bound = before * HEALTH_FACTOR + HEALTH_SLACK;
    let requests =
        join_all((0..n).map(|_| timed(app.post_json_with_token("/ai/completions", token, &body))));
    let probes = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        for _ in 0..5 {
            let took = health_latency(app).await;
            assert!(
                took < bound,
                "/health took {took:?} under load, {before:?} just before"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (responses, ()) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(requests, probes)
    })
    .await
    .expect("no request stays stuck");
    responses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_requests_to_a_hanging_provider_get_504_after_the_timeout_while_health_stays_fast() {
    let (app, token) = app_on(&hostile_provider(Hostile::Hang).await).await;
    let answers = concurrently(&app, &token, 10, json!({"prompt": "hello"})).await;
    for (resp, took) in answers {
        assert!(
            took >= Duration::from_millis(950),
            "504 too early: {took:?}"
        );
        assert!(took < LLM_TIMEOUT + SLACK, "504 too late: {took:?}");
        problem(resp, 504, "upstream_timeout").await;
    }
    let rows = history(&app, &token).await;
    assert_eq!(rows.len(), 10, "one row per call");
    assert!(rows.iter().all(|r| r["error_code"] == "upstream_timeout"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_stream_opening_is_a_504_with_a_row() {
    let (app, token) = app_on(&hostile_provider(Hostile::Hang).await).await;
    let body = json!({"prompt": "hello", "stream": true});
    let answers = concurrently(&app, &token, 3, body).await;
    for (resp, took) in answers {
        assert!(took >= Duration::from_millis(950), "{took:?}");
        problem(resp, 504, "upstream_timeout").await;
    }
    assert_eq!(history(&app, &token).await.len(), 3);
}

/// A stream that stops half-way (silence or a reset): the client gets the
/// delta, then an error event; the row keeps the partial answer.
async fn cut_stream_ends_with_an_error_event(mode: Hostile, code: &str) {
    let (app, token) = app_on(&hostile_provider(mode).await).await;
    let body = json!({"prompt": "hello", "stream": true});
    for (resp, took) in concurrently(&app, &token, 3, body).await {
        assert_eq!(resp.status(), 200);
        let text = tokio::time::timeout(Duration::from_secs(5), resp.text())
            .await
            .expect("the stream ends")
            .expect("body");
        assert!(text.contains(r#"data: {"delta":"Half "}"#), "{text}");
        assert!(
            text.contains("event: error") && text.contains(code),
            "{text}"
        );
        assert!(!text.contains("event: done"), "{text}");
        // The headers and the delta come before the cut, not after a timeout.
        assert!(took < LLM_TIMEOUT + SLACK, "{took:?}");
    }
    let rows = history(&app, &token).await;
    assert_eq!(rows.len(), 3, "one row per stream");
    for row in rows {
        assert_eq!(row["status"], "error", "{row}");
        assert_eq!(row["response"], "Half ", "{row}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_goes_silent_half_way_ends_with_an_upstream_timeout_event() {
    cut_stream_ends_with_an_error_event(Hostile::StallMidStream, "upstream_timeout").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_reset_half_way_ends_with_an_upstream_error_event() {
    cut_stream_ends_with_an_error_event(Hostile::ResetMidStream, "upstream_error").await;
}

/// Five requests at once against each failing provider, each answered
/// without waiting out a timeout long enough to tell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_to_a_failing_provider_all_get_their_error_and_a_row() {
    const PATIENT: Duration = Duration::from_secs(20);
    // Connections refused for as long as `refusing` lives.
    let refusing = crate::common::refusing::Refusing::new();
    let refused = refusing.url("http");
    let cases: [(Option<ResponseTemplate>, u16, &str); 4] = [
        (None, 503, "llm_unavailable"),
        (Some(ResponseTemplate::new(500)), 502, "upstream_error"),
        (
            Some(ResponseTemplate::new(429).insert_header("retry-after", "3")),
            429,
            "upstream_rate_limited",
        ),
        (
            Some(ResponseTemplate::new(200).set_body_string("{\"choices\": [tru")),
            502,
            "upstream_error",
        ),
    ];
    for (upstream, status, code) in cases {
        let mock = MockServer::start().await;
        let base = match upstream {
            Some(template) => {
                Mock::given(method("POST"))
                    .respond_with(template)
                    .mount(&mock)
                    .await;
                mock.uri()
            }
            None => refused.clone(),
        };
        let (app, token) = app_with_timeout(&base, PATIENT).await;
        let answers = concurrently(&app, &token, 5, json!({"prompt": "hi"})).await;
        for (resp, took) in answers {
            assert!(took < PATIENT / 4, "{code}: {took:?}");
            problem(resp, status, code).await;
        }
        let rows = history(&app, &token).await;
        assert_eq!(rows.len(), 5, "{code}: one row per call");
        assert!(rows.iter().all(|r| r["error_code"] == code), "{rows:?}");
    }
}
