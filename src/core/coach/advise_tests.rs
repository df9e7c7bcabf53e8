//! Unit tests of `advise.rs`.

use std::sync::Arc;

use nextarget_ports::InteractionKind;

use super::*;
use crate::ai::test_support::{reply, Fixture};
use crate::coach::Language;

fn request(goal: &str) -> AdviceInput {
    AdviceInput {
        goal: goal.into(),
        max_items: Some(3),
        language: Some(Language::En),
        ..AdviceInput::default()
    }
}

const JSON: &str = r#"{"advice": [
    {"title": "Run intervals", "detail": "Run 6 x 400 m at 10 km pace twice a week.", "category": "training", "impact": 5, "effort": 3},
    {"title": "Be positive", "detail": "Think good.", "category": "mindset", "impact": 1, "effort": 1},
    {"title": "Long run", "detail": "Add a 60 minute easy run every Sunday to build your 10 km endurance.", "category": "training", "impact": 4, "effort": 2},
    {"title": "Sleep", "detail": "Sleep 8 hours a night.", "category": "sleep", "impact": 3, "effort": 2}
]}"#;

#[tokio::test]
async fn advice_is_scored_best_first_capped_and_stored_as_coach() {
    let mut fx = Fixture::new();
    fx.allow_all();
    fx.llm
        .expect_complete()
        .withf(|r| r.json_mode)
        .times(1)
        .returning(reply(JSON));
    fx.history
        .expect_append()
        .withf(|i| i.kind == InteractionKind::Coach)
        .times(1)
        .returning(|_| Ok(()));
    let coach = CoachService::new(Arc::new(fx.service()));
    let out = coach
        .advise(Uuid::now_v7(), request("run a 10 km under 50 minutes"))
        .await
        .expect("advice");
    assert_eq!(out.advice.len(), 3);
    assert!(out.advice.windows(2).all(|w| w[0].score >= w[1].score));
    assert_ne!(
        out.advice.last().map(|a| a.title.as_str()),
        Some("Run intervals")
    );
    assert!(
        out.advice.iter().all(|a| a.title != "Be positive"),
        "the vague item ranks last and is cut"
    );
}

#[tokio::test]
async fn an_unreadable_reply_is_asked_again_once_then_refused() {
    let mut fx = Fixture::new();
    fx.allow_all();
    fx.llm
        .expect_complete()
        .times(2)
        .returning(reply("I cannot help with that."));
    fx.history.expect_append().times(2).returning(|_| Ok(()));
    let coach = CoachService::new(Arc::new(fx.service()));
    let err = coach
        .advise(Uuid::now_v7(), request("sleep better"))
        .await
        .err();
    assert!(matches!(err, Some(AiError::UnparseableAdvice)), "{err:?}");
}

#[tokio::test]
async fn a_reformatted_reply_is_used_when_the_first_is_unreadable() {
    let mut fx = Fixture::new();
    fx.allow_all();
    let mut calls = 0;
    fx.llm.expect_complete().times(2).returning(move |req| {
        calls += 1;
        reply(if calls == 1 { "..." } else { JSON })(req)
    });
    fx.history.expect_append().times(2).returning(|_| Ok(()));
    let coach = CoachService::new(Arc::new(fx.service()));
    let out = coach
        .advise(Uuid::now_v7(), request("run 10 km"))
        .await
        .expect("advice");
    assert!(!out.advice.is_empty());
}

#[tokio::test]
async fn a_blank_goal_never_reaches_the_llm() {
    let mut fx = Fixture::new();
    fx.llm.expect_complete().never();
    let coach = CoachService::new(Arc::new(fx.service()));
    let err = coach.advise(Uuid::now_v7(), request("   ")).await.err();
    assert!(matches!(err, Some(AiError::Validation(_))), "{err:?}");
}
