//! A completion through the whole server, traced to the test's collector.

use serde_json::json;
use uuid::Uuid;

use crate::{
    collector::{collector, parse_traceparent, SpanRecord},
    common::{spawn_app_on_mistral, Backend},
    mistral::{mistral, traceparents},
};

/// The spans every traced completion has, each a name of this server's.
const COMPLETION_SPANS: [&str; 5] = [
    "POST /ai/completions",
    "complete",
    "llm_call",
    "mistral.complete",
    "history.append",
];

fn named<'a>(spans: &'a [SpanRecord], name: &str) -> &'a SpanRecord {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
        panic!("no span {name:?} among {names:?}")
    })
}

/// One completion on a server of its own (with the caller's `traceparent`
/// when given); the trace id and parent span id of the one `traceparent`
/// Mistral received.
async fn traced_completion(traceparent: Option<&str>) -> (String, String) {
    let upstream = mistral().await;
    let (app, token) = spawn_app_on_mistral(Backend::Sqlite, &upstream.uri(), &[])
        .await
        .expect("app");
    let mut request = app
        .client
        .post(app.url("/ai/completions"))
        .bearer_auth(&token)
        .json(&json!({"prompt": "hi"}));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    let resp = request.send().await.expect("request");
    assert_eq!(resp.status(), 200);
    let sent = traceparents(&upstream).await;
    assert_eq!(sent.len(), 1, "one call to Mistral");
    let sent = sent[0].as_deref().expect("a traceparent sent to Mistral");
    assert!(sent.ends_with("-01"), "sampled: {sent}");
    parse_traceparent(sent)
}

#[tokio::test]
async fn a_completion_is_one_trace_with_the_request_use_case_llm_call_and_history_write() {
    let collector = collector().await;
    let (trace_id, llm_parent) = traced_completion(None).await;

    let spans = collector.trace(&trace_id, &COMPLETION_SPANS).await;
    for name in COMPLETION_SPANS {
        named(&spans, name);
    }
    let request = named(&spans, "POST /ai/completions");
    assert_eq!(request.kind, 2, "a server span: {request:?}");
    assert!(request.parent_span_id.is_empty(), "a root: {request:?}");
    assert_eq!(request.attributes["http.route"], "/ai/completions");
    assert_eq!(request.attributes["http.request.method"], "POST");
    assert_eq!(request.attributes["http.response.status_code"], "200");
    assert_eq!(
        request.service_name.as_deref(),
        Some("nextarget-traces-test")
    );
    // The traceparent Mistral got names the LLM client span, a child of
    // the gateway's call inside the use case inside the request.
    let client = named(&spans, "mistral.complete");
    assert_eq!(client.span_id, llm_parent);
    assert_eq!(client.kind, 3, "a client span: {client:?}");
    let call = named(&spans, "llm_call");
    assert_eq!(client.parent_span_id, call.span_id);
    let use_case = named(&spans, "complete");
    assert_eq!(call.parent_span_id, use_case.span_id);
    assert_eq!(use_case.parent_span_id, request.span_id);
    let write = named(&spans, "history.append");
    assert_eq!(write.attributes["db.operation"], "interactions.append");
    assert!(
        spans.iter().all(|s| s.trace_id == trace_id),
        "one trace: {spans:?}"
    );
}

#[tokio::test]
async fn a_callers_traceparent_becomes_the_parent_of_the_request_span() {
    let collector = collector().await;
    let trace_id = Uuid::new_v4().simple().to_string();
    let caller_span = &Uuid::new_v4().simple().to_string()[..16];
    let caller = format!("00-{trace_id}-{caller_span}-01");
    let (sent_trace, _) = traced_completion(Some(&caller)).await;
    assert_eq!(sent_trace, trace_id, "Mistral gets the caller's trace");

    let spans = collector.trace(&trace_id, &COMPLETION_SPANS).await;
    let request = named(&spans, "POST /ai/completions");
    assert_eq!(request.parent_span_id, caller_span);
    assert_eq!(named(&spans, "complete").parent_span_id, request.span_id);
}

#[tokio::test]
async fn a_malformed_traceparent_starts_a_trace_of_its_own() {
    let collector = collector().await;
    let (trace_id, _) = traced_completion(Some("00-not-a-trace-01")).await;
    let spans = collector.trace(&trace_id, &COMPLETION_SPANS).await;
    let request = named(&spans, "POST /ai/completions");
    assert!(request.parent_span_id.is_empty(), "{request:?}");
}
