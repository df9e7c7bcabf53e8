//! The identity emulator's routes (`/emulator/*`, only with
//! `oauth.emulator = true`): the provider side of Google's and Facebook's
//! sign-in, served by the server to itself and to the tester's browser.
//! Plain routes, outside the OpenAPI spec: a development tool, not the API.
//! The logic is the adapter's (`nextarget_adapters::identity::emulator`).

use std::sync::Arc;

use nextarget_adapters::identity::emulator::{
    AuthorizeQuery, EmulatorError, IdentityEmulator, Return,
};
use nextarget_ports::Provider;
use poem::{
    get, handler,
    http::StatusCode,
    post,
    web::{Data, Form, Html, Json, Path, Query},
    IntoResponse, Response, Route,
};
use serde::Deserialize;

fn provider(name: &str) -> Option<Provider> {
    match name {
        "google" => Some(Provider::Google),
        "facebook" => Some(Provider::Facebook),
        "apple" => Some(Provider::Apple),
        _ => None,
    }
}

fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// A refusal, shaped like an OAuth error answer.
fn refused(err: &EmulatorError) -> Response {
    let code = match err {
        EmulatorError::InvalidCode | EmulatorError::InvalidVerifier => "invalid_grant",
        EmulatorError::InvalidAccessToken => "invalid_token",
        EmulatorError::BadRequest(_) => "invalid_request",
    };
    let body = serde_json::json!({"error": code, "error_description": err.to_string()});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

#[handler]
fn authorize_page(
    Path(name): Path<String>,
    Query(query): Query<AuthorizeQuery>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    match provider(&name) {
        Some(p) => Html(emulator.authorize_page(p, &query)).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct AuthorizeForm {
    email: String,
    name: Option<String>,
    sub: Option<String>,
    #[serde(flatten)]
    query: AuthorizeQuery,
}

#[handler]
fn authorize(
    Path(name): Path<String>,
    Form(form): Form<AuthorizeForm>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    let Some(p) = provider(&name) else {
        return not_found();
    };
    match emulator.authorize(
        p,
        &form.query,
        &form.email,
        form.sub.as_deref(),
        form.name.as_deref(),
    ) {
        Ok(Return::Redirect(location)) => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", location)
            .header("cache-control", "no-store")
            .finish(),
        Ok(Return::FormPost(page)) => Html(page).into_response(),
        Err(err) => refused(&err),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    code: String,
    code_verifier: Option<String>,
}

#[handler]
fn token_endpoint(
    Path(name): Path<String>,
    Form(form): Form<TokenForm>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    let Some(p) = provider(&name).filter(|p| *p != Provider::Facebook) else {
        return not_found();
    };
    match emulator.token(p, &form.code, form.code_verifier.as_deref()) {
        Ok(answer) => Json(answer).into_response(),
        Err(err) => refused(&err),
    }
}

#[handler]
fn jwks(emulator: Data<&Arc<IdentityEmulator>>) -> Json<serde_json::Value> {
    Json(emulator.jwks())
}

#[derive(Deserialize)]
struct IdTokenRequest {
    email: String,
    sub: Option<String>,
    nonce: Option<String>,
}

#[handler]
fn id_token(
    Path(name): Path<String>,
    Json(body): Json<IdTokenRequest>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    let Some(p) = provider(&name) else {
        return not_found();
    };
    match emulator.native_id_token(p, &body.email, body.sub.as_deref(), body.nonce.as_deref()) {
        Ok(id_token) => Json(serde_json::json!({ "id_token": id_token })).into_response(),
        Err(err) => refused(&err),
    }
}

#[derive(Deserialize)]
struct SdkTokenRequest {
    email: String,
    sub: Option<String>,
}

/// A Facebook SDK access token for a made-up account (what `LoginManager`
/// gives the app).
#[handler]
fn facebook_sdk_token(
    Json(body): Json<SdkTokenRequest>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    match emulator.facebook_sdk_token(&body.email, body.sub.as_deref()) {
        Ok(token) => Json(serde_json::json!({ "access_token": token })).into_response(),
        Err(err) => refused(&err),
    }
}

#[derive(Deserialize)]
struct DebugTokenQuery {
    input_token: String,
}

#[handler]
fn facebook_debug_token(
    Query(query): Query<DebugTokenQuery>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Json<serde_json::Value> {
    Json(emulator.facebook_debug_token(&query.input_token))
}

#[derive(Deserialize)]
struct CodeQuery {
    code: String,
}

#[handler]
fn facebook_access_token(
    Query(query): Query<CodeQuery>,
    emulator: Data<&Arc<IdentityEmulator>>,
) -> Response {
    match emulator.facebook_access_token(&query.code) {
        Ok(answer) => Json(answer).into_response(),
        Err(err) => refused(&err),
    }
}

#[derive(Deserialize)]
struct MeQuery {
    access_token: String,
}

#[handler]
fn facebook_me(Query(query): Query<MeQuery>, emulator: Data<&Arc<IdentityEmulator>>) -> Response {
    match emulator.facebook_me(&query.access_token) {
        Ok(me) => Json(me).into_response(),
        Err(err) => refused(&err),
    }
}

/// Every emulator route, to nest under `/emulator`.
pub(super) fn routes() -> Route {
    Route::new()
        .at("/:provider/authorize", get(authorize_page).post(authorize))
        .at("/:provider/id_token", post(id_token))
        .at("/:provider/token", post(token_endpoint))
        .at("/:provider/jwks", get(jwks))
        .at("/facebook/oauth/access_token", get(facebook_access_token))
        .at("/facebook/me", get(facebook_me))
        .at("/facebook/debug_token", get(facebook_debug_token))
        .at("/facebook/access_token", post(facebook_sdk_token))
}
