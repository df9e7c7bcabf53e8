use nextarget_ports::Provider;

use super::*;

fn emulator() -> IdentityEmulator {
    IdentityEmulator::new("http://127.0.0.1:8000").expect("emulator")
}

fn query(provider: &str) -> AuthorizeQuery {
    AuthorizeQuery {
        redirect_uri: Some(format!("http://127.0.0.1:8000/auth/{provider}/callback")),
        state: Some("st".into()),
        nonce: Some("n0nce".into()),
        code_challenge: Some(URL_SAFE_NO_PAD.encode(Sha256::digest(b"verifier"))),
    }
}

fn code_of(answer: &Return) -> String {
    let Return::Redirect(location) = answer else {
        panic!("a redirect: {answer:?}");
    };
    let url = url::Url::parse(location).expect("url");
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned());
    code.expect("code")
}

#[test]
fn a_code_is_exchanged_once_with_its_verifier() {
    let e = emulator();
    let answer = e
        .authorize(
            Provider::Google,
            &query("google"),
            "gina@example.com",
            None,
            None,
        )
        .expect("authorized");
    let Return::Redirect(location) = &answer else {
        panic!("{answer:?}");
    };
    assert!(location.starts_with("http://127.0.0.1:8000/auth/google/callback?code="));
    assert!(location.ends_with("&state=st"));
    let code = code_of(&answer);
    assert_eq!(
        e.google_token(&code, Some("wrong")).err(),
        Some(EmulatorError::InvalidVerifier)
    );
    // A failed exchange spends the code too, as a real provider would.
    assert_eq!(
        e.google_token(&code, Some("verifier")).err(),
        Some(EmulatorError::InvalidCode)
    );
    let code = code_of(
        &e.authorize(
            Provider::Google,
            &query("google"),
            "gina@example.com",
            None,
            None,
        )
        .expect("authorized"),
    );
    let answer = e.google_token(&code, Some("verifier")).expect("token");
    assert!(answer["id_token"]
        .as_str()
        .is_some_and(|t| t.split('.').count() == 3));
    assert_eq!(e.accounts(Provider::Google).len(), 1, "the same email once");
}

#[test]
fn a_foreign_redirect_or_no_email_is_refused() {
    let e = emulator();
    let mut q = query("google");
    q.redirect_uri = Some("https://evil.example/cb".into());
    assert!(e
        .authorize(Provider::Google, &q, "a@example.com", None, None)
        .is_err());
    assert!(e
        .authorize(Provider::Google, &query("google"), " ", None, None)
        .is_err());
    // Google's callback is not Facebook's.
    assert!(e
        .authorize(
            Provider::Facebook,
            &query("google"),
            "a@example.com",
            None,
            None
        )
        .is_err());
}

#[test]
fn facebook_codes_give_a_token_that_reads_me() {
    let e = emulator();
    let code = code_of(
        &e.authorize(
            Provider::Facebook,
            &query("facebook"),
            "fb@example.com",
            Some("fb-1"),
            None,
        )
        .expect("authorized"),
    );
    assert_eq!(
        e.google_token(&code, Some("verifier")).err(),
        Some(EmulatorError::InvalidCode)
    );
    let code = code_of(
        &e.authorize(
            Provider::Facebook,
            &query("facebook"),
            "fb@example.com",
            Some("fb-1"),
            None,
        )
        .expect("authorized"),
    );
    let token = e.facebook_access_token(&code).expect("token");
    let me = e
        .facebook_me(token["access_token"].as_str().expect("token"))
        .expect("me");
    assert_eq!(
        me,
        serde_json::json!({"id": "fb-1", "email": "fb@example.com"})
    );
    assert_eq!(
        e.facebook_me("nope").err(),
        Some(EmulatorError::InvalidAccessToken)
    );
}

#[test]
fn the_page_escapes_what_it_echoes_and_lists_used_accounts() {
    let e = emulator();
    let mut q = query("google");
    q.state = Some("\"><script>x</script>".into());
    e.authorize(
        Provider::Google,
        &query("google"),
        "used@example.com",
        None,
        None,
    )
    .expect("authorized");
    let html = e.authorize_page(Provider::Google, &q);
    assert!(!html.contains("<script>"));
    assert!(html.contains("used@example.com"));
    assert!(html.contains("action=\"/emulator/google/authorize\""));
}

#[test]
fn a_form_with_only_the_state_finds_the_rest_from_the_page() {
    let e = emulator();
    e.authorize_page(Provider::Google, &query("google"));
    let only_state = AuthorizeQuery {
        state: Some("st".into()),
        ..AuthorizeQuery::default()
    };
    let code = code_of(
        &e.authorize(Provider::Google, &only_state, "s@example.com", None, None)
            .expect("authorized"),
    );
    // The page's code_challenge came along: the verifier is checked.
    assert_eq!(
        e.google_token(&code, Some("wrong")).err(),
        Some(EmulatorError::InvalidVerifier)
    );
}

#[test]
fn debug_token_vouches_for_its_own_tokens_only() {
    let e = emulator();
    let token = e
        .facebook_sdk_token("sdk@example.com", Some("fb-1"))
        .expect("token");
    let known = e.facebook_debug_token(&token);
    assert_eq!(known["data"]["is_valid"], true);
    assert_eq!(known["data"]["app_id"], super::tokens::FACEBOOK_APP_ID);
    assert_eq!(known["data"]["user_id"], "fb-1");
    let unknown = e.facebook_debug_token("forged");
    assert_eq!(unknown["data"]["is_valid"], false);
    assert_eq!(
        e.facebook_me(&token).expect("me")["email"],
        "sdk@example.com"
    );
    assert!(e.facebook_sdk_token("no email", None).is_err());
}

#[test]
fn apple_answers_with_a_form_post_and_signs_for_apple() {
    let e = emulator();
    let answer = e
        .authorize(
            Provider::Apple,
            &query("apple"),
            "ann@privaterelay.appleid.com",
            None,
            None,
        )
        .expect("authorized");
    let Return::FormPost(html) = answer else {
        panic!("a form post");
    };
    assert!(
        html.contains("action=\"http://127.0.0.1:8000/auth/apple/callback\""),
        "{html}"
    );
    assert!(html.contains("name=\"state\" value=\"st\""), "{html}");
    assert!(e.apple_config().is_ok());
    assert!(e
        .native_id_token(Provider::Apple, "a@example.com", None, None)
        .is_ok());
    assert!(e
        .native_id_token(Provider::Local, "a@example.com", None, None)
        .is_err());
}
