//! The `nextarget` binary: `serve` (default), `migrate`, `openapi`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use nextarget::{app::Application, config, http, telemetry};

#[derive(Parser)]
#[command(name = "nextarget", version, about = "NexTarget coaching backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the OpenAPI 3 document and exit.
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        println!("{}", http::openapi_json());
        return Ok(());
    }
    let settings = match config::load() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let traces = telemetry::init(&settings.log, &settings.telemetry)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            let storage = nextarget_adapters::storage::connect(
                &settings.database.url,
                settings.database.max_connections,
            )
            .await?;
            storage.closer.close().await;
            tracing::info!("migrations applied");
            println!("migrations applied");
        }
        Command::Serve | Command::Openapi => {
            let host = settings.server.host.clone();
            let app = Application::build(settings)
                .await
                .context("Failed to start")?;
            tracing::info!(address = %format!("http://{host}:{}", app.port()), "listening");
            println!(
                "NexTarget listening on http://{host}:{} (docs at /docs)",
                app.port()
            );
            let served = app.run_until_stopped().await;
            // The last spans, within a few seconds even with the collector down.
            traces.shutdown();
            served?;
        }
    }
    Ok(())
}
