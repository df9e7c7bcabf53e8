//! `spawn_app`: the whole server on a random port, and a client for it.

use std::sync::Arc;

use nextarget::{
    app::{Application, Overrides},
    config,
};
use nextarget_adapters::clock::ManualClock;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use super::{test_database, Backend, TestDb, STRONG_PASSWORD};

pub struct TestApp {
    pub address: String,

    pub client: Client,
    pub db: TestDb,
    /// The server's clock, when it was started with one it does not own
    /// ([`spawn_app_with_clock`]): move it instead of sleeping.
    pub clock: Option<ManualClock>,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, &[]).await
}

/// Starts the server with the `test` settings plus `overrides`.
pub async fn spawn_app_with(backend: Backend, overrides: &[(&str, &str)]) -> Option<TestApp> {
    let db = test_database(backend).await?;
    Some(spawn_instance(&db, overrides, None).await)
}

/// [`spawn_app_with`] on a [`ManualClock`] (in `TestApp::clock`) that starts
/// at the current time and moves only when the test advances it.
pub async fn spawn_app_with_clock(backend: Backend, overrides: &[(&str, &str)]) -> Option<TestApp> {
    let db = test_database(backend).await?;
    Some(spawn_instance(&db, overrides, Some(ManualClock::starting_now())).await)
}

/// A server whose LLM is Mistral at `base_url` (API key `test-key`), with
/// `overrides`, and the access token of a user signed up on it.
pub async fn spawn_app_on_mistral(
    backend: Backend,
    base_url: &str,
    overrides: &[(&str, &str)],
) -> Option<(TestApp, String)> {
    let mut all = vec![
        ("llm.provider", "mistral"),
        ("llm.base_url", base_url),
        ("llm.api_key", "test-key"),
    ];
    all.extend_from_slice(overrides);
    let app = spawn_app_with(backend, &all).await?;
    let token = app.new_user_token().await;
    Some((app, token))
}

/// A server on `db` (which another instance may already use), with
/// `clock` when given.
pub async fn spawn_instance(
    db: &TestDb,
    overrides: &[(&str, &str)],
    clock: Option<ManualClock>,
) -> TestApp {
    spawn_instance_with(db, overrides, clock, |_| {}).await
}

/// [`spawn_instance`], with the parsed settings changed by `edit` (for
/// what no variable can say, e.g. the tables of `llm.fallbacks`).
pub async fn spawn_instance_with(
    db: &TestDb,
    overrides: &[(&str, &str)],
    clock: Option<ManualClock>,
    edit: impl FnOnce(&mut config::Settings),
) -> TestApp {
    let mut all = vec![
        ("database.url", db.url.as_str()),
        ("database.max_connections", "5"),
    ];
    all.extend_from_slice(overrides);
    let mut settings = config::load_for_tests(&all).expect("test settings");
    edit(&mut settings);
    if std::env::var_os("TEST_LOG").is_some() {
        // Into the test's captured output; once a binary (later calls fail).
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let overrides = Overrides {
        clock: clock
            .clone()
            .map(|c| Arc::new(c) as Arc<dyn nextarget_ports::Clock>),
        ..Overrides::default()
    };
    let app = Application::build_with(settings, overrides)
        .await
        .expect("server builds");
    let port = app.port();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db: db.clone(),
        clock,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// The OpenAPI document the server serves.
    pub async fn spec(&self) -> Value {
        let resp = self.get("/openapi.json").await;
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json spec")
    }

    /// `DELETE /users/me` as the holder of `token`.
    pub async fn delete_me(&self, token: &str) -> Response {
        self.client
            .delete(self.url("/users/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json_with_token(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/auth/register",
            &json!({"email": email, "password": password, "provider": "local"}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Registers a fresh user and returns its access token.
    pub async fn new_user_token(&self) -> String {
        self.signed_up_user().await["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Runs a `SELECT COUNT(*) ...` on the app's own database.
    pub async fn count(&self, sql: &str) -> i64 {
        self.column(sql).await[0]
    }

    /// Runs a `SELECT` of one text column on the app's own database.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        self.column(sql).await
    }

    /// Runs a `SELECT` of one column on the app's own database.
    async fn column<T>(&self, sql: &str) -> Vec<T>
    where
        T: Send + Unpin,
        T: sqlx::Type<sqlx::Sqlite> + for<'r> sqlx::Decode<'r, sqlx::Sqlite>,
        T: sqlx::Type<sqlx::Postgres> + for<'r> sqlx::Decode<'r, sqlx::Postgres>,
    {
        if self.db.url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.db.url)
                .await
                .expect("sqlite");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .expect("rows")
        } else {
            let pool = sqlx::PgPool::connect(&self.db.url).await.expect("postgres");
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .expect("rows")
        }
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json("/auth/refresh", &json!({"refresh_token": refresh_token}))
            .await
    }

    pub async fn logout(&self, refresh_token: &str) -> Response {
        self.post_json("/auth/logout", &json!({"refresh_token": refresh_token}))
            .await
    }

    /// Moves the server's [`ManualClock`] forward.
    pub fn advance(&self, secs: i64) {
        self.clock
            .as_ref()
            .expect("spawned with spawn_app_with_clock")
            .advance(chrono::Duration::seconds(secs));
    }

    /// Registers a fresh user and returns its `TokenResponse`.
    pub async fn signed_up_user(&self) -> Value {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        let resp = self.register(&email, STRONG_PASSWORD).await;
        assert_eq!(resp.status(), 201);
        resp.json().await.expect("token response")
    }
}

/// The signed-in user's `/ai/history` items, newest first.
pub async fn history(app: &TestApp, token: &str) -> Vec<Value> {
    let resp = app.get_with_token("/ai/history", token).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}
