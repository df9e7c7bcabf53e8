//! The composition root: reads the settings, builds the adapters they name,
//! hands them to the core and the core to the HTTP layer.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use nextarget_adapters::{
    auth::{BcryptHasher, JwtCodec, JwtKeys},
    clock::SystemClock,
    limits::{FallbackLimiter, MemoryLimiter, RedisLimiter},
    storage,
};
use nextarget_ports::{Clock, Mailer, Metrics, RateLimiter};
use secrecy::ExposeSecret;

use nextarget_core::{
    ai::{AiPolicy, AiPorts, AiService, RetentionPolicy, RetentionWorker},
    auth::{AuthPolicy, AuthPorts, AuthService, ResetWorker},
    coach::CoachService,
    health::Readiness,
    oauth::{OAuthPolicy, OAuthPorts, OAuthService},
};

pub use crate::overrides::Overrides;
use crate::{
    config::{LimiterBackend, MailTransport, Settings},
    http::{self, HttpOptions, HttpServer, HttpServices},
};

pub struct Application {
    server: HttpServer,
    storage: storage::Storage,
    /// The history writes the database refused, waiting for it.
    history: Arc<storage::BufferedHistory>,
    ai: Arc<AiService>,
    readiness: Arc<Readiness>,
    shutdown_grace: Duration,
    drain_delay: Duration,
}

