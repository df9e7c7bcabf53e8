//! `cargo bench --bench load`: the server (release binary, child process)
//! against a local Mistral stub, measured side by side in one run on SQLite
//! and on PostgreSQL (when NEXTARGET_TEST_POSTGRES_URL is set). Prints one
//! Markdown table. `LOAD_SECS` sets each phase's length (default 5).
//! `cargo bench --bench load -- soak` runs the memory soak instead,
//! `cargo bench --bench load -- export` the memory of a large export,
//! `cargo bench --bench load -- profile` one client for a profiler. With
//! `LOAD_JSON_DIR` set, either also writes its raw results there as one
//! JSON file per run (see `report.rs`).

mod driver;
mod export;
mod phases;
mod profile;
mod report;
mod server;
mod soak;
mod stub;

use std::time::Duration;

use chrono::Utc;
use phases::{Bench, Column};
use reqwest::Client;
use serde_json::{json, Value};
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

/// The table's rows: (measure, SQLite, PostgreSQL or why it was skipped).
fn table(sqlite: &Column, postgres: &Result<Column, String>) -> Vec<[String; 3]> {
    sqlite
        .rows
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let pg = match postgres {
                Ok(column) => column
                    .rows
                    .get(i)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                Err(reason) if i == 0 => reason.clone(),
                Err(_) => String::new(),
            };
            [label.clone(), value.clone(), pg]
        })
        .collect()
}

fn print_table(rows: &[[String; 3]]) {
    println!("| measure | SQLite | PostgreSQL |");
    println!("|---|---|---|");
    for [label, sqlite, pg] in rows {
        println!("| {label} | {sqlite} | {pg} |");
    }
}

/// `MemTotal` of /proc/meminfo, in GiB.
fn memory_gib() -> Option<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / (1024.0 * 1024.0))
}

fn machine(cores: usize) -> Value {
    json!({"cores": cores, "cpu": cpu_model(), "memory_gib": memory_gib()})
}

#[tokio::main]
async fn main() {
    let started = Utc::now();
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
        let results =
            soak::soak(&bench.client, &sqlite_url, &stub, Duration::from_secs(secs)).await;
        let report = json!({
            "format": 1,
            "bench": "soak",
            "started_at": report::timestamp(started),
            "finished_at": report::timestamp(Utc::now()),
            "machine": machine(cores),
            "settings": {"soak_secs": secs, "database": "sqlite"},
            "soak": results,
        });
        report::write_if_asked(started, &report);
        return;
    }
    if std::env::args().any(|a| a == "profile") {
        let url = match std::env::var("LOAD_PROFILE_DB").as_deref() {
            Ok("sqlite") => None,
            _ => postgres_database().await.ok(),
        };
        let database = url.as_ref().map_or(sqlite_url.as_str(), |(url, _)| url);
        eprintln!(
            "profile: {cores} cores, {}, {phase} s, {database}",
            cpu_model()
        );
        profile::profile(&bench.client, database, &stub, bench.phase).await;
        if let Some((_, name)) = &url {
            drop_postgres_database(name).await;
        }
        return;
    }
    if std::env::args().any(|a| a == "export") {
        let rows = std::env::var("EXPORT_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        eprintln!("export: {cores} cores, {}, {rows} rows", cpu_model());
        println!(
            "\n| database | rows | exported | time | server RSS before | at most during | grew |"
        );
        println!("|---|---|---|---|---|---|---|");
        print!("| SQLite ");
        let sqlite = export::export(&bench.client, &sqlite_url, &stub, rows).await;
        let postgres = match postgres_database().await {
            Ok((url, name)) => {
                print!("| PostgreSQL ");
                let measured = export::export(&bench.client, &url, &stub, rows).await;
                drop_postgres_database(&name).await;
                measured
            }
            Err(reason) => json!({"skipped": reason}),
        };
        let report = json!({
            "format": 1,
            "bench": "export",
            "started_at": report::timestamp(started),
            "finished_at": report::timestamp(Utc::now()),
            "machine": machine(cores),
            "settings": {"rows": rows},
            "sqlite": sqlite,
            "postgres": postgres,
        });
        report::write_if_asked(started, &report);
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
    let rows = table(&sqlite, &postgres);
    print_table(&rows);
    let report = json!({
        "format": 1,
        "bench": "load",
        "started_at": report::timestamp(started),
        "finished_at": report::timestamp(Utc::now()),
        "machine": machine(cores),
        "settings": {
            "phase_secs": phase,
            "rounds": phases::ROUNDS,
            "clients": phases::CLIENTS,
            "proxy_rate_per_s": phases::PROXY_RATE,
            "probe_rate_per_s": phases::PROBE_RATE,
            "bcrypt_cost": server::BCRYPT_COST,
        },
        "table": rows
            .iter()
            .map(|[measure, sqlite, postgres]| {
                json!({"measure": measure, "sqlite": sqlite, "postgres": postgres})
            })
            .collect::<Vec<_>>(),
        "sqlite": sqlite.raw,
        "postgres": match &postgres {
            Ok(column) => column.raw.clone(),
            Err(reason) => json!({"skipped": reason}),
        },
    });
    report::write_if_asked(started, &report);
}
