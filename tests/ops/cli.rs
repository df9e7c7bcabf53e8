//! The `nextarget` binary: `openapi`, `migrate`, and start-up refusals that
//! name the bad key.

use std::process::{Command, Output};

fn nextarget(args: &[&str], env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_nextarget"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .output()
        .expect("binary runs");
    (output, dir)
}

fn refusal(env: &[(&str, &str)]) -> String {
    let (output, _dir) = nextarget(&["migrate"], env);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code, stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn openapi_prints_the_spec() {
    let (output, _dir) = nextarget(&["openapi"], &[]);
    assert!(output.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert!(spec["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));
    assert!(spec["paths"]["/auth/register"].is_object());
}

#[test]
fn production_refuses_a_missing_or_short_jwt_secret() {
    let missing = refusal(&[("NEXTARGET_ENV", "production")]);
    assert!(missing.contains("auth.jwt_secret"), "{missing}");
    let short = refusal(&[
        ("NEXTARGET_ENV", "production"),
        ("JWT_SECRET_KEY", "too-short"),
    ]);
    assert!(
        short.contains("auth.jwt_secret") && short.contains("32"),
        "{short}"
    );
}

#[test]
fn production_refuses_cors_star() {
    let stderr = refusal(&[
        ("NEXTARGET_ENV", "production"),
        (
            "JWT_SECRET_KEY",
            "0123456789abcdef0123456789abcdef-long-enough",
        ),
        (
            "NEXTARGET__SERVER__CORS_ORIGINS",
            "https://app.example.com,*",
        ),
    ]);
    assert!(stderr.contains("server.cors_origins"), "{stderr}");
}

#[test]
fn production_refuses_the_fake_llm_and_the_identity_emulator() {
    let secret = (
        "JWT_SECRET_KEY",
        "0123456789abcdef0123456789abcdef-long-enough",
    );
    let fake = refusal(&[
        ("NEXTARGET_ENV", "production"),
        secret,
        ("NEXTARGET__LLM__PROVIDER", "fake"),
    ]);
    assert!(fake.contains("llm.provider"), "{fake}");
    let emulator = refusal(&[
        ("NEXTARGET_ENV", "production"),
        secret,
        ("NEXTARGET__OAUTH__EMULATOR", "true"),
    ]);
    assert!(
        emulator.contains("oauth.emulator") && emulator.contains("production"),
        "{emulator}"
    );
}

#[test]
fn the_development_secret_is_refused_off_loopback() {
    // `cargo run` as a newcomer does it: development, its committed secret.
    let (output, _dir) = nextarget(&["migrate"], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = refusal(&[("NEXTARGET__SERVER__HOST", "0.0.0.0")]);
    assert!(
        stderr.contains("auth.jwt_secret") && stderr.contains("JWT_SECRET_KEY"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_value_names_its_key() {
    let stderr = refusal(&[("NEXTARGET__SERVER__PORT", "eighty")]);
    assert!(stderr.contains("server.port"), "{stderr}");
    let stderr = refusal(&[("NEXTARGET_ENV", "staging")]);
    assert!(stderr.contains("NEXTARGET_ENV"), "{stderr}");
    let stderr = refusal(&[("NEXTARGET__LLM__PROVIDER", "gpt")]);
    assert!(stderr.contains("llm.provider"), "{stderr}");
}

#[test]
fn migrate_uses_the_seed_flat_database_url_over_the_layered_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flat = dir.path().join("flat.db");
    let layered = dir.path().join("layered.db");
    let (output, _cwd) = nextarget(
        &["migrate"],
        &[
            (
                "NEXTARGET__DATABASE__URL",
                &format!("sqlite://{}?mode=rwc", layered.display()),
            ),
            (
                "DATABASE_URL",
                &format!("sqlite://{}?mode=rwc", flat.display()),
            ),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(flat.exists(), "DATABASE_URL wins");
    assert!(!layered.exists());
}
