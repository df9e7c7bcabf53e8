//! Parsing the layers into [`Settings`]: what each key accepts, and the
//! refusals, each naming its key. The values go in as `NEXTARGET__...`
//! variables would (see [`load_for_tests`]).

use std::net::IpAddr;

use secrecy::ExposeSecret;

use super::{load_for_tests, LimiterBackend, Settings};

pub(super) fn settings(overrides: &[(&str, &str)]) -> Settings {
    load_for_tests(overrides).expect("settings")
}

pub(super) fn refusal(overrides: &[(&str, &str)]) -> String {
    load_for_tests(overrides).expect_err("refused").to_string()
}

#[test]
fn the_test_settings_parse() {
    let s = settings(&[]);
    assert_eq!(s.llm.base_url.as_str(), "https://api.mistral.ai/");
    assert!(s.server.trusted_proxies.is_empty());
    assert!(matches!(s.rate_limit.backend, LimiterBackend::Memory));
    assert!(s.oauth.google.is_none() && s.oauth.facebook.is_none());
    assert_eq!(
        s.auth.jwt_secret.expose_secret(),
        "test-only-secret-0123456789-0123456789"
    );
}

#[test]
fn an_empty_jwt_secret_is_refused_naming_the_key() {
    let message = refusal(&[("auth.jwt_secret", "")]);
    assert!(message.contains("auth.jwt_secret"), "{message}");
}

#[test]
fn a_secret_of_digits_is_kept_as_written() {
    let digits = "00012345678901234567890123456789012345";
    let s = settings(&[("auth.jwt_secret", digits)]);
    assert_eq!(s.auth.jwt_secret.expose_secret(), digits);
}

#[test]
fn trusted_proxies_take_ranges_and_bare_ips() {
    let s = settings(&[(
        "server.trusted_proxies",
        " 10.1.2.3/8, 127.0.0.1,::1 ,, ::ffff:192.0.2.1",
    )]);
    let proxies: Vec<String> = s
        .server
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        proxies,
        ["10.0.0.0/8", "127.0.0.1/32", "::1/128", "192.0.2.1/32"]
    );
    let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
    assert!(s.server.trusted_proxies[0].contains(&ip("10.200.0.1")));
    assert!(!s.server.trusted_proxies[0].contains(&ip("11.0.0.1")));
}

#[test]
fn a_bad_cidr_is_refused_naming_the_key() {
    for bad in ["10.0.0.0/33", "::1/129", "10.0.0.0/x", "proxy.local"] {
        let message = refusal(&[("server.trusted_proxies", bad)]);
        assert!(message.contains("server.trusted_proxies"), "{message}");
        assert!(message.contains(bad), "{message}");
    }
}

