//! Unit tests of `score.rs`.

use super::*;

fn item(title: &str, detail: &str, impact: Option<f64>, effort: Option<f64>) -> ParsedAdvice {
    ParsedAdvice {
        title: title.into(),
        detail: detail.into(),
        category: "other".into(),
        impact,
        effort,
    }
}

#[test]
fn concrete_goal_item_outranks_vague_fr() {
    let goal = "courir un 10 km en moins de 50 minutes d'ici juin";
    let items = vec![
        item("Restez motivé", "Gardez le moral.", None, None),
        item(
            "Fractionné pour le 10 km",
            "Courez 6 x 400 m à allure 10 km, 2 fois par semaine, avec 1 min de récupération.",
            None,
            None,
        ),
    ];
    let out = score_advice(goal, items);
    assert_eq!(out[0].title, "Fractionné pour le 10 km");
    assert!(out[0].score > out[1].score + 0.2);
}

#[test]
fn concrete_goal_item_outranks_vague_en() {
    let items = vec![
        item("Be patient", "Things take time.", Some(0.5), Some(0.5)),
        item(
            "Fixed sleep schedule",
            "Go to bed at 22:30 and wake at 6:30 every day, even on weekends, to sleep better.",
            Some(0.5),
            Some(0.5),
        ),
    ];
    let out = score_advice("sleep better", items);
    assert_eq!(out[0].title, "Fixed sleep schedule");
}

#[test]
fn model_impact_and_effort_matter_and_bounds_hold() {
    let a = item(
        "Tip",
        "Walk 20 minutes every day after lunch to lose weight slowly.",
        Some(1.0),
        Some(0.0),
    );
    let b = item(
        "Tip",
        "Walk 20 minutes every day after lunch to lose weight slowly.",
        Some(0.0),
        Some(1.0),
    );
    let out = score_advice("lose weight", vec![b, a]);
    assert!(out[0].score > out[1].score);
    let weird = item("", "", Some(f64::NAN), Some(f64::INFINITY));
    let s = score_advice("", vec![weird])[0].score;
    assert!((0.0..=1.0).contains(&s));
}

#[test]
fn deterministic_and_ties_keep_order() {
    let items = vec![
        item("A", "same text here", None, None),
        item("B", "same text here", None, None),
    ];
    let x = score_advice("goal", items.clone());
    assert_eq!(x, score_advice("goal", items));
    assert_eq!(x[0].title, "A");
}

#[test]
fn parts_behave() {
    assert!(actionability("Marchez 30 minutes 3 fois par semaine") > 0.99);
    assert!(actionability("twice a week, run") > 0.99);
    assert!(actionability("Patience") < 0.01);
    assert_eq!(specificity(""), 0.0);
    assert_eq!(specificity(&"a".repeat(100)), 1.0);
    assert_eq!(model_score(None, None), None);
    assert_eq!(model_score(Some(1.0), Some(0.0)), Some(1.0));
}
