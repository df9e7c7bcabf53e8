//! Field-level validation errors, shared by every use case.

/// One invalid field of a request, reported back to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// `Some` error when `value` has more than `max` characters.
pub fn too_long(field: &str, value: &str, max: usize) -> Option<FieldError> {
    (value.chars().count() > max)
        .then(|| FieldError::new(field, format!("must be at most {max} characters")))
}