impl Application {
    /// Connects and migrates the database, builds every adapter and binds
    /// the listener (port 0: any free port, see [`Application::port`]).
    ///
    /// # Errors
    /// When the database cannot be reached or migrated, or the address
    /// cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Overrides::default()).await
    }

    /// [`Application::build`], with some adapters replaced.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with(settings: Settings, overrides: Overrides) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = overrides.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let metrics: Arc<dyn Metrics> = Arc::new(crate::observability::PrometheusMetrics);
        let storage = storage::connect_with(
            &settings.database.url,
            storage::PoolSettings {
                max_connections: settings.database.max_connections,
                acquire_timeout: settings
                    .database
                    .acquire_timeout_secs
                    .map(Duration::from_secs),
            },
        )
        .await?;
        let (limiter, shared_limiter) = match overrides.limiter {
            Some(limiter) => (limiter, None),
            None => rate_limiter(&settings)?,
        };
        let users = overrides.users.unwrap_or_else(|| storage.users.clone());
        let refresh_tokens = overrides
            .refresh_tokens
            .unwrap_or_else(|| storage.refresh_tokens.clone());
        let mailer = match overrides.mailer {
            Some(mailer) => mailer,
            None => mailer(&settings)?,
        };
        let auth = Arc::new(AuthService::new(
            AuthPorts {
                users: users.clone(),
                refresh_tokens,
                hasher: match overrides.hasher {
                    Some(hasher) => hasher,
                    None => Arc::new(BcryptHasher::new(settings.auth.bcrypt_cost)),
                },
                access_tokens: match overrides.access_tokens {
                    Some(codec) => codec,
                    None => Arc::new(JwtCodec::new(
                        &JwtKeys {
                            current: settings.auth.jwt_secret.clone(),
                            previous: settings.auth.jwt_previous_secrets.clone(),
                            issuer: settings.auth.issuer.clone(),
                            audience: settings.auth.audience.clone(),
                        },
                        settings.auth.access_token_ttl_secs,
                    )?),
                },
                clock: clock.clone(),
                limiter: limiter.clone(),
                metrics: metrics.clone(),
                reset_tokens: overrides
                    .reset_tokens
                    .unwrap_or_else(|| storage.reset_tokens.clone()),
                mailer,
            },
            AuthPolicy {
                refresh_token_ttl_secs: settings.auth.refresh_token_ttl_secs,
                max_failed_logins: settings.auth.max_failed_logins,
                max_failed_logins_per_ip: settings.auth.max_failed_logins_per_ip,
                refresh_reuse_grace_secs: settings.auth.refresh_reuse_grace_secs,
                password_reset_ttl_secs: settings.auth.password_reset_ttl_secs,
                reset_url: settings.mail.reset_url.clone(),
            },
        ));
        // Reset links go out from here, off the request path.
        tokio::spawn(ResetWorker::new(auth.clone()).run());
        let interactions = overrides
            .interactions
            .unwrap_or_else(|| storage.interactions.clone());
        let history = Arc::new(storage::BufferedHistory::new(interactions));
        let ai = Arc::new(AiService::new(
            AiPorts {
                llm: match overrides.llm {
                    Some(llm) => llm,
                    None => crate::llm_client::build(&settings.llm, &metrics)?,
                },
                history: history.clone(),
                limiter: limiter.clone(),
                clock: clock.clone(),
                metrics: metrics.clone(),
            },
            AiPolicy {
                default_model: settings.llm.model.clone(),
                allowed_models: settings.llm.effective_allowed_models(),
                max_prompt_chars: settings.llm.max_prompt_chars,
                requests_per_minute: settings.rate_limit.ai_requests_per_minute,
                tokens_per_day: settings.rate_limit.ai_tokens_per_day,
            },
        ));
        let retention = &settings.history;
        if retention.retention_days > 0 {
            let worker = RetentionWorker::new(
                history.clone(),
                clock.clone(),
                metrics.clone(),
                RetentionPolicy {
                    retention_days: retention.retention_days,
                    batch_size: retention.retention_batch_size,
                    interval: Duration::from_secs(retention.retention_interval_secs),
                },
            );
            tokio::spawn(worker.run());
        }
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let bound = http::Bound::bind(&address)
            .await
            .with_context(|| format!("Failed to listen on {address} (server.host, server.port)"))?;
        let (emulator, providers) = if settings.oauth.emulator {
            let (emulator, providers) =
                crate::oauth_providers::emulated(&settings.server.host, bound.port())?;
            (Some(emulator), providers)
        } else {
            (None, crate::oauth_providers::build(&settings.oauth)?)
        };
        let oauth = Arc::new(OAuthService::new(
            OAuthPorts {
                states: overrides
                    .oauth_states
                    .unwrap_or_else(|| storage.oauth_states.clone()),
                app_codes: overrides
                    .app_codes
                    .unwrap_or_else(|| storage.app_codes.clone()),
                users: users.clone(),
                clock,
                google: overrides.google.or(providers.google),
                facebook: overrides.facebook.or(providers.facebook),
                apple: overrides.apple.or(providers.apple),
            },
            OAuthPolicy {
                app_redirect_urls: settings.oauth.app_redirect_urls.clone(),
            },
            auth.clone(),
        ));
        let readiness = Arc::new(Readiness::new(users, shared_limiter).with_probe(
            // Off: every request asks the database (see
            // nextarget_adapters::storage::session_cache).
            "session_cache",
            {
                let cache = storage.session_cache.clone();
                Arc::new(move || cache.is_live())
            },
        ));
        let services = HttpServices {
            auth,
            ai: ai.clone(),
            coach: Arc::new(CoachService::new(ai.clone())),
            oauth,
            readiness: readiness.clone(),
            metrics: Arc::new(crate::observability::metrics_source(&storage)),
            emulator,
        };
        let options = HttpOptions {
            body_limit_bytes: settings.server.body_limit_bytes,
            cors_origins: settings.server.cors_origins.clone(),
            trusted_proxies: settings.server.trusted_proxies.clone(),
            spec_limits: http::SpecLimits {
                allowed_models: settings.llm.effective_allowed_models(),
                max_prompt_chars: settings.llm.max_prompt_chars,
            },
        };
        let server = bound.serve(services, &options);
        Ok(Self {
            server,
            storage,
            history,
            ai,
            readiness,
            shutdown_grace: Duration::from_secs(settings.server.shutdown_grace_secs),
            drain_delay: Duration::from_secs(settings.server.drain_delay_secs),
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Serves until SIGTERM or Ctrl-C, then drains: `/ready` answers 503 at
    /// once, serving goes on for `server.drain_delay_secs` (every answer
    /// closing its connection), then the listener closes, requests in flight
    /// get up to `server.shutdown_grace_secs` to finish, and the pools close.
    ///
    /// # Errors
    /// On an I/O failure of the listener.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then shuts down gracefully (see
    /// [`Application::run_until_stopped`]).
    ///
    /// # Errors
    /// On an I/O failure of the listener.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> std::io::Result<()> {
        // One grace for the whole drain once the listener closes:
        // connections, then streams.
        let stop_requested = Arc::new(std::sync::OnceLock::new());
        let stopped_at = stop_requested.clone();
        let readiness = self.readiness.clone();
        let drain_delay = self.drain_delay;
        let signal = async move {
            signal.await;
            readiness.begin_draining();
            if !drain_delay.is_zero() {
                tracing::info!(
                    delay_secs = drain_delay.as_secs(),
                    "draining: /ready answers 503, serving until the delay is over"
                );
                tokio::time::sleep(drain_delay).await;
            }
            tracing::info!("listener closing; requests in flight finishing");
            let _ = stopped_at.set(Instant::now());
        };
        let result = self.server.run_until(signal, self.shutdown_grace).await;
        let left = stop_requested
            .get()
            .map_or(self.shutdown_grace, |at: &Instant| {
                self.shutdown_grace.saturating_sub(at.elapsed())
            });
        // Streams still relaying and their history writes, then the history
        // rows deferred while the database was down, within the grace;
        // streams whose client was cut at its end get a moment to store
        // themselves as cancelled.
        let left = left.max(Duration::from_secs(1));
        let drain = async {
            self.ai.flush().await;
            self.history.drained().await;
        };
        if tokio::time::timeout(left, drain).await.is_err() {
            tracing::error!(
                deferred_rows = self.history.pending(),
                "shutdown grace over with AI streams or history writes still running"
            );
        }
        self.storage.closer.close().await;
        tracing::info!("stopped");
        result
    }
}

