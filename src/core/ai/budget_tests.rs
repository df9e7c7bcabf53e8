//! Unit tests of `budget.rs`: admission under the daily token budget and
//! the charge of every kind of call.

use futures::StreamExt;
use nextarget_ports::{
    BudgetDecision, Completion, DayUsage, LlmError, RateDecision, StreamEvent, Usage,
};
use uuid::Uuid;

use super::super::test_support::Fixture;
use crate::ai::{AiError, CompletionInput};

fn input(prompt: &str) -> CompletionInput {
    CompletionInput {
        prompt: prompt.into(),
        ..Default::default()
    }
}

fn allow_requests(fx: &mut Fixture) {
    fx.limiter
        .expect_check()
        .returning(|_, _, _| Ok(RateDecision::Allowed { remaining: 10 }));
}

/// Reservations always pass; exactly one settlement, of `reserved` and
/// `used` tokens, is expected.
fn expect_one_charge(fx: &mut Fixture, reserved: u64, used: u64) {
    fx.limiter
        .expect_reserve_tokens()
        .returning(|_, _, _, _, _| Ok(BudgetDecision::Reserved(DayUsage::default())));
    fx.limiter
        .expect_settle_tokens()
        .withf(move |_, _, r, u, _| (*r, *u) == (reserved, used))
        .times(1)
        .returning(|_, _, _, _, _| Ok(DayUsage::default()));
}

fn answer(total_tokens: u32) -> Completion {
    Completion {
        model: "test-model".into(),
        content: "ok".into(),
        finish_reason: "stop".into(),
        usage: Usage {
            prompt_tokens: 1,
            completion_tokens: total_tokens - 1,
            total_tokens,
        },
    }
}

#[tokio::test]
async fn a_spent_budget_refuses_before_the_provider_until_midnight() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    fx.limiter
        .expect_reserve_tokens()
        .withf(|key, _, _, limit, _| key.starts_with("ai:") && *limit == 1_000)
        .times(1)
        .returning(|_, _, _, _, _| {
            Ok(BudgetDecision::Exhausted(DayUsage {
                tokens: 1_000,
                requests: 9,
            }))
        });
    fx.limiter.expect_settle_tokens().never();
    fx.llm.expect_complete().never();
    fx.history.expect_append().never();
    let err = fx
        .service_with_budget(1_000)
        .complete(Uuid::now_v7(), input("hi"))
        .await
        .err();
    match err {
        Some(AiError::TokenBudgetExceeded { retry_after_secs }) => {
            assert!(
                (1..=86_400).contains(&retry_after_secs),
                "{retry_after_secs}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_call_reserves_its_prompt_estimate_and_is_charged_its_real_usage() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    // "twelve chars" is 12 characters: 3 tokens by the estimate.
    fx.limiter
        .expect_reserve_tokens()
        .withf(|_, _, tokens, _, _| *tokens == 3)
        .times(1)
        .returning(|_, _, _, _, _| Ok(BudgetDecision::Reserved(DayUsage::default())));
    fx.limiter
        .expect_settle_tokens()
        .withf(|_, _, reserved, used, _| (*reserved, *used) == (3, 42))
        .times(1)
        .returning(|_, _, _, _, _| Ok(DayUsage::default()));
    fx.llm.expect_complete().returning(|_| Ok(answer(42)));
    fx.history.expect_append().returning(|_| Ok(()));
    fx.service_with_budget(1_000)
        .complete(Uuid::now_v7(), input("twelve chars"))
        .await
        .expect("answer");
}

#[tokio::test]
async fn without_a_budget_nothing_is_reserved_and_usage_is_still_counted() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    fx.limiter.expect_reserve_tokens().never();
    fx.limiter
        .expect_settle_tokens()
        .withf(|_, _, reserved, used, _| (*reserved, *used) == (0, 42))
        .times(1)
        .returning(|_, _, _, _, _| Ok(DayUsage::default()));
    fx.llm.expect_complete().returning(|_| Ok(answer(42)));
    fx.history.expect_append().returning(|_| Ok(()));
    fx.service()
        .complete(Uuid::now_v7(), input("hi"))
        .await
        .expect("answer");
}

#[tokio::test]
async fn a_failed_call_gives_its_reservation_back() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    expect_one_charge(&mut fx, 1, 0);
    fx.llm
        .expect_complete()
        .returning(|_| Err(LlmError::Timeout));
    fx.history.expect_append().returning(|_| Ok(()));
    let err = fx
        .service_with_budget(1_000)
        .complete(Uuid::now_v7(), input("hi"))
        .await
        .err();
    assert!(matches!(err, Some(AiError::UpstreamTimeout)), "{err:?}");
}

#[tokio::test]
async fn a_stream_cut_short_is_charged_an_estimate_of_its_text() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    // The prompt (1 token) and the 8 characters sent (2 tokens).
    expect_one_charge(&mut fx, 1, 3);
    fx.llm.expect_stream().returning(|_| {
        let first = futures::stream::iter([Ok(StreamEvent::Delta("abcdefgh".into()))]);
        Ok(first.chain(futures::stream::pending()).boxed())
    });
    fx.history.expect_append().times(1).returning(|_| Ok(()));
    let service = fx.service_with_budget(1_000);
    let mut opened = service
        .stream(Uuid::now_v7(), input("hi"))
        .await
        .expect("stream");
    assert!(opened.items.next().await.is_some(), "the first delta");
    drop(opened);
    service.flush().await;
}

#[tokio::test]
async fn a_finished_stream_is_charged_what_the_provider_reported() {
    let mut fx = Fixture::new();
    allow_requests(&mut fx);
    expect_one_charge(&mut fx, 1, 40);
    fx.llm.expect_stream().returning(|_| {
        let done = StreamEvent::Done {
            model: "test-model".into(),
            finish_reason: "stop".into(),
            usage: answer(40).usage,
        };
        Ok(futures::stream::iter([Ok(StreamEvent::Delta("abcdefgh".into())), Ok(done)]).boxed())
    });
    fx.history.expect_append().times(1).returning(|_| Ok(()));
    let service = fx.service_with_budget(1_000);
    let opened = service
        .stream(Uuid::now_v7(), input("hi"))
        .await
        .expect("stream");
    let items: Vec<_> = opened.items.collect().await;
    assert_eq!(items.len(), 2, "{items:?}");
    service.flush().await;
}
