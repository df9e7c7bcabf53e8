use chrono::NaiveDate;
use poem_openapi::Object;

use nextarget_core::ai::UsageReport;

/// The caller's AI usage of the current UTC day.
#[derive(Debug, Object)]
#[oai(rename = "DailyUsage")]
pub struct DailyUsageBody {
    /// The UTC day counted (`YYYY-MM-DD`); counts start again at midnight UTC.
    pub day: NaiveDate,
    /// Tokens charged today across `/ai/*` and `/coach/*`: the provider's
    /// `total_tokens` of each call, an estimate for a stream cut short, and
    /// the prompt estimate of calls still under way.
    pub tokens_used: u64,
    /// `rate_limit.ai_tokens_per_day`; null when there is no daily budget.
    #[oai(nullable)]
    pub tokens_limit: Option<u64>,
    /// Calls that reached the LLM provider today.
    pub requests_used: u64,
    /// `rate_limit.ai_requests_per_minute`: the request limit, per minute.
    pub requests_limit: u32,
}

impl From<UsageReport> for DailyUsageBody {
    fn from(r: UsageReport) -> Self {
        Self {
            day: r.day,
            tokens_used: r.tokens_used,
            tokens_limit: r.tokens_limit,
            requests_used: r.requests_used,
            requests_limit: r.requests_limit,
        }
    }
}
