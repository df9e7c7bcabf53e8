//! [`RawSettings`] into [`Settings`]: every value parsed into its type, each
//! refusal naming its key. All problems are reported at once.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use nextarget_adapters::identity::AppleSigningKey;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{
    raw::{
        RawApple, RawFacebook, RawFallback, RawGoogle, RawHistory, RawLimiterBackend, RawMail,
        RawSettings, RawTelemetry,
    },
    AppleSettings, AppleWebSettings, AuthSettings, DatabaseSettings, FacebookSettings,
    GoogleSettings, HistorySettings, LimiterBackend, LlmFallback, LlmSettings, MailSettings,
    MailTransport, OAuthSettings, RateLimitSettings, ServerSettings, Settings, TelemetrySettings,
};

impl TryFrom<RawSettings> for Settings {
    /// Every problem found, `; `-separated, each naming its key.
    type Error = String;

    fn try_from(raw: RawSettings) -> Result<Self, Self::Error> {
        let mut problems = Problems::default();
        let p = &mut problems;

        let trusted_proxies = p.all(list(raw.server.trusted_proxies).iter().map(|e| proxy(e)));
        p.positive("server.body_limit_bytes", raw.server.body_limit_bytes);
        let server = trusted_proxies.map(|trusted_proxies| ServerSettings {
            host: raw.server.host,
            port: raw.server.port,
            cors_origins: list(raw.server.cors_origins),
            body_limit_bytes: raw.server.body_limit_bytes,
            shutdown_grace_secs: raw.server.shutdown_grace_secs,
            drain_delay_secs: raw.server.drain_delay_secs,
            trusted_proxies,
        });

        p.positive("database.max_connections", raw.database.max_connections);
        if raw.database.acquire_timeout_secs == Some(0) {
            p.push("database.acquire_timeout_secs must be > 0");
        }
        let database = DatabaseSettings {
            url: raw.database.url,
            max_connections: raw.database.max_connections,
            acquire_timeout_secs: raw.database.acquire_timeout_secs,
        };

        let jwt_secret = match raw.auth.jwt_secret {
            None => p.fail("auth.jwt_secret (or JWT_SECRET_KEY) must be set"),
            Some(secret) if secret.expose_secret().is_empty() => {
                p.fail("auth.jwt_secret must not be empty")
            }
            Some(secret) => Some(secret),
        };
        if !(4..=31).contains(&raw.auth.bcrypt_cost) {
            p.push("auth.bcrypt_cost must be between 4 and 31");
        }
        if raw.auth.access_token_ttl_secs == 0 || raw.auth.refresh_token_ttl_secs == 0 {
            p.push("auth.access_token_ttl_secs and auth.refresh_token_ttl_secs must be > 0");
        }
        p.positive("auth.max_failed_logins", raw.auth.max_failed_logins);
        p.positive(
            "auth.max_failed_logins_per_ip",
            raw.auth.max_failed_logins_per_ip,
        );
        if raw
            .auth
            .jwt_previous_secrets
            .iter()
            .any(|s| s.expose_secret().is_empty())
        {
            p.push("auth.jwt_previous_secrets must not hold an empty secret");
        }
        if raw.auth.issuer.trim().is_empty() || raw.auth.audience.trim().is_empty() {
            p.push("auth.issuer and auth.audience must not be empty");
        }
        let auth = jwt_secret.map(|jwt_secret| AuthSettings {
            jwt_secret,
            jwt_previous_secrets: raw.auth.jwt_previous_secrets,
            issuer: raw.auth.issuer,
            audience: raw.auth.audience,
            access_token_ttl_secs: raw.auth.access_token_ttl_secs,
            refresh_token_ttl_secs: raw.auth.refresh_token_ttl_secs,
            bcrypt_cost: raw.auth.bcrypt_cost,
            max_failed_logins: raw.auth.max_failed_logins,
            max_failed_logins_per_ip: raw.auth.max_failed_logins_per_ip,
            refresh_reuse_grace_secs: raw.auth.refresh_reuse_grace_secs,
            password_reset_ttl_secs: raw.auth.password_reset_ttl_secs,
        });

        if raw.llm.timeout_secs == 0 || raw.llm.max_prompt_chars == 0 {
            p.push("llm.timeout_secs and llm.max_prompt_chars must be > 0");
        }
        let fallbacks = fallbacks(raw.llm.fallbacks, raw.llm.fallback_models, p);
        let llm = p
            .ok(endpoint("llm.base_url", &raw.llm.base_url))
            .zip(fallbacks)
            .map(|(base_url, fallbacks)| LlmSettings {
                provider: raw.llm.provider,
                base_url,
                api_key: raw.llm.api_key,
                model: raw.llm.model,
                allowed_models: list(raw.llm.allowed_models),
                timeout_secs: raw.llm.timeout_secs,
                max_prompt_chars: raw.llm.max_prompt_chars,
                fake_script: raw
                    .llm
                    .fake_script
                    .filter(|p| !p.trim().is_empty())
                    .map(Into::into),
                fallbacks,
            });

        let limits = raw.rate_limit;
        p.positive(
            "rate_limit.ai_requests_per_minute",
            limits.ai_requests_per_minute,
        );
        let backend = match (limits.backend, limits.redis_url) {
            (RawLimiterBackend::Memory, _) => Some(LimiterBackend::Memory),
            (RawLimiterBackend::Redis, Some(url)) => Some(LimiterBackend::Redis {
                url,
                prefix: limits.redis_prefix,
            }),
            (RawLimiterBackend::Redis, None) => {
                p.fail("rate_limit.redis_url must be set when rate_limit.backend = \"redis\"")
            }
        };
        let rate_limit = backend.map(|backend| RateLimitSettings {
            backend,
            ai_requests_per_minute: limits.ai_requests_per_minute,
            ai_tokens_per_day: limits.ai_tokens_per_day,
        });
        let history = history(raw.history, p);

        p.positive(
            "auth.password_reset_ttl_secs",
            raw.auth.password_reset_ttl_secs,
        );
        let mail = mail(raw.mail, p);
        let google = google(raw.oauth.google, p);
        let facebook = facebook(raw.oauth.facebook, p);
        let apple = apple(raw.oauth.apple, p);
        let app_redirect_urls = p.all(list(raw.oauth.app_redirect_urls).into_iter().map(app_link));
        let telemetry = telemetry(raw.telemetry, p);

        let providers = (google, facebook, apple, app_redirect_urls);
        match (server, auth, llm, rate_limit, mail, providers, telemetry) {
            (
                Some(server),
                Some(auth),
                Some(llm),
                Some(rate_limit),
                Some(mail),
                (Some(google), Some(facebook), Some(apple), Some(app_redirect_urls)),
                Some(telemetry),
            ) if problems.0.is_empty() => Ok(Settings {
                history,
                environment: raw.environment,
                server,
                database,
                auth,
                llm,
                rate_limit,
                mail,
                oauth: OAuthSettings {
                    emulator: raw.oauth.emulator,
                    app_redirect_urls,
                    google,
                    facebook,
                    apple,
                },
                log: raw.log,
                telemetry,
            }),
            _ => Err(problems.0.join("; ")),
        }
    }
}

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, problem: impl Into<String>) {
        self.0.push(problem.into());
    }

    fn fail<T>(&mut self, problem: impl Into<String>) -> Option<T> {
        self.push(problem);
        None
    }

    fn ok<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.push(problem)).ok()
    }

    /// Every item, or `None` with each failure recorded.
    fn all<T>(&mut self, results: impl Iterator<Item = Result<T, String>>) -> Option<Vec<T>> {
        let before = self.0.len();
        let items: Vec<T> = results.filter_map(|r| self.ok(r)).collect();
        (self.0.len() == before).then_some(items)
    }

    fn positive<N: Default + PartialEq>(&mut self, key: &str, value: N) {
        if value == N::default() {
            self.push(format!("{key} must be > 0"));
        }
    }
}

