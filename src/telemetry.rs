//! Logs with tracing: pretty for people, JSON for machines (`log.format`),
//! filtered by `log.level` or `RUST_LOG`; and, when
//! `telemetry.otlp_endpoint` is set, OpenTelemetry traces of the same spans,
//! exported over OTLP/HTTP (protobuf).
//!
//! The two are separate layers with their own filters: the log layer keeps
//! `log.level`, the trace layer takes this server's spans down to `debug`
//! (the adapters' database, Redis, LLM and identity-provider calls), so
//! traces never add log lines and, with traces off, the `debug` spans stay
//! disabled (next to free).
//!
//! Export never slows a request: a finished span goes into a bounded queue
//! ([`MAX_QUEUE`] spans, the newest dropped when full) that a thread of the
//! SDK's own sends in batches with reqwest's blocking client, one attempt of
//! at most [`EXPORT_TIMEOUT`] per batch, no retries.

use std::{io::IsTerminal, time::Duration};

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::{
    propagation::TraceContextPropagator,
    trace::{BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider},
    Resource,
};
use tracing::{Level, Metadata};
use tracing_subscriber::{
    filter::{filter_fn, LevelFilter},
    fmt,
    layer::SubscriberExt as _,
    util::SubscriberInitExt as _,
    EnvFilter, Layer, Registry,
};

use crate::config::{LogFormat, LogSettings, TelemetrySettings};

/// Finished spans waiting for export at most; past it new ones are dropped.
pub const MAX_QUEUE: usize = 4096;
/// Spans sent in one OTLP request at most.
const MAX_BATCH: usize = 512;
/// How often the queue is sent when it is not full enough for a batch.
const SCHEDULED_DELAY: Duration = Duration::from_secs(2);
/// One export attempt at most (connection and answer).
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);
/// What stopping waits for the last spans to leave.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(3);
/// The crates whose spans are traced (`nextarget`, `nextarget_core`,
/// `nextarget_adapters`: a target prefix).
const TRACED_TARGET: &str = "nextarget";

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The installed trace pipeline, if any: flush or stop it with this.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether traces are exported.
    pub fn is_on(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends every finished span now (waits up to the export timeout).
    pub fn flush(&self) {
        if let Some(provider) = &self.provider {
            if let Err(err) = provider.force_flush() {
                tracing::warn!(error = %err, "traces not flushed");
            }
        }
    }

    /// Sends what is left and stops the exporter, within a few seconds
    /// even when the collector does not answer.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider {
            if let Err(err) = provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT) {
                tracing::warn!(error = %err, "traces not all exported at shutdown");
            }
        }
    }
}

/// Installs the global subscriber (a second call leaves the first in place,
/// and returns a pipeline that is off) and, with `telemetry.otlp_endpoint`,
/// the trace exporter and the W3C propagator.
///
/// # Errors
/// When the exporter cannot be built (its HTTP client fails to start).
pub fn init(log: &LogSettings, telemetry: &TelemetrySettings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let logs: BoxedLayer = match log.format {
        // `spans` lists the request span (request id, user id, trace id)
        // and any inner one; the innermost alone would repeat it.
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_filter(filter)
            .boxed(),
        // Colours only on a terminal, never escape codes in a log file.
        LogFormat::Pretty => fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .with_filter(filter)
            .boxed(),
    };
    let Some(endpoint) = &telemetry.otlp_endpoint else {
        let _ = tracing_subscriber::registry().with(logs).try_init();
        return Ok(Telemetry::default());
    };
    let provider = tracer_provider(endpoint.as_str(), telemetry)?;
    let traces: BoxedLayer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("nextarget"))
        .with_location(false)
        .with_threads(false)
        // Both would run at every poll of every traced future: busy/idle
        // times nobody reads, and an OpenTelemetry context made current
        // that no code here asks for (the adapters read the span's own).
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_filter(filter_fn(is_traced).with_max_level_hint(LevelFilter::DEBUG))
        .boxed();
    if tracing_subscriber::registry()
        .with(vec![logs, traces])
        .try_init()
        .is_err()
    {
        // Another subscriber was first (a test's): it would never see
        // these spans, so export nothing.
        let _ = provider.shutdown();
        return Ok(Telemetry::default());
    }
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    nextarget_adapters::trace_context::enable();
    Ok(Telemetry {
        provider: Some(provider),
    })
}

/// What the trace layer takes: this server's spans down to `debug` (the
/// adapters' calls), and its events down to `info` only (they become span
/// events: a `debug` line per call is not worth exporting).
fn is_traced(meta: &Metadata<'_>) -> bool {
    let lowest = if meta.is_span() {
        Level::DEBUG
    } else {
        Level::INFO
    };
    meta.target().starts_with(TRACED_TARGET) && *meta.level() <= lowest
}

/// The SDK pipeline: parent-based ratio sampling, a bounded batch queue,
/// one short attempt per export.
fn tracer_provider(
    endpoint: &str,
    telemetry: &TelemetrySettings,
) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_timeout(EXPORT_TIMEOUT)
        .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled())
        .build()
        .context("Failed to build the OTLP exporter (telemetry.otlp_endpoint)")?;
    let batches = BatchConfigBuilder::default()
        .with_max_queue_size(MAX_QUEUE)
        .with_max_export_batch_size(MAX_BATCH)
        .with_scheduled_delay(SCHEDULED_DELAY)
        .build();
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(batches)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            telemetry.sample_ratio,
        ))))
        .with_resource(
            Resource::builder()
                .with_service_name(telemetry.service_name.clone())
                .build(),
        )
        .build())
}
