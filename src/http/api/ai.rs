use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, OpenApi};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    completion_response::CompletionResponse,
    metrics::ProviderWait,
    schemas::{CompletionRequestBody, HistoryBody},
    security::BearerAuth,
};
use nextarget_core::ai::AiService;

pub struct AiApi;

type CompletionErrors = ApiError<
    {
        doc::BODY
            | doc::UNAUTHORIZED
            | doc::TOO_MANY_REQUESTS
            | doc::BAD_GATEWAY
            | doc::UNAVAILABLE
            | doc::GATEWAY_TIMEOUT
    },
>;
type HistoryErrors =
    ApiError<{ doc::BAD_REQUEST | doc::UNPROCESSABLE | doc::UNAUTHORIZED | doc::UNAVAILABLE }>;

#[OpenApi(tag = "ApiTags::Ai")]
impl AiApi {
    /// Sends a prompt to the LLM through the proxy.
    ///
    /// The call is rate limited per user (`rate_limit.ai_requests_per_minute`,
    /// 429 `rate_limited`), refused before it goes upstream once the user's
    /// daily token budget is spent (`rate_limit.ai_tokens_per_day`, 429
    /// `token_budget_exceeded`, `Retry-After` to the next UTC midnight),
    /// timed, stored in `/ai/history` and charged its token usage before the
    /// answer is sent. When `llm.fallbacks` are set and the model fails
    /// before answering (timeout, unreachable, 5xx), the next is tried: the
    /// answer's `model` names the one that answered. Errors: 422
    /// `prompt_too_long` / `validation_error`; 429 `upstream_rate_limited`;
    /// 502 `upstream_error`; 503 `llm_unavailable`; 504 `upstream_timeout`.
    #[oai(path = "/ai/completions", method = "post")]
    async fn completions(
        &self,
        auth: BearerAuth,
        body: Json<CompletionRequestBody>,
        ai: Data<&Arc<AiService>>,
        wait: Data<&ProviderWait>,
    ) -> Result<CompletionResponse, CompletionErrors> {
        let streamed = body.0.stream.unwrap_or(false);
        let input = body.0.into();
        if streamed {
            let opened = ai.stream(auth.0.user.id, input).await?;
            wait.add(opened.provider_wait);
            Ok(CompletionResponse::Stream(opened.items))
        } else {
            let output = ai.complete(auth.0.user.id, input).await?;
            wait.add(output.provider_wait);
            Ok(CompletionResponse::Whole(Json(output.into())))
        }
    }

    /// The caller's own AI interactions, newest first.
    #[oai(path = "/ai/history", method = "get")]
    async fn history(
        &self,
        auth: BearerAuth,
        /// 1 to 100.
        limit: Query<Option<i64>>,
        /// The `next_cursor` of the previous page (empty: the first page).
        cursor: Query<Option<String>>,
        ai: Data<&Arc<AiService>>,
    ) -> Result<Json<HistoryBody>, HistoryErrors> {
        let limit = u32::try_from(limit.0.unwrap_or(20)).unwrap_or(0);
        let page = ai
            .history(auth.0.user.id, limit, cursor.0.as_deref())
            .await?;
        Ok(Json(page.into()))
    }
}
