//! The ranges of each request, as the spec states them. The core decides
//! them (its input types refuse a value out of range with 422
//! `validation_error`); poem-openapi's own `validator(...)` attributes are
//! not used, so no status depends on its English error text. This file
//! writes the core's numbers into the generated document instead.

use serde_json::{json, Value};

use nextarget_core::{
    ai::{cursor, MAX_PAGE, MAX_SYSTEM_CHARS, MAX_TEMPERATURE, MAX_TOKENS_LIMIT},
    auth::{
        MAX_ACCESS_TOKEN_CHARS, MAX_EMAIL_CHARS, MAX_ID_TOKEN_CHARS, MAX_NONCE_CHARS,
        MAX_PASSWORD_CHARS, MAX_REFRESH_TOKEN_CHARS,
    },
    coach::{
        MAX_AGE, MAX_CONSTRAINTS, MAX_CONSTRAINT_CHARS, MAX_CONTEXT_CHARS, MAX_GOAL_CHARS,
        MAX_ITEMS,
    },
    oauth::{
        CHALLENGE_PATTERN, MAX_APP_CODE_CHARS, MAX_APP_STATE_CHARS, MAX_VERIFIER_CHARS,
        MIN_VERIFIER_CHARS, VERIFIER_PATTERN,
    },
};

/// A string that is not only whitespace.
const NOT_BLANK: &str = r"\S";

/// (component schema, property, keywords).
fn property_rules() -> Vec<(&'static str, &'static str, Value)> {
    let max_len = |n: usize| json!({ "maxLength": n });
    let range = |min: f64, max: f64| json!({ "minimum": min, "maximum": max });
    let items = range(1.0, MAX_ITEMS as f64);
    vec![
        ("RegisterRequest", "email", max_len(MAX_EMAIL_CHARS)),
        ("RegisterRequest", "password", max_len(MAX_PASSWORD_CHARS)),
        ("RegisterRequest", "id_token", max_len(MAX_ID_TOKEN_CHARS)),
        (
            "RegisterRequest",
            "access_token",
            max_len(MAX_ACCESS_TOKEN_CHARS),
        ),
        ("RegisterRequest", "nonce", max_len(MAX_NONCE_CHARS)),
        ("LoginRequest", "email", max_len(MAX_EMAIL_CHARS)),
        ("LoginRequest", "password", max_len(MAX_PASSWORD_CHARS)),
        (
            "RefreshRequest",
            "refresh_token",
            max_len(MAX_REFRESH_TOKEN_CHARS),
        ),
        (
            "ExchangeRequest",
            "code",
            json!({ "minLength": 1, "maxLength": MAX_APP_CODE_CHARS }),
        ),
        (
            "ExchangeRequest",
            "code_verifier",
            json!({
                "minLength": MIN_VERIFIER_CHARS,
                "maxLength": MAX_VERIFIER_CHARS,
                "pattern": VERIFIER_PATTERN,
            }),
        ),
        (
            "CompletionRequestBody",
            "prompt",
            json!({ "minLength": 1, "pattern": NOT_BLANK }),
        ),
        ("CompletionRequestBody", "system", max_len(MAX_SYSTEM_CHARS)),
        (
            "CompletionRequestBody",
            "temperature",
            range(0.0, MAX_TEMPERATURE),
        ),
        (
            "CompletionRequestBody",
            "max_tokens",
            range(1.0, MAX_TOKENS_LIMIT as f64),
        ),
        (
            "AdviceRequestBody",
            "goal",
            json!({ "minLength": 1, "maxLength": MAX_GOAL_CHARS, "pattern": NOT_BLANK }),
        ),
        ("AdviceRequestBody", "context", max_len(MAX_CONTEXT_CHARS)),
        ("AdviceRequestBody", "max_items", items.clone()),
        ("AdviceRequestBody", "top_n", items),
        ("ProfileBody", "age", range(0.0, MAX_AGE as f64)),
        (
            "ProfileBody",
            "constraints",
            json!({ "maxItems": MAX_CONSTRAINTS, "items": { "maxLength": MAX_CONSTRAINT_CHARS } }),
        ),
    ]
}

