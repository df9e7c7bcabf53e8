//! Deterministic scoring of parsed advice against the user's goal.
//!
//! ```text
//! score = 0.35 * relevance + 0.25 * actionability + 0.15 * specificity + 0.25 * model
//! ```
//! When the model gave neither impact nor effort, its 0.25 is redistributed
//! proportionally: `0.35/0.75 * relevance + 0.25/0.75 * actionability +
//! 0.15/0.75 * specificity` (≈ 0.467 / 0.333 / 0.200).
//!
//! * **relevance** (0..1): goal tokens (folded accents/case, FR+EN stop words
//!   dropped, lightly stemmed; numbers weigh 0.5, words 1) found in
//!   title+detail (equal stems or a ≥4-char stem prefix):
//!   `0.85 * sqrt(matched_weight / goal_weight) + 0.15 * [a goal token is in the title]`.
//!   A goal with no meaningful token gives 0.5 to every item.
//! * **actionability** (0..1): `0.4 * verb + 0.3 * number + 0.3 * quantity`,
//!   each 0 or 1: an action verb (FR or EN), a number, and a quantity with a
//!   unit ("20 minutes", "5 km") or a frequency ("3 fois par semaine",
//!   "twice a week", "every day").
//! * **specificity** (0..1) on the detail length L in chars: `L/60` below 60,
//!   1 for 60..=300, then `max(0.4, 1 - (L-300)/500)`.
//! * **model** (0..1): weighted mean of the present parts, impact (weight 0.6)
//!   and ease `1 - effort` (weight 0.4).
//!
//! Non-finite inputs are ignored, every part and the total are clamped into
//! [0, 1], and the output is sorted by score, highest first; the sort is
//! stable, so ties keep the parse order.

use super::parse::ParsedAdvice;
use super::text::{fold, stems_match, tokens, words};
use serde::{Deserialize, Serialize};

pub const W_RELEVANCE: f64 = 0.35;
pub const W_ACTIONABILITY: f64 = 0.25;
pub const W_SPECIFICITY: f64 = 0.15;
pub const W_MODEL: f64 = 0.25;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredAdvice {
    pub title: String,
    pub detail: String,
    pub category: String,
    pub score: f64,
}

#[rustfmt::skip]
const VERB_WORDS: &[&str] = &[
    "run", "walk", "drink", "eat", "sleep", "avoid", "limit", "reduce", "increase", "schedule",
    "plan", "set", "add", "start", "practice", "practise", "track", "keep", "go", "do", "try",
    "replace", "stretch", "breathe", "meditate", "prepare", "book", "write", "log", "cut", "swap",
    "aim", "include", "stop", "turn", "warm", "cool", "lift", "train", "alternate", "follow",
    "consult", "focus", "join", "use", "take", "get", "cook", "swim", "cycle", "jog", "fais",
    "faites", "faire", "bois", "buvez", "boire", "levez", "lever", "notez", "noter", "fixez",
    "fixer", "tenez", "suivez", "suivre", "visez", "prenez", "mettez", "allez", "sortez",
];
#[rustfmt::skip]
const VERB_PREFIXES: &[&str] = &[
    "cour", "marche", "mang", "dorm", "evit", "limit", "redui", "augment", "planifi", "prevo",
    "prevoy", "ajout", "integr", "commenc", "pratiqu", "programm", "altern", "etir", "respir",
    "medit", "couch", "essay", "remplac", "privileg", "hydrat", "prepar", "reserv", "consult",
    "diminu", "renforc", "echauff", "travaill", "instaur", "accord", "gard", "coup", "eteign",
    "desactiv", "mesur", "enregistr", "schedul", "increas", "reduc",
];
#[rustfmt::skip]
const NUMBER_WORDS: &[&str] = &[
    "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "dix", "quinze",
    "vingt", "trente", "one", "two", "three", "four", "five", "ten", "fifteen", "twenty", "thirty",
    "once", "twice",
];
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "min", "mn", "minute", "minutes", "h", "heure", "heures", "hour", "hours", "hr", "hrs", "sec",
    "s", "seconde", "secondes", "second", "seconds", "km", "m", "kg", "g", "l", "litre", "litres",
    "liter", "liters", "ml", "cl", "fois", "times", "x", "jour", "jours", "day", "days", "semaine",
    "semaines", "week", "weeks", "mois", "month", "months", "kcal", "cal", "pas", "steps", "reps",
    "repetitions", "series", "sets", "seances", "sessions", "bpm", "verres", "glasses", "portions",
    "servings",
];
#[rustfmt::skip]
const FREQUENCY: &[&str] = &[
    "par semaine", "par jour", "par nuit", "par mois", "chaque jour", "chaque semaine",
    "chaque soir", "chaque matin", "tous les jours", "tous les soirs", "tous les matins",
    "per week", "per day", "per night", "a week", "a day", "every day", "every week",
    "every night", "every morning", "every evening", "each day", "each week", "twice", "daily",
    "weekly", "nightly", "quotidien", "hebdomadaire", "le soir", "le matin", "au coucher",
    "before bed", "avant de dormir", "/jour", "/semaine", "/day", "/week",
];

