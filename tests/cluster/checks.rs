//! What the cluster must hold, checked against the instances directly (not
//! through the balancer, so each step names the instance it runs on).

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::time::Instant;
use uuid::Uuid;

use crate::load::PASSWORD;

async fn sign_up(client: &reqwest::Client, base: &str) -> (String, Value) {
    let email = format!("check-{}@example.com", Uuid::new_v4().simple());
    let resp = client
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "provider": "local"}))
        .send()
        .await
        .expect("register");
    assert_eq!(resp.status(), 201, "sign-up on {base}");
    (email, resp.json().await.expect("tokens"))
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().expect("access token")
}

async fn complete(client: &reqwest::Client, base: &str, token: &str) -> u16 {
    client
        .post(format!("{base}/ai/completions"))
        .bearer_auth(token)
        .json(&json!({"prompt": "shared budget?"}))
        .send()
        .await
        .expect("completion")
        .status()
        .as_u16()
}

/// A user's AI requests per minute are one budget: `limit` requests spread
/// over both instances spend it, and then both refuse.
pub async fn ai_rate_limit_is_shared(a: &str, b: &str, limit: u32) {
    let client = reqwest::Client::new();
    let (_, tokens) = sign_up(&client, a).await;
    let token = access(&tokens);
    for n in 0..limit {
        let base = if n % 2 == 0 { a } else { b };
        assert_eq!(
            complete(&client, base, token).await,
            200,
            "request {n} on {base}"
        );
    }
    assert_eq!(
        complete(&client, a, token).await,
        429,
        "over the budget on A"
    );
    assert_eq!(
        complete(&client, b, token).await,
        429,
        "over the budget on B"
    );
}

async fn login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> u16 {
    client
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

/// Failed sign-ins of one account count together: five wrong passwords
/// spread over both instances lock it on both, even for the right one.
pub async fn login_lockout_is_shared(a: &str, b: &str) {
    let client = reqwest::Client::new();
    let (email, _) = sign_up(&client, a).await;
    for n in 0..5 {
        let base = if n % 2 == 0 { a } else { b };
        assert_eq!(login(&client, base, &email, "wrong-password-1").await, 401);
    }
    assert_eq!(
        login(&client, b, &email, PASSWORD).await,
        429,
        "locked on B"
    );
    assert_eq!(
        login(&client, a, &email, PASSWORD).await,
        429,
        "locked on A"
    );
}

/// A session ended on A is refused by B within a second; returns how long
/// B took.
pub async fn session_end_reaches_the_other_instance(a: &str, b: &str) -> Duration {
    let client = reqwest::Client::new();
    let (_, tokens) = sign_up(&client, a).await;
    let token = access(&tokens);
    let me = |base: &str| {
        client
            .get(format!("{base}/users/me"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(me(b).await.expect("me").status(), 200, "live on B first");
    let logout = client
        .post(format!("{a}/auth/logout"))
        .bearer_auth(token)
        .json(&json!({"refresh_token": tokens["refresh_token"]}))
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 204);
    let ended = Instant::now();
    assert_eq!(me(a).await.expect("me").status(), 401, "at once on A");
    loop {
        if me(b).await.expect("me").status() == 401 {
            let took = ended.elapsed();
            assert!(took <= Duration::from_secs(1), "B accepted it for {took:?}");
            return took;
        }
        assert!(
            ended.elapsed() <= Duration::from_secs(1),
            "B still accepts an ended session after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every acknowledged sign-up has its user and every acknowledged
/// completion its history row; returns how many rows were checked.
pub async fn nothing_acknowledged_is_lost(
    database_url: &str,
    emails: &[String],
    completions: &[Uuid],
) -> usize {
    let pool = PgPool::connect(database_url).await.expect("PostgreSQL");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = ANY($1)")
        .bind(emails)
        .fetch_one(&pool)
        .await
        .expect("count users");
    assert_eq!(
        users,
        i64::try_from(emails.len()).expect("fits"),
        "acknowledged sign-ups missing from users"
    );
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM interactions WHERE id = ANY($1) AND status = 'ok'",
    )
    .bind(completions)
    .fetch_one(&pool)
    .await
    .expect("count history rows");
    assert_eq!(
        rows,
        i64::try_from(completions.len()).expect("fits"),
        "acknowledged completions missing from history"
    );
    pool.close().await;
    emails.len() + completions.len()
}
