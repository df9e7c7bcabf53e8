//! `AdviceInput`, what a caller asks of the coach, and the one place its
//! defaults and ranges are decided: [`AdviceInput::validate`] turns it into
//! the [`AdviceRequest`] the prompt is built from. The HTTP schema documents
//! these rules and converts; it does not decide them again.

use super::{AdviceRequest, Language, Level, Profile};
use crate::{
    ai::AiError,
    validation::{too_long, FieldError},
};

pub const MAX_GOAL_CHARS: usize = 500;
pub const MAX_CONTEXT_CHARS: usize = 4000;
pub const MAX_ITEMS: usize = 10;
pub const DEFAULT_MAX_ITEMS: usize = 5;
pub const DEFAULT_LANGUAGE: Language = Language::Fr;
pub const MAX_AGE: i64 = 130;
pub const MAX_CONSTRAINTS: usize = 20;
pub const MAX_CONSTRAINT_CHARS: usize = 200;

/// Who the advice is for, as the caller sent it.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub level: Option<Level>,
    /// 0..=[`MAX_AGE`].
    pub age: Option<i64>,
    /// At most [`MAX_CONSTRAINTS`], each at most [`MAX_CONSTRAINT_CHARS`].
    pub constraints: Vec<String>,
}

impl ProfileInput {
    fn validate(self, errors: &mut Vec<FieldError>) -> Profile {
        let age = self
            .age
            .and_then(|a| u32::try_from(a).ok())
            .filter(|a| i64::from(*a) <= MAX_AGE);
        if self.age.is_some() && age.is_none() {
            errors.push(FieldError::new(
                "profile.age",
                format!("must be between 0 and {MAX_AGE}"),
            ));
        }
        if self.constraints.len() > MAX_CONSTRAINTS {
            errors.push(FieldError::new(
                "profile.constraints",
                format!("must hold at most {MAX_CONSTRAINTS} items"),
            ));
        }
        if self
            .constraints
            .iter()
            .any(|c| c.chars().count() > MAX_CONSTRAINT_CHARS)
        {
            errors.push(FieldError::new(
                "profile.constraints",
                format!("each must be at most {MAX_CONSTRAINT_CHARS} characters"),
            ));
        }
        Profile {
            level: self.level,
            age,
            constraints: self.constraints,
        }
    }
}

/// A request for advice, as the caller sent it.
#[derive(Debug, Clone, Default)]
pub struct AdviceInput {
    pub goal: String,
    pub context: Option<String>,
    pub profile: Option<ProfileInput>,
    /// 1..=[`MAX_ITEMS`]; [`DEFAULT_MAX_ITEMS`] when absent (and `top_n`
    /// too).
    pub max_items: Option<i64>,
    /// The v0.1 app's name for `max_items`: the same range; `max_items`
    /// wins when both are given.
    pub top_n: Option<i64>,
    /// [`DEFAULT_LANGUAGE`] when absent.
    pub language: Option<Language>,
}

impl AdviceInput {
    /// The request with its defaults applied.
    ///
    /// # Errors
    /// `Validation`, naming every bad field: an empty or too long goal, a
    /// too long context, a profile out of its bounds, `max_items` outside
    /// 1..=10.
    pub fn validate(self) -> Result<AdviceRequest, AiError> {
        let mut errors = Vec::new();
        let profile = self.profile.map(|p| p.validate(&mut errors));
        if self.goal.trim().is_empty() {
            errors.push(FieldError::new("goal", "must not be empty"));
        } else {
            errors.extend(too_long("goal", &self.goal, MAX_GOAL_CHARS));
        }
        if let Some(context) = &self.context {
            errors.extend(too_long("context", context, MAX_CONTEXT_CHARS));
        }
        let max_items = item_count("max_items", self.max_items, &mut errors);
        let top_n = item_count("top_n", self.top_n, &mut errors);
        if !errors.is_empty() {
            return Err(AiError::Validation(errors));
        }
        Ok(AdviceRequest {
            goal: self.goal,
            context: self.context,
            profile,
            max_items: max_items.or(top_n).unwrap_or(DEFAULT_MAX_ITEMS),
            language: self.language.unwrap_or(DEFAULT_LANGUAGE),
        })
    }
}

/// A count of items within 1..=[`MAX_ITEMS`], or an error naming `field`.
fn item_count(field: &str, value: Option<i64>, errors: &mut Vec<FieldError>) -> Option<usize> {
    let n = value?;
    let valid = usize::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_ITEMS).contains(n));
    if valid.is_none() {
        errors.push(FieldError::new(
            field,
            format!("must be between 1 and {MAX_ITEMS}"),
        ));
    }
    valid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: AdviceInput) -> Vec<String> {
        match input.validate() {
            Err(AiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn absent_max_items_and_language_take_their_defaults() {
        let request = AdviceInput {
            goal: "run 10 km".into(),
            ..AdviceInput::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(request.max_items, DEFAULT_MAX_ITEMS);
        assert_eq!(request.language, Language::Fr);
    }

    #[test]
    fn given_values_are_kept() {
        let request = AdviceInput {
            goal: "run".into(),
            max_items: Some(10),
            language: Some(Language::En),
            ..AdviceInput::default()
        }
        .validate()
        .expect("valid");
        assert_eq!((request.max_items, request.language), (10, Language::En));
    }

    #[test]
    fn max_items_outside_one_to_ten_is_refused() {
        for n in [0, 11, -1, i64::MAX] {
            let input = AdviceInput {
                goal: "run".into(),
                max_items: Some(n),
                ..AdviceInput::default()
            };
            assert_eq!(fields(input), ["max_items"], "{n}");
        }
    }

    #[test]
    fn top_n_is_an_alias_checked_like_max_items() {
        let request = AdviceInput {
            goal: "run".into(),
            top_n: Some(3),
            ..AdviceInput::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(request.max_items, 3);
        let input = AdviceInput {
            goal: "run".into(),
            max_items: Some(1),
            top_n: Some(0),
            ..AdviceInput::default()
        };
        assert_eq!(fields(input), ["top_n"]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = AdviceInput {
            goal: " ".into(),
            context: Some("x".repeat(MAX_CONTEXT_CHARS + 1)),
            max_items: Some(0),
            ..AdviceInput::default()
        };
        assert_eq!(fields(input), ["goal", "context", "max_items"]);
    }

    #[test]
    fn a_profile_out_of_bounds_is_refused() {
        let input = AdviceInput {
            goal: "run".into(),
            profile: Some(ProfileInput {
                age: Some(-1),
                constraints: vec!["x".repeat(MAX_CONSTRAINT_CHARS + 1)],
                ..ProfileInput::default()
            }),
            ..AdviceInput::default()
        };
        assert_eq!(fields(input), ["profile.age", "profile.constraints"]);
        let input = AdviceInput {
            goal: "run".into(),
            profile: Some(ProfileInput {
                age: Some(MAX_AGE),
                constraints: vec!["knee".into(); MAX_CONSTRAINTS],
                ..ProfileInput::default()
            }),
            ..AdviceInput::default()
        };
        assert!(input.validate().is_ok());
    }

    #[test]
    fn goal_length_counts_characters_not_bytes() {
        let input = AdviceInput {
            goal: "é".repeat(MAX_GOAL_CHARS),
            ..AdviceInput::default()
        };
        assert!(input.validate().is_ok());
        let input = AdviceInput {
            goal: "é".repeat(MAX_GOAL_CHARS + 1),
            ..AdviceInput::default()
        };
        assert_eq!(fields(input), ["goal"]);
    }
}