/// A list's entries, trimmed, blank ones left out (a `NEXTARGET__...`
/// list variable is split at commas, spaces and all).
fn list(entries: Vec<String>) -> Vec<String> {
    entries
        .into_iter()
        .map(|entry| entry.trim().to_owned())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// A `server.trusted_proxies` entry: a CIDR range or a bare IP (a /32 or
/// /128). IPv4-mapped IPv6 entries are read as IPv4, as client IPs are.
fn proxy(entry: &str) -> Result<IpNet, String> {
    let net = entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!(
                "server.trusted_proxies: {entry:?} is not an IP address or CIDR range \
                 (expected e.g. \"10.0.0.1\" or \"10.0.0.0/8\")"
            )
        })?;
    let net = match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => v6
            .addr()
            .to_ipv4_mapped()
            .and_then(|v4| Ipv4Net::new(v4, v6.prefix_len() - 96).ok())
            .map_or(net, IpNet::V4),
        _ => net,
    };
    Ok(net.trunc())
}

/// An absolute `http`/`https` URL.
fn endpoint(key: &str, value: &str) -> Result<Url, String> {
    let url = absolute_url(key, value)?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(format!("{key}: {value:?} is not an http or https URL"))
    }
}

fn absolute_url(key: &str, value: &str) -> Result<Url, String> {
    Url::parse(value.trim()).map_err(|err| format!("{key}: {value:?} is not a valid URL ({err})"))
}

