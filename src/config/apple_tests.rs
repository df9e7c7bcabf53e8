//! The `oauth.apple.*` keys (given as `NEXTARGET__OAUTH__APPLE__...`
//! variables, see [`super::load_for_tests`]): native sign-in on with a
//! client id or the apps' ids alone, the web flow only with every key, and
//! a private key that is not a P-256 PEM key refused at start-up, naming
//! the key.

use super::tests::{refusal, settings};

const KEY: &str = include_str!("../../tests/fixtures/apple_test_key.p8");

/// Every key of the web flow.
fn web() -> Vec<(&'static str, &'static str)> {
    vec![
        ("oauth.apple.client_id", "com.example.web"),
        ("oauth.apple.team_id", "TEAM123456"),
        ("oauth.apple.key_id", "KEY1234567"),
        ("oauth.apple.private_key", KEY),
        (
            "oauth.apple.redirect_uri",
            "https://api.example/auth/apple/callback",
        ),
    ]
}

#[test]
fn apple_is_off_until_a_client_id_is_set() {
    assert!(settings(&[]).oauth.apple.is_none());
    // A key without a client id: checked, but Apple stays off.
    assert!(settings(&[("oauth.apple.private_key", KEY)])
        .oauth
        .apple
        .is_none());
}

#[test]
fn a_client_id_or_the_apps_ids_alone_turn_native_sign_in_on() {
    let s = settings(&[("oauth.apple.client_id", "com.example.web")]);
    let apple = s.oauth.apple.expect("apple on");
    assert_eq!(apple.client_id.as_deref(), Some("com.example.web"));
    assert!(apple.web.is_none(), "no web flow without the key");
    assert_eq!(
        apple.jwks_url.as_str(),
        "https://appleid.apple.com/auth/keys"
    );

    let s = settings(&[(
        "oauth.apple.native_client_ids",
        "com.example.ios, com.example.ipad",
    )]);
    let apple = s.oauth.apple.expect("apple on");
    assert_eq!(apple.client_id, None);
    assert_eq!(
        apple.native_client_ids,
        ["com.example.ios", "com.example.ipad"]
    );
}

#[test]
fn the_web_flow_needs_every_key() {
    let s = settings(&web());
    let web_flow = s.oauth.apple.and_then(|a| a.web).expect("web flow on");
    assert_eq!(web_flow.client_id, "com.example.web");
    assert_eq!(web_flow.team_id, "TEAM123456");
    assert_eq!(web_flow.key_id, "KEY1234567");
    assert_eq!(
        web_flow.auth_url.as_str(),
        "https://appleid.apple.com/auth/authorize"
    );
    assert_eq!(
        web_flow.token_url.as_str(),
        "https://appleid.apple.com/auth/token"
    );
    for left_out in 1..web().len() {
        let mut partial = web();
        partial.remove(left_out);
        let apple = settings(&partial).oauth.apple.expect("native still on");
        assert!(apple.web.is_none(), "{:?} left out", web()[left_out].0);
    }
}

#[test]
fn a_key_written_on_one_line_is_read() {
    let one_line = KEY.trim().replace('\n', "\\n");
    let mut keys = web();
    keys[3] = ("oauth.apple.private_key", &one_line);
    assert!(settings(&keys).oauth.apple.and_then(|a| a.web).is_some());
}

#[test]
fn a_malformed_private_key_is_refused_naming_the_key() {
    for bad in [
        "not a key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        include_str!("../../tests/fixtures/p384_test_key.p8"),
        include_str!("../../tests/fixtures/google_test_key.pem"),
    ] {
        let mut keys = web();
        keys[3] = ("oauth.apple.private_key", bad);
        let message = refusal(&keys);
        assert!(message.contains("oauth.apple.private_key"), "{message}");
        assert!(!message.contains("AAAA"), "the key is never quoted");
    }
}

#[test]
fn a_malformed_apple_url_is_refused_naming_the_key() {
    for key in [
        "oauth.apple.auth_url",
        "oauth.apple.token_url",
        "oauth.apple.jwks_url",
        "oauth.apple.redirect_uri",
    ] {
        let message = refusal(&[(key, "not a url")]);
        assert!(message.contains(key), "{key}: {message}");
    }
}

#[test]
fn debug_never_shows_the_private_key() {
    let s = settings(&web());
    let debug = format!("{s:?}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(
        !debug.contains(KEY.lines().nth(1).unwrap_or("-")),
        "{debug}"
    );
    assert!(debug.contains("TEAM123456"), "{debug}");
}
