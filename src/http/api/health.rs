use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{
    payload::{Json, PlainText},
    ApiResponse, Object, OpenApi,
};

use super::ApiTags;
use crate::http::metrics::MetricsSource;
use nextarget_core::health::Readiness;

pub struct HealthApi;

#[derive(Object)]
pub struct Status {
    /// `ok`; on `/ready`, `unavailable` when a dependency is down, or
    /// `draining` once the instance is stopping (SIGTERM).
    pub status: String,
    /// Per dependency: `ok` or `unavailable`; absent on `/health`.
    #[oai(default, skip_serializing_if_is_empty)]
    pub checks: std::collections::BTreeMap<String, String>,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Every dependency answers.
    #[oai(status = 200)]
    Ready(Json<Status>),
    /// A dependency does not answer, or the instance is stopping.
    #[oai(status = 503)]
    NotReady(Json<Status>),
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// The Prometheus text exposition format (0.0.4).
    #[oai(
        status = 200,
        content_type = "text/plain; version=0.0.4; charset=utf-8"
    )]
    Ok(PlainText<String>),
}

#[OpenApi(tag = "ApiTags::Operations")]
impl HealthApi {
    /// Liveness: 200 while the process runs.
    #[oai(path = "/health", method = "get")]
    async fn health(&self) -> Json<Status> {
        Json(Status {
            status: "ok".into(),
            checks: Default::default(),
        })
    }

    /// Readiness: 200 when the database (and Redis, when configured) answer;
    /// 503 `draining` from the moment the instance is told to stop.
    #[oai(path = "/ready", method = "get")]
    async fn ready(&self, readiness: Data<&Arc<Readiness>>) -> ReadyResponse {
        if readiness.is_draining() {
            return ReadyResponse::NotReady(Json(Status {
                status: "draining".into(),
                checks: Default::default(),
            }));
        }
        let report = readiness.check().await;
        let all_ok = report.iter().all(|(_, ok)| *ok);
        let probes = readiness.probes().into_iter().map(|(name, on)| {
            let state = if on { "live" } else { "off" };
            (name.to_owned(), state.to_owned())
        });
        let status = Status {
            status: if all_ok { "ok" } else { "unavailable" }.into(),
            checks: report
                .into_iter()
                .map(|(name, ok)| {
                    (
                        name.to_owned(),
                        if ok { "ok" } else { "unavailable" }.to_owned(),
                    )
                })
                .chain(probes)
                .collect(),
        };
        if all_ok {
            ReadyResponse::Ready(Json(status))
        } else {
            ReadyResponse::NotReady(Json(status))
        }
    }

    /// Prometheus metrics: HTTP requests by method, route template and
    /// status with latency histograms; LLM calls by model and outcome with
    /// their latency and tokens; the proxy's own overhead; rate-limit
    /// rejections; login failures; the database pool's connections.
    #[oai(path = "/metrics", method = "get")]
    async fn metrics(&self, source: Data<&Arc<MetricsSource>>) -> MetricsResponse {
        MetricsResponse::Ok(PlainText(source.render()))
    }
}
