//! The raw results of a run as JSON, beside the Markdown the run prints:
//! with `LOAD_JSON_DIR` set (e.g. `LOAD_JSON_DIR=docs/benchmarks`, relative
//! to the package root, where cargo runs benches), each run writes one new
//! file there, `<UTC start, e.g. 2026-11-30T14-00-05Z>.json`, and prints
//! its path. Without it nothing is written. Format (`"format": 1`):
//!
//! - `bench`: `"load"` or `"soak"`; `started_at`, `finished_at`: RFC 3339 UTC;
//!   `machine`: `cores`, `cpu`, `memory_gib`; `settings`: the constants of the run;
//! - load: `table`, the printed table's rows (`measure`, `sqlite`,
//!   `postgres`), then `sqlite` and `postgres`, each phase's `Stats::json`
//!   (`postgres` is `{"skipped": reason}` without a database);
//! - soak: `samples` (`t_s`, `rss_mib`, `ok`, `errors`, cumulative) and the
//!   summary line's numbers.

use std::{
    fs::OpenOptions,
    io::Write,
    path::{Path, PathBuf},
};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The variable naming the folder the JSON goes to.
pub const DIR_VAR: &str = "LOAD_JSON_DIR";

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The file name of a run started `at`: `2026-11-30T14-00-05Z.json`.
pub fn file_name(at: DateTime<Utc>) -> String {
    format!("{}.json", at.format("%Y-%m-%dT%H-%M-%SZ"))
}

/// Writes `report` as `dir/<file_name(started)>` (pretty, a final newline),
/// never over an existing file.
pub fn write(dir: &Path, started: DateTime<Utc>, report: &Value) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(started));
    let mut text = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    text.push('\n');
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?
        .write_all(text.as_bytes())?;
    Ok(path)
}

/// [`write`] to `LOAD_JSON_DIR` when it is set, printing the path; when it
/// cannot be written, says why and exits with status 1 (the run's table is
/// printed above it all the same).
pub fn write_if_asked(started: DateTime<Utc>, report: &Value) {
    let Some(dir) = std::env::var_os(DIR_VAR) else {
        return;
    };
    match write(Path::new(&dir), started, report) {
        Ok(path) => println!("\nRaw results: {}", path.display()),
        Err(e) => {
            eprintln!("load: cannot write the JSON results to {dir:?}: {e}");
            std::process::exit(1);
        }
    }
}
