//! Property tests: parsing and scoring never panic on arbitrary input and
//! scores always stay in [0, 1].

use nextarget_core::coach::{parse_advice, score_advice, ParsedAdvice};
use proptest::prelude::*;

/// Strings biased towards the characters the parsers look at.
fn structured() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just("\n".to_string()),
            Just("```json\n".to_string()),
            Just("**".to_string()),
            Just("1. ".to_string()),
            Just("- ".to_string()),
            Just("• ".to_string()),
            Just("\"title\"".to_string()),
            Just("\"advice\"".to_string()),
            Just("\"impact\": 9".to_string()),
            Just("é".to_string()),
            Just("🏃".to_string()),
            "\\PC{0,8}",
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

fn any_f64() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(f64::NEG_INFINITY)),
        any::<f64>().prop_map(Some),
    ]
}

fn any_item() -> impl Strategy<Value = ParsedAdvice> {
    (
        any::<String>(),
        any::<String>(),
        any::<String>(),
        any_f64(),
        any_f64(),
    )
        .prop_map(|(title, detail, category, impact, effort)| ParsedAdvice {
            title,
            detail,
            category,
            impact,
            effort,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        let items = parse_advice(&s);
        prop_assert!(items.len() <= 20);
    }

    #[test]
    fn parse_never_panics_on_structured_input(s in structured()) {
        for a in parse_advice(&s) {
            prop_assert!(!a.title.is_empty());
            prop_assert!(a.title.chars().count() <= 120 && a.detail.chars().count() <= 600);
            prop_assert!(a.impact.is_none_or(|v| (0.0..=1.0).contains(&v)));
            prop_assert!(a.effort.is_none_or(|v| (0.0..=1.0).contains(&v)));
        }
    }

    #[test]
    fn parse_then_score_stays_in_bounds(goal in any::<String>(), s in structured()) {
        for a in score_advice(&goal, parse_advice(&s)) {
            prop_assert!((0.0..=1.0).contains(&a.score));
        }
    }

    #[test]
    fn score_bounded_and_deterministic(goal in any::<String>(), items in proptest::collection::vec(any_item(), 0..8)) {
        let a = score_advice(&goal, items.clone());
        let b = score_advice(&goal, items);
        prop_assert!(a.iter().all(|x| x.score.is_finite() && (0.0..=1.0).contains(&x.score)));
        prop_assert!(a.windows(2).all(|w| w[0].score >= w[1].score));
        prop_assert_eq!(a, b);
    }
}