#[test]
fn lists_from_variables_are_split_and_trimmed() {
    let s = settings(&[
        (
            "server.cors_origins",
            "https://a.example, https://b.example,",
        ),
        ("llm.allowed_models", "small"),
        (
            "oauth.google.issuers",
            "https://issuer.example,accounts.google.com",
        ),
    ]);
    assert_eq!(
        s.server.cors_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(s.llm.allowed_models, ["small"]);
    // Not a list key: the comma stays.
    let s = settings(&[("llm.model", "a,b")]);
    assert_eq!(s.llm.model, "a,b");
}

#[test]
fn a_malformed_url_is_refused_naming_the_key() {
    for key in [
        "llm.base_url",
        "oauth.google.auth_url",
        "oauth.google.token_url",
        "oauth.google.jwks_url",
        "oauth.google.redirect_uri",
        "oauth.facebook.auth_url",
        "oauth.facebook.graph_url",
        "oauth.facebook.redirect_uri",
    ] {
        let message = refusal(&[(key, "not a url")]);
        assert!(message.contains(key), "{key}: {message}");
    }
    let message = refusal(&[("llm.base_url", "ftp://api.example")]);
    assert!(message.contains("llm.base_url"), "{message}");
}

const GOOGLE: [(&str, &str); 3] = [
    ("oauth.google.client_id", "google-id"),
    ("oauth.google.client_secret", "google-secret"),
    (
        "oauth.google.redirect_uri",
        "https://api.example/auth/google/callback",
    ),
];

#[test]
fn a_provider_is_present_when_complete() {
    let s = settings(&GOOGLE);
    let google = s.oauth.google.expect("google on");
    assert_eq!(google.client_id, "google-id");
    assert_eq!(
        google.redirect_uri.as_str(),
        "https://api.example/auth/google/callback"
    );
    assert_eq!(
        google.token_url.as_str(),
        "https://oauth2.googleapis.com/token"
    );
    assert!(s.oauth.facebook.is_none());
}

#[test]
fn a_half_configured_provider_stays_off() {
    // As before the typed settings: off, not refused (the contract's "the
    // provider is off until these are set"); blank counts as unset.
    for (left_out, (key, _)) in GOOGLE.iter().enumerate() {
        let mut partial = GOOGLE.to_vec();
        partial.remove(left_out);
        assert!(settings(&partial).oauth.google.is_none(), "{partial:?}");
        partial.insert(left_out, (key, "  "));
        assert!(settings(&partial).oauth.google.is_none(), "{partial:?}");
    }
    let s = settings(&[
        ("oauth.facebook.client_id", "fb-id"),
        ("oauth.facebook.client_secret", "fb-secret"),
    ]);
    assert!(s.oauth.facebook.is_none());
}

#[test]
fn a_half_configured_provider_with_a_bad_url_is_still_refused() {
    let message = refusal(&[
        ("oauth.facebook.client_id", "fb-id"),
        ("oauth.facebook.redirect_uri", "/relative"),
    ]);
    assert!(message.contains("oauth.facebook.redirect_uri"), "{message}");
}

#[test]
fn redis_without_a_url_is_refused_naming_the_key() {
    let message = refusal(&[("rate_limit.backend", "redis")]);
    assert!(message.contains("rate_limit.redis_url"), "{message}");
    let s = settings(&[
        ("rate_limit.backend", "redis"),
        ("rate_limit.redis_url", "redis://127.0.0.1:6379"),
        ("rate_limit.redis_prefix", "run-1:"),
    ]);
    let LimiterBackend::Redis { url, prefix } = s.rate_limit.backend else {
        panic!("redis");
    };
    assert_eq!(url.expose_secret(), "redis://127.0.0.1:6379");
    assert_eq!(prefix, "run-1:");
}

#[test]
fn every_problem_is_reported_at_once() {
    let message = refusal(&[
        ("server.trusted_proxies", "nope"),
        ("llm.base_url", "nope"),
        ("rate_limit.backend", "redis"),
        ("auth.bcrypt_cost", "99"),
    ]);
    for key in [
        "server.trusted_proxies",
        "llm.base_url",
        "rate_limit.redis_url",
        "auth.bcrypt_cost",
    ] {
        assert!(message.contains(key), "{key}: {message}");
    }
}

#[test]
fn debug_never_shows_a_secret() {
    let s = settings(&[
        ("auth.jwt_secret", "jwt-secret-never-shown-0123456789"),
        ("llm.api_key", "api-key-never-shown"),
        ("database.url", "postgres://u:db-password-never-shown@db/x"),
        ("rate_limit.backend", "redis"),
        (
            "rate_limit.redis_url",
            "redis://:redis-password-never-shown@r",
        ),
        ("oauth.google.client_id", "google-id"),
        ("oauth.google.client_secret", "google-secret-never-shown"),
        ("oauth.google.redirect_uri", "https://api.example/cb"),
    ]);
    let debug = format!("{s:?}");
    assert!(!debug.contains("never-shown"), "{debug}");
    assert!(debug.contains("google-id"), "{debug}");
}

#[test]
fn the_kept_digest_is_the_test_secrets() {
    assert_eq!(
        super::load::sha256_hex(super::load::TEST_JWT_SECRET),
        super::load::TEST_JWT_SECRET_SHA256
    );
}

#[test]
fn a_committed_secret_is_refused_off_loopback() {
    let refused = refusal(&[("server.host", "0.0.0.0")]);
    assert!(
        refused.contains("auth.jwt_secret") && refused.contains("committed"),
        "{refused}"
    );
    let own = [
        ("server.host", "0.0.0.0"),
        ("auth.jwt_secret", "an-operator-secret-nobody-has-read-0123"),
    ];
    assert_eq!(settings(&own).server.host, "0.0.0.0");
    assert_eq!(settings(&[("server.host", "::1")]).server.host, "::1");
}

#[test]
fn app_links_are_a_list_kept_as_written() {
    let s = settings(&[(
        "oauth.app_redirect_urls",
        "nextarget://auth, https://app.example.com/auth/done?from=web ,",
    )]);
    assert_eq!(
        s.oauth.app_redirect_urls,
        [
            "nextarget://auth",
            "https://app.example.com/auth/done?from=web"
        ]
    );
    assert!(settings(&[]).oauth.app_redirect_urls.is_empty());
}

#[test]
fn an_app_link_that_is_no_url_or_has_a_fragment_is_refused_naming_the_key() {
    for link in ["not a url", "/auth/done", "nextarget://auth#done"] {
        let message = refusal(&[("oauth.app_redirect_urls", link)]);
        assert!(message.contains("oauth.app_redirect_urls"), "{message}");
    }
}

#[test]
fn facebooks_limited_login_keys_have_a_default_and_an_override() {
    let facebook = [
        ("oauth.facebook.client_id", "fb-app"),
        ("oauth.facebook.client_secret", "fb-secret"),
        (
            "oauth.facebook.redirect_uri",
            "https://api.example.com/auth/facebook/callback",
        ),
    ];
    let s = settings(&facebook);
    let jwks = s.oauth.facebook.map(|f| f.jwks_url.to_string());
    assert_eq!(
        jwks.as_deref(),
        Some("https://limited.facebook.com/.well-known/oauth/openid/jwks/")
    );
    let message = refusal(&[("oauth.facebook.jwks_url", "ftp://keys.example")]);
    assert!(message.contains("oauth.facebook.jwks_url"), "{message}");
}

#[test]
fn the_cost_controls_are_off_by_default() {
    let s = settings(&[]);
    assert_eq!(s.rate_limit.ai_tokens_per_day, 0);
    assert!(s.llm.fallbacks.is_empty());
    assert_eq!(s.history.retention_days, 0);
    assert_eq!(s.history.retention_batch_size, 1000);
    assert_eq!(s.history.retention_interval_secs, 3600);
}

#[test]
fn fallback_models_from_the_variable_are_models_of_the_same_provider() {
    let s = settings(&[
        ("llm.fallback_models", " open-mistral-nemo, ,mistral-tiny "),
        ("rate_limit.ai_tokens_per_day", "50000"),
        ("history.retention_days", "90"),
    ]);
    let models: Vec<&str> = s.llm.fallbacks.iter().map(|f| f.model.as_str()).collect();
    assert_eq!(models, ["open-mistral-nemo", "mistral-tiny"]);
    assert!(s
        .llm
        .fallbacks
        .iter()
        .all(|f| f.base_url.is_none() && f.api_key.is_none()));
    assert_eq!(s.rate_limit.ai_tokens_per_day, 50_000);
    assert_eq!(s.history.retention_days, 90);
}

#[test]
fn bad_cost_controls_are_refused_naming_the_key() {
    for (key, value) in [
        ("history.retention_days", "36501"),
        ("history.retention_days", "-1"),
        ("history.retention_batch_size", "0"),
        ("history.retention_interval_secs", "0"),
        ("rate_limit.ai_tokens_per_day", "-5"),
        ("rate_limit.ai_tokens_per_day", "lots"),
    ] {
        let message = refusal(&[(key, value)]);
        assert!(message.contains(key), "{key} = {value}: {message}");
    }
}
