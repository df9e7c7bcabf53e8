use serde_json::Value;

use crate::common::{spawn_app, Backend};

async fn spec() -> Value {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.spec().await
}

fn statuses(spec: &Value, path: &str, method: &str) -> Vec<String> {
    let responses = spec["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is documented"));
    responses.keys().cloned().collect()
}

#[tokio::test]
async fn the_spec_documents_every_operation_with_its_errors() {
    let spec = spec().await;
    let expected: [(&str, &str, &[&str]); 10] = [
        (
            "/auth/register",
            "post",
            &["201", "200", "400", "409", "413", "422", "500"],
        ),
        (
            "/auth/login",
            "post",
            &["200", "400", "401", "413", "429", "500"],
        ),
        (
            "/auth/refresh",
            "post",
            &["200", "400", "401", "413", "422", "429", "500"],
        ),
        (
            "/auth/logout",
            "post",
            &["204", "400", "401", "413", "422", "500"],
        ),
        ("/users/me", "get", &["200", "401", "500"]),
        ("/users/me", "delete", &["204", "401", "500"]),
        ("/users/me/usage", "get", &["200", "401", "500", "503"]),
        (
            "/users/me/export",
            "get",
            &["200", "401", "429", "500", "503"],
        ),
        ("/health", "get", &["200"]),
        ("/ready", "get", &["200", "503"]),
    ];
    for (path, method, codes) in expected {
        let documented = statuses(&spec, path, method);
        for code in codes {
            assert!(
                documented.iter().any(|c| c == code),
                "{method} {path} documents {code}: {documented:?}"
            );
        }
    }
    let unauthorized = &spec["paths"]["/users/me"]["get"]["responses"]["401"];
    assert!(
        unauthorized["content"]["application/problem+json"].is_object(),
        "{unauthorized}"
    );
    assert!(
        unauthorized["headers"]["WWW-Authenticate"].is_object(),
        "{unauthorized}"
    );
    assert!(spec["components"]["securitySchemes"]["BearerAuth"].is_object());
    let locked = &spec["paths"]["/auth/login"]["post"]["responses"]["429"];
    assert!(locked["headers"]["Retry-After"].is_object(), "{locked}");
    let export = &spec["paths"]["/users/me/export"]["get"]["responses"]["200"]["content"];
    let schema = export["application/json; charset=utf-8"]["schema"]["$ref"].as_str();
    assert_eq!(schema, Some("#/components/schemas/UserExport"), "{export}");
    let usage = &spec["components"]["schemas"]["DailyUsage"]["properties"];
    for field in [
        "day",
        "tokens_used",
        "tokens_limit",
        "requests_used",
        "requests_limit",
    ] {
        assert!(usage[field].is_object(), "DailyUsage.{field} in {usage}");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_at_docs() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let resp = app.client.get(app.url("/docs")).send().await.expect("docs");
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.expect("html").contains("swagger"));
}

/// docs/testing.md shows two whole-server tests with mocks; they are
/// `tests/ai/mock_llm.rs` and `tests/oauth/mock_provider.rs`, which run, so
/// the page holds each file word for word or this fails.
#[test]
fn the_testing_guide_shows_the_example_tests_word_for_word() {
    let guide = include_str!("../../docs/testing.md");
    for (name, source) in [
        ("tests/ai/mock_llm.rs", include_str!("../ai/mock_llm.rs")),
        (
            "tests/oauth/mock_provider.rs",
            include_str!("../oauth/mock_provider.rs"),
        ),
    ] {
        assert!(
            guide.contains(&format!("```rust\n{source}```")),
            "docs/testing.md no longer holds {name} word for word"
        );
    }
}
