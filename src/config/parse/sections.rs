//! `llm.fallbacks`, `telemetry.*`, `history.*` and `mail.*`.

use secrecy::ExposeSecret;
use url::Url;

use super::{endpoint, given, given_secret, list, Problems};
use crate::config::{
    raw::{RawFallback, RawHistory, RawMail, RawTelemetry},
    HistorySettings, LlmFallback, MailSettings, MailTransport, TelemetrySettings,
};

/// The longest `history.retention_days` (a century): past it, dates
/// computed from it would leave the calendar.
const MAX_RETENTION_DAYS: u32 = 36_500;

/// `llm.fallbacks` then `llm.fallback_models` (models of the primary's
/// provider): each model named, each `base_url` an http(s) URL.
pub(super) fn fallbacks(
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
pub(super) fn telemetry(raw: RawTelemetry, p: &mut Problems) -> Option<TelemetrySettings> {
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

/// `history.*`: a retention of at most a century, a batch and an interval
/// above zero.
pub(super) fn history(raw: RawHistory, p: &mut Problems) -> HistorySettings {
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
pub(super) fn mail(raw: RawMail, p: &mut Problems) -> Option<MailSettings> {
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