fn unit_score(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Share of the goal's tokens found in the item (see module docs).
pub fn relevance(goal_tokens: &[String], title: &str, detail: &str) -> f64 {
    let weight = |t: &String| {
        if t.chars().all(|c| c.is_ascii_digit()) {
            0.5
        } else {
            1.0
        }
    };
    let total: f64 = goal_tokens.iter().map(weight).sum();
    if total <= 0.0 {
        return 0.5;
    }
    let title_toks = tokens(title);
    let all: Vec<String> = title_toks.iter().cloned().chain(tokens(detail)).collect();
    let found = |toks: &[String], g: &String| toks.iter().any(|t| stems_match(g, t));
    let matched: f64 = goal_tokens
        .iter()
        .filter(|g| found(&all, g))
        .map(weight)
        .sum();
    let in_title = goal_tokens.iter().any(|g| found(&title_toks, g));
    unit_score(0.85 * (matched / total).sqrt() + if in_title { 0.15 } else { 0.0 })
}

fn is_number(w: &str) -> bool {
    w.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&w)
}

/// Action verb, number, quantity or frequency (see module docs).
pub fn actionability(text: &str) -> f64 {
    let w = words(text);
    let verb = w.iter().any(|x| {
        VERB_WORDS.contains(&x.as_str()) || VERB_PREFIXES.iter().any(|p| x.starts_with(p))
    });
    let number = w
        .iter()
        .any(|x| x.chars().any(|c| c.is_ascii_digit()) || is_number(x) && x.len() > 3);
    let quantity = w
        .windows(2)
        .any(|p| is_number(&p[0]) && UNITS.contains(&p[1].as_str()))
        || w.iter().any(|x| {
            let digits = x.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && x.get(digits..).is_some_and(|u| UNITS.contains(&u))
        });
    let folded = format!(" {} ", words(text).join(" "));
    let raw = fold(text);
    let frequency = FREQUENCY
        .iter()
        .any(|f| folded.contains(&format!(" {f} ")) || (f.starts_with('/') && raw.contains(f)));
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    unit_score(0.4 * b(verb) + 0.3 * b(number) + 0.3 * b(quantity || frequency))
}

/// Length-based specificity of the detail (see module docs).
pub fn specificity(detail: &str) -> f64 {
    let len = detail.trim().chars().count() as f64;
    let v = if len < 60.0 {
        len / 60.0
    } else if len <= 300.0 {
        1.0
    } else {
        (1.0 - (len - 300.0) / 500.0).max(0.4)
    };
    unit_score(v)
}

/// The model's own view: impact (0.6) and ease = 1 - effort (0.4).
pub fn model_score(impact: Option<f64>, effort: Option<f64>) -> Option<f64> {
    let parts = [
        (impact.filter(|v| v.is_finite()).map(unit_score), 0.6),
        (
            effort
                .filter(|v| v.is_finite())
                .map(|e| 1.0 - unit_score(e)),
            0.4,
        ),
    ];
    let wsum: f64 = parts
        .iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, w)| w)
        .sum();
    let vsum: f64 = parts.iter().filter_map(|(v, w)| v.map(|v| v * w)).sum();
    (wsum > 0.0).then(|| unit_score(vsum / wsum))
}

fn score_one(goal_tokens: &[String], item: &ParsedAdvice) -> f64 {
    let rel = relevance(goal_tokens, &item.title, &item.detail);
    let act = actionability(&format!("{} {}", item.title, item.detail));
    let spec = specificity(&item.detail);
    let text = W_RELEVANCE * rel + W_ACTIONABILITY * act + W_SPECIFICITY * spec;
    let total = match model_score(item.impact, item.effort) {
        Some(m) => text + W_MODEL * m,
        None => text / (1.0 - W_MODEL),
    };
    unit_score(total)
}

/// Scores every item against `goal`; highest score first, ties in input order.
pub fn score_advice(goal: &str, items: Vec<ParsedAdvice>) -> Vec<ScoredAdvice> {
    let goal_tokens = tokens(goal);
    let mut out: Vec<ScoredAdvice> = items
        .into_iter()
        .map(|item| ScoredAdvice {
            score: score_one(&goal_tokens, &item),
            title: item.title,
            detail: item.detail,
            category: item.category,
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

#[cfg(test)]
#[path = "score_tests.rs"]
mod tests;
