//! Property tests of the token decoders that read what clients send: the
//! access-token codec (`jwt.rs`) and Google's id_token check (`google.rs`).
//! Arbitrary strings never panic and are refused; a valid token changed in
//! any way is refused.

// Test code throughout, helpers outside `#[test]` functions included.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use chrono::Utc;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use nextarget_adapters::{
    auth::{JwtCodec, JwtKeys},
    identity::{GoogleConfig, GoogleProvider},
};
use nextarget_ports::{AccessTokenCodec, OAuthProvider};
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{json, Value};
use uuid::Uuid;
use wiremock::{matchers::path, Mock, MockServer, ResponseTemplate};

const KEY_PEM: &[u8] = include_bytes!("../../tests/fixtures/google_test_key.pem");
const JWK: &str = include_str!("../../tests/fixtures/google_test_key.jwk.json");
const CLIENT_ID: &str = "client-1";
const ISSUER: &str = "https://accounts.google.com";

fn codec() -> JwtCodec {
    JwtCodec::new(&JwtKeys::new(SecretString::from("k".repeat(32))), 900).expect("codec")
}

/// Strings that look like tokens: base64url runs and dots, or anything.
fn token_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,40}(\\.[A-Za-z0-9_-]{0,60}){0,3}",
        "eyJ[A-Za-z0-9_-]{0,40}\\.eyJ[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,43}",
        any::<String>(),
    ]
}

/// `token` changed once: a character replaced, inserted or removed, or the
/// token cut short. `None` when the change leaves it as it was.
fn mutate(token: &str, kind: u8, at: usize, with: char) -> Option<String> {
    let mut chars: Vec<char> = token.chars().collect();
    let at = at % (chars.len() + 1);
    match kind % 4 {
        0 if at < chars.len() => chars[at] = with,
        1 => chars.insert(at, with),
        2 if at < chars.len() => {
            chars.remove(at);
        }
        _ => chars.truncate(at),
    }
    let mutated: String = chars.into_iter().collect();
    (mutated != token).then_some(mutated)
}

fn replacement() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::ranges(vec!['A'..='Z', 'a'..='z', '0'..='9'].into()),
        Just('-'),
        Just('_'),
        Just('.'),
        Just('='),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_access_token_codec_refuses_arbitrary_strings(token in token_like()) {
        prop_assert!(codec().verify(&token, Utc::now()).is_err());
    }

    #[test]
    fn the_access_token_codec_refuses_every_mutated_token(
        kind in any::<u8>(), at in any::<usize>(), with in replacement(),
    ) {
        let now = Utc::now();
        let issued = codec().issue(Uuid::now_v7(), Uuid::now_v7(), now).expect("issue");
        prop_assert!(codec().verify(&issued.token, now).is_ok());
        if let Some(mutated) = mutate(&issued.token, kind, at, with) {
            prop_assert!(codec().verify(&mutated, now).is_err(), "accepted {}", mutated);
        }
    }
}

/// One runtime and one "Google" (a wiremock serving the test key's JWKS)
/// for every case.
fn google() -> &'static (tokio::runtime::Runtime, GoogleProvider, MockServer) {
    static GOOGLE: OnceLock<(tokio::runtime::Runtime, GoogleProvider, MockServer)> =
        OnceLock::new();
    GOOGLE.get_or_init(|| {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let server = rt.block_on(async {
            let server = MockServer::start().await;
            let jwk: Value = serde_json::from_str(JWK).expect("jwk");
            Mock::given(path("/jwks"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("cache-control", "max-age=3600")
                        .set_body_json(json!({ "keys": [jwk] })),
                )
                .mount(&server)
                .await;
            server
        });
        let config = GoogleConfig {
            client_id: CLIENT_ID.into(),
            client_secret: SecretString::from("secret"),
            redirect_uri: "http://app.test/cb".into(),
            auth_url: format!("{}/authorize", server.uri()),
            token_url: format!("{}/token", server.uri()),
            jwks_url: format!("{}/jwks", server.uri()),
            issuers: vec![ISSUER.into()],
            native_client_ids: Vec::new(),
        };
        let provider = GoogleProvider::new(config, reqwest::Client::new());
        (rt, provider, server)
    })
}

fn verify_google(token: &str) -> bool {
    let (rt, provider, _) = google();
    rt.block_on(provider.verify_native_token(token, None))
        .is_ok()
}

fn google_token() -> String {
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": ISSUER, "aud": CLIENT_ID, "sub": "g-1", "iat": now, "exp": now + 3600,
        "email": "g-1@gmail.example", "email_verified": true,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let key = EncodingKey::from_rsa_pem(KEY_PEM).expect("test key");
    encode(&header, &claims, &key).expect("sign")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn google_id_tokens_refuse_arbitrary_strings(token in token_like()) {
        prop_assert!(!verify_google(&token));
    }

    #[test]
    fn google_id_tokens_refuse_every_mutated_token(
        kind in any::<u8>(), at in any::<usize>(), with in replacement(),
    ) {
        let token = google_token();
        prop_assert!(verify_google(&token), "the unmutated token must pass");
        if let Some(mutated) = mutate(&token, kind, at, with) {
            prop_assert!(!verify_google(&mutated), "accepted {}", mutated);
        }
    }
}