type SharedLimiter = Option<Arc<dyn RateLimiter>>;

/// The mailer `mail.transport` names: the file outbox, or SMTP (a mailer
/// that fails every send, logged, when `mail.smtp_url` is unset).
fn mailer(settings: &Settings) -> anyhow::Result<Arc<dyn Mailer>> {
    use nextarget_adapters::mail::{sender, FileOutbox, SmtpMailer, UnconfiguredMailer};
    let mail = &settings.mail;
    let from = sender(&mail.from)?;
    Ok(match (mail.transport, &mail.smtp_url) {
        (MailTransport::File, _) => Arc::new(FileOutbox::new(&mail.outbox_dir, from)?),
        (MailTransport::Smtp, Some(url)) => {
            Arc::new(SmtpMailer::new(url, from, Duration::from_secs(10))?)
        }
        (MailTransport::Smtp, None) => {
            tracing::warn!(
                "mail.smtp_url is unset: password reset links cannot be sent \
                 (set it, or mail.transport = \"file\")"
            );
            Arc::new(UnconfiguredMailer)
        }
    })
}

/// The limiter `rate_limit.backend` names, and the same limiter again when
/// it is shared (Redis), for readiness checks.
fn rate_limiter(settings: &Settings) -> anyhow::Result<(Arc<dyn RateLimiter>, SharedLimiter)> {
    match &settings.rate_limit.backend {
        LimiterBackend::Redis { url, prefix } => {
            let redis = RedisLimiter::new(url.expose_secret(), prefix)
                .context("rate_limit.redis_url is not a valid Redis URL")?;
            let limiter: Arc<dyn RateLimiter> =
                Arc::new(FallbackLimiter::new(redis, MemoryLimiter::new()));
            Ok((limiter.clone(), Some(limiter)))
        }
        LimiterBackend::Memory => Ok((Arc::new(MemoryLimiter::new()), None)),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