/// An `oauth.app_redirect_urls` entry, kept as written: an absolute URL
/// (a custom scheme like `nextarget://auth`, or an `https` link) with no
/// fragment, since the callback appends its query to it.
fn app_link(entry: String) -> Result<String, String> {
    let url = absolute_url("oauth.app_redirect_urls", &entry)?;
    if url.fragment().is_some() {
        return Err(format!(
            "oauth.app_redirect_urls: {entry:?} has a fragment (#...); an app link takes none"
        ));
    }
    Ok(entry)
}

/// The value when set and not blank.
fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn given_secret(value: Option<SecretString>) -> Option<SecretString> {
    value.filter(|v| !v.expose_secret().trim().is_empty())
}

/// A provider's client id, client secret and redirect URI.
struct Credentials {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: Url,
}

/// `Some` when all three are set and not blank; `None` when any is not:
/// the provider is then off (one or two of them leave it off, as before the
/// typed settings, not refused). A malformed redirect URI is refused.
fn credentials(
    provider: &str,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
) -> Result<Option<Credentials>, String> {
    let redirect_uri = given(redirect_uri)
        .map(|uri| absolute_url(&format!("{provider}.redirect_uri"), &uri))
        .transpose()?;
    Ok(
        match (given(client_id), given_secret(client_secret), redirect_uri) {
            (Some(client_id), Some(client_secret), Some(redirect_uri)) => Some(Credentials {
                client_id,
                client_secret,
                redirect_uri,
            }),
            _ => None,
        },
    )
}

/// `llm.fallbacks` then `llm.fallback_models` (models of the primary's
/// provider): each model named, each `base_url` an http(s) URL.
fn fallbacks(
    tables: Vec<RawFallback>,
    models: Vec<String>,
    p: &mut Problems,
) -> Option<Vec<LlmFallback>> {
    let same_provider = list(models).into_iter().map(|model| RawFallback {
        model,
        base_url: None,
        api_key: None,
    });
    let results = tables
        .into_iter()
        .chain(same_provider)
        .enumerate()
        .map(|(i, raw)| {
            let key = format!("llm.fallbacks[{i}]");
            let model = raw.model.trim().to_owned();
            if model.is_empty() {
                return Err(format!("{key}.model must not be empty"));
            }
            let base_url = given(raw.base_url)
                .map(|url| endpoint(&format!("{key}.base_url"), &url))
                .transpose()?;
            Ok(LlmFallback {
                model,
                base_url,
                api_key: given_secret(raw.api_key),
            })
        });
    p.all(results)
}

/// `telemetry.*`: an http(s) endpoint when set (the base URL, to which
/// `/v1/traces` is added unless it already ends so), a service name, and a
/// sample ratio between 0 and 1.
fn telemetry(raw: RawTelemetry, p: &mut Problems) -> Option<TelemetrySettings> {
    let before = p.0.len();
    let otlp_endpoint = given(raw.otlp_endpoint)
        .and_then(|url| p.ok(endpoint("telemetry.otlp_endpoint", &url)))
        .map(traces_url);
    if !(0.0..=1.0).contains(&raw.sample_ratio) {
        p.push(format!(
            "telemetry.sample_ratio must be between 0.0 and 1.0, not {}",
            raw.sample_ratio
        ));
    }
    let service_name = raw.service_name.trim().to_owned();
    if service_name.is_empty() {
        p.push("telemetry.service_name must not be empty");
    }
    (p.0.len() == before).then_some(TelemetrySettings {
        otlp_endpoint,
        service_name,
        sample_ratio: raw.sample_ratio,
    })
}

