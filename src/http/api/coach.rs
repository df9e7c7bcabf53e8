use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{payload::Json, OpenApi};

use super::ApiTags;
use crate::http::{
    api_error::{doc, ApiError},
    metrics::ProviderWait,
    schemas::{AdviceRequestBody, AdviceResponseBody},
    security::BearerAuth,
};
use nextarget_core::coach::CoachService;

pub struct CoachApi;

type AdviceErrors = ApiError<
    {
        doc::BODY
            | doc::UNAUTHORIZED
            | doc::TOO_MANY_REQUESTS
            | doc::BAD_GATEWAY
            | doc::UNAVAILABLE
            | doc::GATEWAY_TIMEOUT
    },
>;

#[OpenApi(tag = "ApiTags::Coach")]
impl CoachApi {
    /// Scored advice toward a goal.
    ///
    /// The LLM is prompted with the goal, context and profile; its reply is
    /// read whatever its shape (JSON, fenced JSON, a list), scored
    /// deterministically, and stored in history as kind `coach`. Same rate
    /// limit, token budget, fallbacks and errors as `/ai/completions`
    /// (429 `rate_limited`, `token_budget_exceeded`), plus 502 `unparseable_advice`
    /// when no advice can be read even after asking the model to reformat.
    #[oai(path = "/coach/advice", method = "post")]
    async fn advice(
        &self,
        auth: BearerAuth,
        body: Json<AdviceRequestBody>,
        coach: Data<&Arc<CoachService>>,
        wait: Data<&ProviderWait>,
    ) -> Result<Json<AdviceResponseBody>, AdviceErrors> {
        let output = coach.advise(auth.0.user.id, body.0.into()).await?;
        wait.add(output.provider_wait);
        Ok(Json(output.into()))
    }
}
