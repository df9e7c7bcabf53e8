use super::Text;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use nextarget_core::coach::{
    AdviceInput, AdviceOutput, Language, Level, ProfileInput, ScoredAdvice,
};

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename = "Level", rename_all = "lowercase")]
pub enum LevelName {
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename = "Language", rename_all = "lowercase")]
pub enum LanguageName {
    Fr,
    En,
}

/// Who the advice is for.
#[derive(Debug, Object)]
pub struct ProfileBody {
    #[oai(nullable)]
    pub level: Option<LevelName>,
    #[oai(nullable)]
    pub age: Option<i64>,
    /// What the advice must respect: an injury, no equipment, little time...
    #[oai(nullable)]
    pub constraints: Option<Vec<Text>>,
}

/// A goal to get advice for.
#[derive(Debug, Object)]
pub struct AdviceRequestBody {
    /// 1 to 500 characters, not only whitespace.
    pub goal: Text,
    /// Up to 4000 characters.
    #[oai(nullable)]
    pub context: Option<Text>,
    #[oai(nullable)]
    pub profile: Option<ProfileBody>,
    /// 1 to 10, default 5.
    #[oai(nullable)]
    pub max_items: Option<i64>,
    /// Alias of `max_items`, for the v0.1 app.
    #[oai(nullable, deprecated)]
    pub top_n: Option<i64>,
    /// `fr` (default) or `en`.
    #[oai(nullable)]
    pub language: Option<LanguageName>,
}

impl From<AdviceRequestBody> for AdviceInput {
    fn from(b: AdviceRequestBody) -> Self {
        AdviceInput {
            goal: b.goal.into(),
            context: b.context.map(String::from),
            profile: b.profile.map(|p| ProfileInput {
                level: p.level.map(|l| match l {
                    LevelName::Beginner => Level::Beginner,
                    LevelName::Intermediate => Level::Intermediate,
                    LevelName::Advanced => Level::Advanced,
                }),
                age: p.age,
                constraints: p
                    .constraints
                    .unwrap_or_default()
                    .into_iter()
                    .map(String::from)
                    .collect(),
            }),
            max_items: b.max_items,
            top_n: b.top_n,
            language: b.language.map(|l| match l {
                LanguageName::En => Language::En,
                LanguageName::Fr => Language::Fr,
            }),
        }
    }
}

/// One piece of advice.
#[derive(Debug, Object)]
pub struct AdviceBody {
    pub title: String,
    pub detail: String,
    /// training, nutrition, sleep, recovery, mindset, planning, health or other.
    pub category: String,
    /// In [0, 1], deterministic for a given reply; higher is better.
    pub score: f64,
}

/// The v0.1 app's shape of an item: title and detail joined.
#[derive(Debug, Object)]
pub struct LegacyAdviceBody {
    pub text: String,
    pub score: f64,
}

/// Advice, best first.
#[derive(Debug, Object)]
pub struct AdviceResponseBody {
    /// The id of the stored interaction (kind `coach`).
    pub id: Uuid,
    pub goal: String,
    pub model: String,
    /// 1 to `max_items` items, sorted by score, highest first.
    pub advice: Vec<AdviceBody>,
    /// The same items for the v0.1 app.
    #[oai(deprecated)]
    pub advices: Vec<LegacyAdviceBody>,
    /// Time spent waiting on the provider.
    pub latency_ms: u64,
}

impl From<AdviceOutput> for AdviceResponseBody {
    fn from(o: AdviceOutput) -> Self {
        let legacy = |a: &ScoredAdvice| LegacyAdviceBody {
            text: format!("{}: {}", a.title, a.detail),
            score: a.score,
        };
        Self {
            id: o.id,
            goal: o.goal,
            model: o.model,
            advices: o.advice.iter().map(legacy).collect(),
            advice: o
                .advice
                .into_iter()
                .map(|a| AdviceBody {
                    title: a.title,
                    detail: a.detail,
                    category: a.category,
                    score: a.score,
                })
                .collect(),
            latency_ms: o.latency_ms,
        }
    }
}
