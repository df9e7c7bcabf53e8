//! The inbound HTTP adapter: poem-openapi operations, the bearer scheme,
//! error mapping, and the middleware stack. Nothing outside this module
//! knows poem.

mod api;
mod api_error;
mod client_ip;
mod completion_response;
mod emulator;
mod error_map;
mod export_response;
mod listener;
pub mod metrics;
mod middleware;
mod problem;
mod schemas;
mod security;
mod served_spec;
mod server;
mod spec_rules;

use std::sync::Arc;

use poem::{endpoint::make_sync, web::Html, EndpointExt, IntoEndpoint, Route};
use poem_openapi::OpenApiService;

pub use listener::NoDelayAcceptor;
pub use problem::Problem;
pub use served_spec::SpecLimits;
pub use server::{Bound, HttpServer};

use api::{AiApi, AuthApi, CoachApi, HealthApi, OAuthApi, PasswordApi, SessionsApi, UsersApi};
use nextarget_core::{
    ai::AiService, auth::AuthService, coach::CoachService, health::Readiness, oauth::OAuthService,
};

/// What the handlers need, handed over by the composition root.
#[derive(Clone)]
pub struct HttpServices {
    pub auth: Arc<AuthService>,
    pub ai: Arc<AiService>,
    pub coach: Arc<CoachService>,
    pub oauth: Arc<OAuthService>,
    pub readiness: Arc<Readiness>,
    pub metrics: Arc<metrics::MetricsSource>,
    /// The identity emulator, served under `/emulator` when on.
    pub emulator: Option<Arc<nextarget_adapters::identity::emulator::IdentityEmulator>>,
}

/// HTTP settings the middleware needs.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub body_limit_bytes: usize,
    pub cors_origins: Vec<String>,
    /// Peers whose `X-Forwarded-For` names the client (`server.trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Configured limits written into the served `/openapi.json`.
    pub spec_limits: SpecLimits,
}

type Apis = (
    HealthApi,
    AuthApi,
    SessionsApi,
    PasswordApi,
    OAuthApi,
    UsersApi,
    AiApi,
    CoachApi,
);

fn openapi_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            HealthApi,
            AuthApi,
            SessionsApi,
            PasswordApi,
            OAuthApi,
            UsersApi,
            AiApi,
            CoachApi,
        ),
        "NexTarget API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Backend of the NexTarget coaching app: accounts, an LLM proxy and a coaching \
         orchestrator. Errors are application/problem+json (RFC 9457) with a stable `code`.",
    )
}

/// The OpenAPI 3 document (`nextarget openapi`), with the core's ranges.
pub fn openapi_json() -> String {
    spec_rules::apply(&openapi_service().spec())
}

/// The document as poem-openapi generates it, before the ranges.
#[cfg(test)]
fn raw_openapi_json() -> String {
    openapi_service().spec()
}

/// Every route with its middleware, ready to serve.
fn endpoint(services: HttpServices, options: &HttpOptions) -> poem::endpoint::BoxEndpoint<'static> {
    let api = openapi_service();
    let spec = served_spec::with_limits(&spec_rules::apply(&api.spec()), &options.spec_limits);
    let allow = middleware::AllowHeader::from_spec(&spec);
    let docs = api.swagger_ui_html();
    let cors = middleware::cors(&options.cors_origins);
    let routes = Route::new()
        .at(
            "/openapi.json",
            make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json")
                    .body(spec.clone())
            }),
        )
        .at("/docs", make_sync(move |_| Html(docs.clone())));
    let routes = match services.emulator {
        Some(emulator) => routes.nest("/emulator", emulator::routes().data(emulator)),
        None => routes,
    };
    let routes = routes
        .nest("/", api)
        .with(middleware::BodyLimit::new(options.body_limit_bytes))
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .with(middleware::ProblemErrors)
        .with(allow)
        .data(services.auth)
        .data(services.ai)
        .data(services.coach)
        .data(services.oauth)
        .data(client_ip::TrustedProxies(options.trusted_proxies.clone()))
        .data(services.readiness.clone())
        .data(services.metrics)
        .with(middleware::CloseWhenDraining(services.readiness))
        .with(middleware::RequestIdAndLog);
    routes.into_endpoint().boxed()
}
