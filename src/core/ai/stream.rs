//! Streamed completions. A task of its own drives the upstream stream and
//! hands items to the client through a small bounded channel, so that:
//! - the history row is written before the `Done` item is sent;
//! - when the client goes away (the receiver is dropped) the task notices,
//!   stores the partial answer as `cancelled`, and stops reading upstream;
//! - shutdown can wait for it (it runs in the service's task tracker).

use std::time::{Duration, Instant};

use futures::{stream::BoxStream, StreamExt};
use nextarget_ports::{
    budget::estimate_tokens, CompletionStream, Interaction, InteractionKind, InteractionStatus,
    StreamEvent, Usage, UserId,
};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    budget::{estimate_messages, Charge},
    gateway::elapsed_ms,
    AiError, AiService, CompletionInput,
};

/// A relayed stream's place in its user's budget: where it is charged, and
/// its prompt's estimate (what an estimate of a cut stream starts from).
struct Billing {
    charge: Charge,
    prompt_estimate: u64,
}

/// What the client receives, in order: deltas, then `Done` or `Failed`.
#[derive(Debug)]
pub enum StreamItem {
    Delta(String),
    Done(StreamSummary),
    Failed(AiError),
}

/// An opened stream: its items, and how long the provider took to open it
/// (for the proxy's overhead).
pub struct CompletionStreamOutput {
    pub items: BoxStream<'static, StreamItem>,
    pub provider_wait: Duration,
}

#[derive(Debug, Clone)]
pub struct StreamSummary {
    pub id: Uuid,
    pub model: String,
    pub finish_reason: String,
    pub usage: Usage,
    pub latency_ms: u64,
}

impl AiService {
    /// Validates, admits and opens the upstream stream; its usage is charged
    /// when it ends (see the `budget` module for a stream cut short).
    ///
    /// # Errors
    /// Validation, rate-limit and token-budget errors, and upstream errors
    /// that happen before the first byte (those are recorded in history
    /// too).
    #[tracing::instrument(skip_all, fields(%user_id, streamed = true))]
    pub async fn stream(
        &self,
        user_id: UserId,
        input: CompletionInput,
    ) -> Result<CompletionStreamOutput, AiError> {
        let request = input.validate(&self.policy)?;
        let prompt_estimate = estimate_messages(&request.messages);
        let mut admission = self.admit(user_id, prompt_estimate).await?;
        let billing = Billing {
            charge: admission.next_charge(),
            prompt_estimate,
        };
        let mut row = Interaction {
            id: Uuid::now_v7(),
            user_id,
            kind: InteractionKind::Completion,
            model: request.model.clone(),
            prompt: input.prompt,
            response: None,
            status: InteractionStatus::Ok,
            error_code: None,
            latency_ms: 0,
            usage: None,
            created_at: self.ports.clock.now(),
        };
        let started = Instant::now();
        let model = request.model.clone();
        let opened = self.ports.llm.stream(request).await;
        let provider_wait = started.elapsed();
        let upstream = match opened {
            Ok(upstream) => upstream,
            Err(err) => {
                let err = AiError::from(err);
                self.ports
                    .metrics
                    .llm_call(&model, err.code(), provider_wait, None);
                row.status = InteractionStatus::Error;
                row.error_code = Some(err.code().to_owned());
                row.latency_ms = elapsed_ms(started);
                self.record(&row).await;
                self.settle(user_id, billing.charge, 0, false).await;
                return Err(err);
            }
        };
        let (tx, rx) = mpsc::channel(16);
        let service = self.clone_for_task();
        self.background
            .spawn(async move { service.relay(upstream, tx, row, started, billing).await });
        Ok(CompletionStreamOutput {
            items: tokio_stream_from(rx),
            provider_wait,
        })
    }

    async fn relay(
        self,
        mut upstream: CompletionStream,
        tx: mpsc::Sender<StreamItem>,
        mut row: Interaction,
        started: Instant,
        billing: Billing,
    ) {
        let requested = row.model.clone();
        let mut content = String::new();
        loop {
            let next = tokio::select! {
                () = tx.closed() => None,
                next = upstream.next() => Some(next),
            };
            let Some(next) = next else {
                row.status = InteractionStatus::Cancelled;
                break;
            };
            match next {
                Some(Ok(StreamEvent::Delta(delta))) => {
                    content.push_str(&delta);
                    if tx.send(StreamItem::Delta(delta)).await.is_err() {
                        row.status = InteractionStatus::Cancelled;
                        break;
                    }
                }
                Some(Ok(StreamEvent::Done {
                    model,
                    finish_reason,
                    usage,
                })) => {
                    row.model.clone_from(&model);
                    row.usage = Some(usage);
                    row.response = Some(content);
                    row.latency_ms = elapsed_ms(started);
                    self.ports
                        .metrics
                        .llm_call(&requested, "ok", started.elapsed(), Some(usage));
                    self.record(&row).await;
                    let used = u64::from(usage.total_tokens);
                    self.settle(row.user_id, billing.charge, used, false).await;
                    let summary = StreamSummary {
                        id: row.id,
                        model,
                        finish_reason,
                        usage,
                        latency_ms: row.latency_ms,
                    };
                    let _ = tx.send(StreamItem::Done(summary)).await;
                    return;
                }
                Some(Err(err)) => {
                    let err = AiError::from(err);
                    row.status = InteractionStatus::Error;
                    row.error_code = Some(err.code().to_owned());
                    let _ = tx.send(StreamItem::Failed(err)).await;
                    break;
                }
                None => {
                    let err = AiError::Upstream("the stream ended without a finish".into());
                    row.status = InteractionStatus::Error;
                    row.error_code = Some(err.code().to_owned());
                    let _ = tx.send(StreamItem::Failed(err)).await;
                    break;
                }
            }
        }
        // Cut short: the provider reported no usage; charge an estimate.
        let estimate = billing
            .prompt_estimate
            .saturating_add(estimate_tokens(&content));
        row.response = Some(content);
        row.latency_ms = elapsed_ms(started);
        let outcome = row.error_code.as_deref().unwrap_or("cancelled");
        self.ports
            .metrics
            .llm_call(&requested, outcome, started.elapsed(), None);
        self.record(&row).await;
        self.settle(row.user_id, billing.charge, estimate, true)
            .await;
    }

    /// A handle on the same ports for a background task.
    fn clone_for_task(&self) -> AiService {
        AiService {
            ports: self.ports.clone(),
            policy: self.policy.clone(),
            background: self.background.clone(),
        }
    }
}

fn tokio_stream_from(mut rx: mpsc::Receiver<StreamItem>) -> BoxStream<'static, StreamItem> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}
