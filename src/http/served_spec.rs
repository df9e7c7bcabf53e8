//! The spec served at `/openapi.json` states this deployment's own limits:
//! `CompletionRequestBody.model` lists `llm.allowed_models` and `prompt`
//! carries `llm.max_prompt_chars`, so a client (or a fuzzer) reading it
//! knows exactly which requests are valid. `nextarget openapi` prints the
//! generic document, without them.

use serde_json::{json, Value};

/// Configured limits that the static spec cannot know.
#[derive(Debug, Clone, Default)]
pub struct SpecLimits {
    /// `llm.allowed_models`; none leaves the spec as it is.
    pub allowed_models: Vec<String>,
    /// `llm.max_prompt_chars`; 0 leaves the spec as it is.
    pub max_prompt_chars: usize,
}

/// `spec` with `limits` written into the completion request's schema.
pub fn with_limits(spec: &str, limits: &SpecLimits) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    let properties = doc
        .pointer_mut("/components/schemas/CompletionRequestBody/properties")
        .and_then(Value::as_object_mut);
    let Some(properties) = properties else {
        return spec.to_owned();
    };
    if !limits.allowed_models.is_empty() {
        if let Some(model) = properties.get_mut("model").and_then(Value::as_object_mut) {
            let mut allowed: Vec<Value> = limits.allowed_models.iter().map(|m| json!(m)).collect();
            // OpenAPI 3.0: a nullable enum lists null among its values.
            if model.get("nullable") == Some(&Value::Bool(true)) {
                allowed.push(Value::Null);
            }
            model.insert("enum".into(), Value::Array(allowed));
        }
    }
    if limits.max_prompt_chars > 0 {
        if let Some(prompt) = properties.get_mut("prompt").and_then(Value::as_object_mut) {
            prompt.insert("maxLength".into(), json!(limits.max_prompt_chars));
        }
    }
    serde_json::to_string(&doc).unwrap_or_else(|_| spec.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_spec_names_the_allowed_models_and_the_prompt_limit() {
        let limits = SpecLimits {
            allowed_models: vec!["a".into(), "b".into()],
            max_prompt_chars: 123,
        };
        let doc: Value = serde_json::from_str(&with_limits(&crate::http::openapi_json(), &limits))
            .expect("json");
        let props = &doc["components"]["schemas"]["CompletionRequestBody"]["properties"];
        assert_eq!(props["model"]["enum"], json!(["a", "b", null]));
        assert_eq!(props["prompt"]["maxLength"], json!(123));
        assert_eq!(props["prompt"]["minLength"], json!(1));
    }

    #[test]
    fn no_limits_leave_the_spec_alone() {
        let spec = crate::http::openapi_json();
        let doc: Value =
            serde_json::from_str(&with_limits(&spec, &SpecLimits::default())).expect("json");
        let original: Value = serde_json::from_str(&spec).expect("json");
        assert_eq!(doc, original);
    }
}