/// (path, method, query parameter, keywords of its schema).
fn parameter_rules() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    let mut rules = Vec::new();
    for path in [
        "/auth/google/start",
        "/auth/facebook/start",
        "/auth/apple/start",
    ] {
        rules.extend([
            (
                path,
                "get",
                "code_challenge",
                json!({ "minLength": 43, "maxLength": 43, "pattern": CHALLENGE_PATTERN }),
            ),
            (
                path,
                "get",
                "code_challenge_method",
                json!({ "enum": ["S256"] }),
            ),
            (
                path,
                "get",
                "app_state",
                json!({ "minLength": 1, "maxLength": MAX_APP_STATE_CHARS }),
            ),
        ]);
    }
    rules.extend([
        (
            "/ai/history",
            "get",
            "limit",
            json!({ "minimum": 1.0, "maximum": f64::from(MAX_PAGE) }),
        ),
        (
            "/ai/history",
            "get",
            "cursor",
            json!({ "maxLength": cursor::CURSOR_CHARS, "pattern": cursor::CURSOR_PATTERN }),
        ),
    ]);
    rules
}

/// `spec` with every rule written in. A rule whose place is missing is a
/// bug the tests catch (see below); the document is then left as it is.
pub fn apply(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    for (schema, property, keywords) in property_rules() {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let Some(target) = doc.pointer_mut(&pointer) {
            merge(target, keywords);
        }
    }
    for (path, method, name, keywords) in parameter_rules() {
        let pointer = format!("/paths/{}/{method}/parameters", path.replace('/', "~1"));
        let parameter = doc
            .pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .and_then(|ps| ps.iter_mut().find(|p| p["name"] == name));
        if let Some(schema) = parameter.and_then(|p| p.get_mut("schema")) {
            merge(schema, keywords);
        }
    }
    serde_json::to_string(&doc).unwrap_or_else(|_| spec.to_owned())
}

/// Adds `keywords` to `target`, into nested objects (an array's `items`).
fn merge(target: &mut Value, keywords: Value) {
    let (Some(target), Value::Object(keywords)) = (target.as_object_mut(), keywords) else {
        return;
    };
    for (key, value) in keywords {
        match (target.get_mut(&key), value) {
            (Some(existing @ Value::Object(_)), value @ Value::Object(_)) => merge(existing, value),
            (_, value) => {
                target.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_json::from_str(&crate::http::openapi_json()).expect("json")
    }

    #[test]
    fn every_rule_lands_on_a_property_or_parameter_of_the_spec() {
        let raw: Value = serde_json::from_str(&crate::http::raw_openapi_json()).expect("json");
        for (schema, property, _) in property_rules() {
            let pointer = format!("/components/schemas/{schema}/properties/{property}");
            assert!(raw.pointer(&pointer).is_some(), "{pointer}");
        }
        for (path, method, name, _) in parameter_rules() {
            let pointer = format!("/paths/{}/{method}/parameters", path.replace('/', "~1"));
            let found = raw
                .pointer(&pointer)
                .and_then(Value::as_array)
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == name));
            assert!(found, "{path} {name}");
        }
    }

    #[test]
    fn the_spec_states_the_cores_ranges() {
        let doc = doc();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["LoginRequest"]["properties"]["email"]["maxLength"],
            json!(MAX_EMAIL_CHARS)
        );
        let constraints = &schemas["ProfileBody"]["properties"]["constraints"];
        assert_eq!(constraints["maxItems"], json!(MAX_CONSTRAINTS));
        assert_eq!(constraints["items"]["type"], json!("string"));
        assert_eq!(
            constraints["items"]["maxLength"],
            json!(MAX_CONSTRAINT_CHARS)
        );
        let limit = &doc["paths"]["/ai/history"]["get"]["parameters"][0];
        assert_eq!(limit["name"], json!("limit"));
        assert_eq!(limit["schema"]["maximum"], json!(100.0));
    }
}
