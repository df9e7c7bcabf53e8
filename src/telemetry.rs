//! Logs with tracing: pretty for people, JSON for machines (`log.format`),
//! filtered by `log.level` or `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber; a second call is a no-op.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter);
    let _ = match settings.format {
        // `spans` lists the request span (request id, user id) and any inner
        // one; the innermost alone would repeat it.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        // Colours only on a terminal, never escape codes in a log file.
        LogFormat::Pretty => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
    };
}
