//! `cargo bench --bench load`: the server (release binary, child process)
//! against a local Mistral stub, measured side by side in one run on SQLite
//! and on PostgreSQL (when NEXTARGET_TEST_POSTGRES_URL is set). Prints one
//! Markdown table. `LOAD_SECS` sets each phase's length (default 5).
//! `cargo bench --bench load -- soak` runs the memory soak instead.

mod driver;
mod phases;
mod server;
mod soak;
mod stub;

use std::time::Duration;

use phases::{Bench, Column};
use reqwest::Client;
use sqlx::{Connection, Executor, PgConnection};

/// A fresh PostgreSQL database for the run, or why there is none.
async fn postgres_database() -> Result<(String, String), String> {
    let admin_url = std::env::var("NEXTARGET_TEST_POSTGRES_URL")
        .map_err(|_| "skipped: NEXTARGET_TEST_POSTGRES_URL is unset".to_owned())?;
    let name = format!("nextarget_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .map_err(|e| format!("skipped: PostgreSQL unreachable ({e})"))?;
    admin
        .execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .await
        .map_err(|e| format!("skipped: cannot create a database ({e})"))?;
    let mut url = url::Url::parse(&admin_url).map_err(|e| format!("skipped: {e}"))?;
    url.set_path(&name);
    Ok((url.to_string(), name))
}

async fn drop_postgres_database(name: &str) {
    if let Ok(admin_url) = std::env::var("NEXTARGET_TEST_POSTGRES_URL") {
        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                )))
                .await;
        }
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into())
}

fn print_table(sqlite: &Column, postgres: &Result<Column, String>) {
    println!("| measure | SQLite | PostgreSQL |");
    println!("|---|---|---|");
    for (i, (label, value)) in sqlite.iter().enumerate() {
        let pg = match postgres {
            Ok(column) => column.get(i).map(|(_, v)| v.clone()).unwrap_or_default(),
            Err(reason) if i == 0 => reason.clone(),
            Err(_) => String::new(),
        };
        println!("| {label} | {value} | {pg} |");
    }
}

#[tokio::main]
async fn main() {
    let phase = std::env::var("LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let bench = Bench {
        client: Client::builder()
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .expect("client"),
        phase: Duration::from_secs(phase),
        cores,
    };
    let stub = stub::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    if std::env::args().any(|a| a == "soak") {
        let secs = std::env::var("SOAK_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300);
        eprintln!("soak: {cores} cores, {}, {secs} s", cpu_model());
        soak::soak(&bench.client, &sqlite_url, &stub, Duration::from_secs(secs)).await;
        return;
    }
    eprintln!("load: {cores} cores, {}, {phase} s phases", cpu_model());
    eprintln!("load: SQLite run");
    let sqlite = bench.run(&sqlite_url, &stub).await;
    let postgres = match postgres_database().await {
        Ok((url, name)) => {
            eprintln!("load: PostgreSQL run");
            let column = bench.run(&url, &stub).await;
            drop_postgres_database(&name).await;
            Ok(column)
        }
        Err(reason) => Err(reason),
    };
    println!(
        "\nMachine: {cores} cores ({}), client, stub and server on the same cores; \
         {phase} s per phase; latencies from each request's scheduled start.\n",
        cpu_model()
    );
    print_table(&sqlite, &postgres);
}
