//! `Text`: a JSON string, and only a string.
//!
//! poem-openapi reads a number or a boolean sent for a `String` field as its
//! text (`42` becomes `"42"`), so a request that breaks the spec's
//! `type: string` would be accepted. Request bodies use `Text` instead: any
//! other JSON type is a 400 `bad_request`, as the contract says.

use poem_openapi::{
    types::{ParseError, ParseFromJSON, ParseResult},
    NewType,
};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, NewType)]
#[oai(from_json = false, from_parameter = false, from_multipart = false)]
pub struct Text(pub String);

impl ParseFromJSON for Text {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(text)) => Ok(Text(text)),
            other => Err(ParseError::expected_type(other.unwrap_or_default())),
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_json_string_is_text() {
        assert_eq!(
            Text::parse_from_json(Some(json!("hi"))).ok(),
            Some(Text("hi".into()))
        );
        for other in [json!(42), json!(true), json!(null), json!([]), json!({})] {
            assert!(
                Text::parse_from_json(Some(other.clone())).is_err(),
                "{other}"
            );
        }
        assert!(Text::parse_from_json(None).is_err());
    }
}