/// `http://collector:4318` → `http://collector:4318/v1/traces`, as OTLP's
/// `OTEL_EXPORTER_OTLP_ENDPOINT` reads a base; a URL already ending in
/// `/v1/traces` is kept.
fn traces_url(mut url: Url) -> Url {
    if !url.path().ends_with("/v1/traces") {
        let path = format!("{}/v1/traces", url.path().trim_end_matches('/'));
        url.set_path(&path);
    }
    url
}

/// The longest `history.retention_days` (a century): past it, dates
/// computed from it would leave the calendar.
const MAX_RETENTION_DAYS: u32 = 36_500;

/// `history.*`: a retention of at most a century, a batch and an interval
/// above zero.
fn history(raw: RawHistory, p: &mut Problems) -> HistorySettings {
    if raw.retention_days > MAX_RETENTION_DAYS {
        p.push(format!(
            "history.retention_days must be at most {MAX_RETENTION_DAYS} (0 keeps history forever)"
        ));
    }
    p.positive("history.retention_batch_size", raw.retention_batch_size);
    p.positive(
        "history.retention_interval_secs",
        raw.retention_interval_secs,
    );
    HistorySettings {
        retention_days: raw.retention_days,
        retention_batch_size: raw.retention_batch_size,
        retention_interval_secs: raw.retention_interval_secs,
    }
}

/// `Some(None)`: not configured (see [`credentials`]). `None`: a malformed
/// value, recorded in `p`.
/// `mail.*`: a sender that is a mailbox, a reset URL with `{token}`, and
/// an SMTP URL of a known scheme when one is given.
fn mail(raw: RawMail, p: &mut Problems) -> Option<MailSettings> {
    let before = p.0.len();
    if nextarget_adapters::mail::sender(&raw.from).is_err() {
        p.push(format!(
            "mail.from must be a mailbox like `NexTarget <no-reply@example.com>`, not {:?}",
            raw.from
        ));
    }
    if !raw.reset_url.contains("{token}") {
        p.push("mail.reset_url must contain {token}, where the reset token goes");
    }
    if let Some(url) = &raw.smtp_url {
        let scheme = Url::parse(url.expose_secret()).map(|u| u.scheme().to_owned());
        if !matches!(scheme.as_deref(), Ok("smtp" | "smtps")) {
            p.push("mail.smtp_url must be an smtp:// or smtps:// URL");
        }
    }
    if raw.transport == MailTransport::File && raw.outbox_dir.trim().is_empty() {
        p.push("mail.outbox_dir must be set when mail.transport = \"file\"");
    }
    (p.0.len() == before).then(|| MailSettings {
        transport: raw.transport,
        smtp_url: raw.smtp_url,
        from: raw.from,
        outbox_dir: raw.outbox_dir.into(),
        reset_url: raw.reset_url,
    })
}

fn google(raw: RawGoogle, p: &mut Problems) -> Option<Option<GoogleSettings>> {
    let credentials = p.ok(credentials(
        "oauth.google",
        raw.client_id,
        raw.client_secret,
        raw.redirect_uri,
    ));
    let auth_url = p.ok(endpoint("oauth.google.auth_url", &raw.auth_url));
    let token_url = p.ok(endpoint("oauth.google.token_url", &raw.token_url));
    let jwks_url = p.ok(endpoint("oauth.google.jwks_url", &raw.jwks_url));
    let (credentials, auth_url, token_url, jwks_url) =
        (credentials?, auth_url?, token_url?, jwks_url?);
    Some(credentials.map(|c| GoogleSettings {
        client_id: c.client_id,
        client_secret: c.client_secret,
        redirect_uri: c.redirect_uri,
        auth_url,
        token_url,
        jwks_url,
        issuers: list(raw.issuers),
        native_client_ids: list(raw.native_client_ids),
    }))
}

