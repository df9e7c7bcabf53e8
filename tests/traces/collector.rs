//! The OTLP/HTTP collector of this binary: a wiremock server taking
//! `POST /v1/traces`, whose bodies are decoded with `opentelemetry-proto`;
//! and the server's trace pipeline pointed at it, installed once.

use std::{collections::HashMap, time::Duration};

use nextarget::{config, telemetry};
use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest, common::v1::any_value,
};
use prost::Message;
use tokio::sync::OnceCell;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

pub struct Collector {
    server: MockServer,
    telemetry: telemetry::Telemetry,
}

/// One exported span, ids in lowercase hex.
#[derive(Debug, Clone)]
pub struct SpanRecord {
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    /// `SpanKind` of the protocol: 2 server, 3 client.
    pub kind: i32,
    pub attributes: HashMap<String, String>,
    pub service_name: Option<String>,
}

static COLLECTOR: OnceCell<Collector> = OnceCell::const_new();

/// The collector, with this process's trace pipeline exporting to it.
pub async fn collector() -> &'static Collector {
    COLLECTOR
        .get_or_init(|| async {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path("/v1/traces"))
                .respond_with(ResponseTemplate::new(200))
                .mount(&server)
                .await;
            let settings = config::load_for_tests(&[
                ("telemetry.otlp_endpoint", server.uri().as_str()),
                ("telemetry.service_name", "nextarget-traces-test"),
            ])
            .expect("settings");
            let telemetry =
                telemetry::init(&settings.log, &settings.telemetry).expect("trace pipeline");
            assert!(telemetry.is_on(), "the first subscriber of this binary");
            Collector { server, telemetry }
        })
        .await
}

impl Collector {
    /// Every span received so far, after a flush.
    pub async fn spans(&'static self) -> Vec<SpanRecord> {
        tokio::task::spawn_blocking(|| self.telemetry.flush())
            .await
            .expect("flush");
        let requests = self.server.received_requests().await.expect("recorded");
        requests
            .iter()
            .filter(|r| r.url.path() == "/v1/traces")
            .flat_map(|r| decode(&r.body))
            .collect()
    }

    /// The spans of `trace_id` once every one of `names` is among them
    /// (or what there is after 10 s).
    pub async fn trace(&'static self, trace_id: &str, names: &[&str]) -> Vec<SpanRecord> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let spans: Vec<SpanRecord> = self
                .spans()
                .await
                .into_iter()
                .filter(|s| s.trace_id == trace_id)
                .collect();
            let complete = names.iter().all(|n| spans.iter().any(|s| s.name == *n));
            if complete || tokio::time::Instant::now() > deadline {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn decode(body: &[u8]) -> Vec<SpanRecord> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let service_name = resource_spans.resource.and_then(|r| {
            r.attributes
                .into_iter()
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| text(kv.value?.value?))
        });
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                out.push(SpanRecord {
                    name: span.name,
                    trace_id: hex::encode(span.trace_id),
                    span_id: hex::encode(span.span_id),
                    parent_span_id: hex::encode(span.parent_span_id),
                    kind: span.kind,
                    attributes: span
                        .attributes
                        .into_iter()
                        .filter_map(|kv| Some((kv.key, text(kv.value?.value?)?)))
                        .collect(),
                    service_name: service_name.clone(),
                });
            }
        }
    }
    out
}

fn text(value: any_value::Value) -> Option<String> {
    match value {
        any_value::Value::StringValue(s) => Some(s),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        _ => None,
    }
}

/// `traceparent`'s trace id and parent span id.
pub fn parse_traceparent(value: &str) -> (String, String) {
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(parts.len(), 4, "traceparent {value:?}");
    assert_eq!(parts[0], "00", "version of {value:?}");
    (parts[1].to_owned(), parts[2].to_owned())
}
