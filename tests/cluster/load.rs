//! The mixed load sent through the balancer: each worker signs up a user,
//! signs in, refreshes, asks for a completion, a streamed one, and a
//! history page, over and over, recording every answer (status and when)
//! and what was acknowledged: the sign-ups answered 201 and the
//! completions answered in full.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::{json, Value};
use tokio::time::Instant;
use uuid::Uuid;

use crate::real_binary::answered_id;

pub const PASSWORD: &str = "tundra-Velvet-93-orbit";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    SignUp,
    Login,
    Refresh,
    Completion,
    Stream,
    History,
}

/// One request: its status (0: no HTTP answer at all) and when it ran.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub op: Op,
    pub status: u16,
    /// A streamed completion answered 200 that ended without its `done`.
    pub cut: bool,
    pub started: Instant,
    pub ended: Instant,
}

#[derive(Default)]
pub struct WorkerReport {
    pub outcomes: Vec<Outcome>,
    pub signed_up: Vec<String>,
    pub completions: Vec<Uuid>,
}

struct Session {
    email: String,
    access: String,
    refresh: String,
}

pub async fn worker(base: String, stop: Arc<AtomicBool>) -> WorkerReport {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut report = WorkerReport::default();
    let mut session: Option<Session> = None;
    let ops = [
        Op::SignUp,
        Op::Login,
        Op::Refresh,
        Op::Completion,
        Op::Stream,
        Op::History,
    ];
    for op in ops.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let started = Instant::now();
        let (status, cut) = match (op, &mut session) {
            (Op::SignUp, _) => sign_up(&client, &base, &mut report, &mut session).await,
            (_, None) => continue,
            (Op::Login, Some(s)) => login(&client, &base, s).await,
            (Op::Refresh, Some(s)) => refresh(&client, &base, s).await,
            (Op::Completion, Some(s)) => complete(&client, &base, s, false, &mut report).await,
            (Op::Stream, Some(s)) => complete(&client, &base, s, true, &mut report).await,
            (Op::History, Some(s)) => history(&client, &base, s).await,
        };
        report.outcomes.push(Outcome {
            op: *op,
            status,
            cut,
            started,
            ended: Instant::now(),
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    report
}

fn tokens(body: &Value) -> Option<(String, String)> {
    Some((
        body["access_token"].as_str()?.to_owned(),
        body["refresh_token"].as_str()?.to_owned(),
    ))
}

async fn sign_up(
    client: &reqwest::Client,
    base: &str,
    report: &mut WorkerReport,
    session: &mut Option<Session>,
) -> (u16, bool) {
    let email = format!("cluster-{}@example.com", Uuid::new_v4().simple());
    let sent = client
        .post(format!("{base}/auth/register"))
        .json(&json!({"email": email, "password": PASSWORD, "provider": "local"}))
        .send()
        .await;
    let Ok(resp) = sent else { return (0, false) };
    let status = resp.status().as_u16();
    if status == 201 {
        report.signed_up.push(email.clone());
        if let Some((access, refresh)) = resp.json().await.ok().as_ref().and_then(tokens) {
            *session = Some(Session {
                email,
                access,
                refresh,
            });
        }
    }
    (status, false)
}

/// A 200 with tokens: the session carries on with them.
async fn renew(resp: reqwest::Response, session: &mut Session) -> (u16, bool) {
    let status = resp.status().as_u16();
    if status == 200 {
        if let Some((access, refresh)) = resp.json().await.ok().as_ref().and_then(tokens) {
            session.access = access;
            session.refresh = refresh;
        }
    }
    (status, false)
}

async fn login(client: &reqwest::Client, base: &str, session: &mut Session) -> (u16, bool) {
    let sent = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": session.email, "password": PASSWORD}))
        .send()
        .await;
    match sent {
        Ok(resp) => renew(resp, session).await,
        Err(_) => (0, false),
    }
}

async fn refresh(client: &reqwest::Client, base: &str, session: &mut Session) -> (u16, bool) {
    let sent = client
        .post(format!("{base}/auth/refresh"))
        .json(&json!({"refresh_token": session.refresh}))
        .send()
        .await;
    match sent {
        Ok(resp) => renew(resp, session).await,
        Err(_) => (0, false),
    }
}

async fn complete(
    client: &reqwest::Client,
    base: &str,
    session: &Session,
    streamed: bool,
    report: &mut WorkerReport,
) -> (u16, bool) {
    let sent = client
        .post(format!("{base}/ai/completions"))
        .bearer_auth(&session.access)
        .json(&json!({"prompt": format!("cluster {}", Uuid::new_v4()), "stream": streamed}))
        .send()
        .await;
    let Ok(resp) = sent else { return (0, false) };
    let status = resp.status().as_u16();
    if status != 200 {
        return (status, false);
    }
    let id = resp
        .text()
        .await
        .ok()
        .and_then(|text| answered_id(&text, streamed));
    match id {
        Some(id) => {
            report.completions.push(id);
            (status, false)
        }
        None => (status, true),
    }
}

async fn history(client: &reqwest::Client, base: &str, session: &Session) -> (u16, bool) {
    let sent = client
        .get(format!("{base}/ai/history?limit=10"))
        .bearer_auth(&session.access)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            // Read the body: a page cut short is no answer.
            match resp.bytes().await {
                Ok(_) => (status, false),
                Err(_) => (0, false),
            }
        }
        Err(_) => (0, false),
    }
}