/// As [`google`].
fn facebook(raw: RawFacebook, p: &mut Problems) -> Option<Option<FacebookSettings>> {
    let credentials = p.ok(credentials(
        "oauth.facebook",
        raw.client_id,
        raw.client_secret,
        raw.redirect_uri,
    ));
    let auth_url = p.ok(endpoint("oauth.facebook.auth_url", &raw.auth_url));
    let graph_url = p.ok(endpoint("oauth.facebook.graph_url", &raw.graph_url));
    let jwks_url = p.ok(endpoint("oauth.facebook.jwks_url", &raw.jwks_url));
    let (credentials, auth_url, graph_url, jwks_url) =
        (credentials?, auth_url?, graph_url?, jwks_url?);
    Some(credentials.map(|c| FacebookSettings {
        client_id: c.client_id,
        client_secret: c.client_secret,
        redirect_uri: c.redirect_uri,
        auth_url,
        graph_url,
        jwks_url,
    }))
}

/// Sign in with Apple. `Some(None)`: off (neither `client_id` nor
/// `native_client_ids` set). The web flow is on only when `client_id`,
/// `team_id`, `key_id`, `private_key` and `redirect_uri` are all set (some
/// of them leave it off, as for Google). `None`: a malformed value (a URL,
/// or a private key that is not a P-256 PEM key), recorded in `p`.
fn apple(raw: RawApple, p: &mut Problems) -> Option<Option<AppleSettings>> {
    let redirect_uri = p.ok(given(raw.redirect_uri)
        .map(|uri| absolute_url("oauth.apple.redirect_uri", &uri))
        .transpose());
    let private_key = p.ok(given_secret(raw.private_key)
        .map(|pem| {
            AppleSigningKey::from_pem(pem.expose_secret())
                .map_err(|why| format!("oauth.apple.private_key: {why}"))
        })
        .transpose());
    let auth_url = p.ok(endpoint("oauth.apple.auth_url", &raw.auth_url));
    let token_url = p.ok(endpoint("oauth.apple.token_url", &raw.token_url));
    let jwks_url = p.ok(endpoint("oauth.apple.jwks_url", &raw.jwks_url));
    let (redirect_uri, private_key, auth_url, token_url, jwks_url) = (
        redirect_uri?,
        private_key?,
        auth_url?,
        token_url?,
        jwks_url?,
    );
    let client_id = given(raw.client_id);
    let native_client_ids = list(raw.native_client_ids);
    if client_id.is_none() && native_client_ids.is_empty() {
        return Some(None);
    }
    let web = match (
        client_id.clone(),
        given(raw.team_id),
        given(raw.key_id),
        private_key,
        redirect_uri,
    ) {
        (Some(client_id), Some(team_id), Some(key_id), Some(private_key), Some(redirect_uri)) => {
            Some(AppleWebSettings {
                client_id,
                team_id,
                key_id,
                private_key,
                redirect_uri,
                auth_url,
                token_url,
            })
        }
        _ => None,
    };
    Some(Some(AppleSettings {
        client_id,
        native_client_ids,
        jwks_url,
        web,
    }))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::{fallbacks, Problems, RawFallback};

    fn table(model: &str, base_url: Option<&str>, api_key: Option<&str>) -> RawFallback {
        RawFallback {
            model: model.into(),
            base_url: base_url.map(Into::into),
            api_key: api_key.map(|k| k.to_owned().into()),
        }
    }

    #[test]
    fn fallback_tables_come_first_then_the_same_provider_models() {
        let mut p = Problems::default();
        let parsed = fallbacks(
            vec![table("other", Some("https://llm.example.com"), Some("k2"))],
            vec!["nemo".into()],
            &mut p,
        )
        .expect("parsed");
        assert!(p.0.is_empty(), "{:?}", p.0);
        assert_eq!(parsed[0].model, "other");
        assert_eq!(
            parsed[0].base_url.as_ref().map(url::Url::as_str),
            Some("https://llm.example.com/")
        );
        assert_eq!(
            parsed[0].api_key.as_ref().map(|k| k.expose_secret()),
            Some("k2")
        );
        assert_eq!(parsed[1].model, "nemo");
        assert!(parsed[1].base_url.is_none());
    }

    #[test]
    fn a_fallback_without_a_model_or_with_a_bad_url_is_refused_naming_it() {
        let mut p = Problems::default();
        let parsed = fallbacks(
            vec![
                table(" ", None, None),
                table("m", Some("ftp://llm.example.com"), None),
            ],
            Vec::new(),
            &mut p,
        );
        assert!(parsed.is_none());
        assert!(p.0[0].contains("llm.fallbacks[0].model"), "{:?}", p.0);
        assert!(p.0[1].contains("llm.fallbacks[1].base_url"), "{:?}", p.0);
    }
}
