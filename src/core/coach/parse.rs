//! Reads an LLM reply into advice items, whatever its shape.
//!
//! Order of attempts: JSON (fenced block, whole reply, first balanced
//! `{...}`/`[...]` that parses, after light repair; then salvage of the
//! individual item objects of a broken array), then a Markdown
//! numbered/bulleted list (see `parse_list`). Items are then cleaned,
//! split into title/detail, length-capped, categorised, deduplicated
//! (same folded title, or token Jaccard >= 0.8) and capped at 20.

use super::category::{infer_category, normalize_category};
use super::prompt::MAX_ITEMS_CAP;
use super::text::{
    clean_inline, collapse_ws, fold, jaccard, strip_control, tokens, truncate_chars, words,
};
use serde::{Deserialize, Serialize};

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DETAIL_CHARS: usize = 600;
/// Replies longer than this (in chars) are cut before parsing.
const MAX_REPLY_CHARS: usize = 100_000;
/// Raw candidates considered before deduplication.
pub(crate) const MAX_RAW_ITEMS: usize = 100;
const DUP_JACCARD: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedAdvice {
    pub title: String,
    pub detail: String,
    pub category: String,
    /// 0..1, normalised from the model's 1-5 / 1-10 / high|medium|low.
    pub impact: Option<f64>,
    /// 0..1, same normalisation as `impact`.
    pub effort: Option<f64>,
}

/// A model rating before normalisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rating {
    /// A bare number whose scale (1-5 or 1-10) is decided per reply.
    Raw(f64),
    /// Already in 0..1 (words like "high", or "4/5").
    Norm(f64),
}

/// An item as found in the reply, before cleaning.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawItem {
    pub title: String,
    pub detail: String,
    pub category: Option<String>,
    pub impact: Option<Rating>,
    pub effort: Option<Rating>,
}

/// Parses any model reply; returns an empty Vec when nothing is readable.
pub fn parse_advice(reply: &str) -> Vec<ParsedAdvice> {
    let reply: String = strip_control(reply).chars().take(MAX_REPLY_CHARS).collect();
    if reply.trim().is_empty() {
        return Vec::new();
    }
    let mut raw = super::parse_json::parse_json_items(&reply);
    if raw.is_empty() {
        raw = super::parse_list::parse_list_items(&reply);
    }
    raw.truncate(MAX_RAW_ITEMS);
    finalize(raw)
}

/// Parses a rating: numbers, "4/5", "7/10", or FR/EN words.
pub(crate) fn parse_rating(s: &str) -> Option<Rating> {
    let f = fold(s.trim());
    if let Some((a, b)) = f.split_once('/') {
        let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
        if !(a.is_finite() && b.is_finite()) || b <= 1.0 {
            return None;
        }
        return Some(Rating::Norm(((a - 1.0) / (b - 1.0)).clamp(0.0, 1.0)));
    }
    if let Ok(n) = f.parse::<f64>() {
        return n.is_finite().then_some(Rating::Raw(n));
    }
    let w = words(&f);
    let has = |list: &[&str]| w.iter().any(|x| list.contains(&x.as_str()));
    if has(&[
        "high",
        "eleve",
        "elevee",
        "fort",
        "forte",
        "haut",
        "haute",
        "important",
        "importante",
        "maximal",
    ]) {
        Some(Rating::Norm(1.0))
    } else if has(&[
        "medium", "moyen", "moyenne", "moderate", "modere", "moderee", "mid",
    ]) {
        Some(Rating::Norm(0.5))
    } else if has(&["low", "faible", "bas", "basse", "minimal", "minime"]) {
        Some(Rating::Norm(0.0))
    } else {
        None
    }
}

/// Normalises a rating to 0..1 given the reply's numeric scale (5 or 10).
fn normalize_rating(r: Rating, scale: f64) -> Option<f64> {
    let v = match r {
        Rating::Norm(v) => v,
        Rating::Raw(n) if (0.0..=scale).contains(&n) => (n - 1.0) / (scale - 1.0),
        Rating::Raw(n) if (0.0..=100.0).contains(&n) => n / 100.0,
        Rating::Raw(_) => return None,
    };
    v.is_finite().then(|| v.clamp(0.0, 1.0))
}

/// Splits a text that has no separate detail: "First sentence. Rest" ->
/// (first sentence, rest); a long single sentence -> (first clause or
/// first words, whole text); a short text -> (text, text).
pub(crate) fn split_title_detail(text: &str) -> (String, String) {
    let text = collapse_ws(text);
    let chars: Vec<char> = text.chars().collect();
    for i in 3..chars.len().min(120) {
        if ".!?".contains(chars[i]) && chars.get(i + 1).is_some_and(|c| c.is_whitespace()) {
            let title: String = chars[..i].iter().collect();
            let rest: String = chars[i + 1..].iter().collect();
            if !rest.trim().is_empty() {
                return (title.trim().to_string(), rest.trim().to_string());
            }
        }
    }
    let body = text.trim_end_matches(['.', '!']).to_string();
    if chars.len() <= 60 {
        return (body, text);
    }
    for i in 10..chars.len().min(80) {
        if ",;:(".contains(chars[i]) || (chars[i] == '-' && chars.get(i + 1) == Some(&' ')) {
            let title: String = chars[..i].iter().collect();
            return (title.trim().to_string(), text);
        }
    }
    let title: Vec<&str> = body.split_whitespace().take(8).collect();
    (format!("{}…", title.join(" ")), text)
}

fn clean_item(item: RawItem, scale: f64) -> Option<ParsedAdvice> {
    let mut title = clean_inline(&item.title);
    let mut detail = clean_inline(&item.detail);
    if title.is_empty() && detail.is_empty() {
        return None;
    }
    if title.is_empty() {
        (title, detail) = split_title_detail(&detail);
    } else if detail.is_empty() {
        (title, detail) = split_title_detail(&title);
    }
    let title = truncate_chars(title.trim_end_matches([':', ' ']), MAX_TITLE_CHARS);
    let detail = capitalize_first(&truncate_chars(&detail, MAX_DETAIL_CHARS));
    if title.chars().all(|c| !c.is_alphanumeric()) {
        return None;
    }
    let category = item
        .category
        .as_deref()
        .and_then(normalize_category)
        .or_else(|| infer_category(&format!("{title} {title} {detail}")))
        .unwrap_or("other")
        .to_string();
    Some(ParsedAdvice {
        title,
        detail,
        category,
        impact: item.impact.and_then(|r| normalize_rating(r, scale)),
        effort: item.effort.and_then(|r| normalize_rating(r, scale)),
    })
}

fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Folded, stemmed, stop-word-free title: equal keys mean duplicates.
fn title_key(title: &str) -> String {
    let key = tokens(title).join(" ");
    if key.is_empty() {
        words(title).join(" ")
    } else {
        key
    }
}

/// Cleans, deduplicates and caps raw items.
pub(crate) fn finalize(raw: Vec<RawItem>) -> Vec<ParsedAdvice> {
    let ten = raw
        .iter()
        .flat_map(|r| [r.impact, r.effort])
        .any(|r| matches!(r, Some(Rating::Raw(n)) if n > 5.0 && n <= 10.0));
    let scale = if ten { 10.0 } else { 5.0 };
    let mut out: Vec<(ParsedAdvice, String, Vec<String>)> = Vec::new();
    for item in raw {
        let Some(adv) = clean_item(item, scale) else {
            continue;
        };
        let key = title_key(&adv.title);
        let toks = tokens(&format!("{} {}", adv.title, adv.detail));
        let dup = out
            .iter()
            .any(|(_, k, t)| (!key.is_empty() && *k == key) || jaccard(t, &toks) >= DUP_JACCARD);
        if !dup {
            out.push((adv, key, toks));
        }
        if out.len() >= MAX_ITEMS_CAP {
            break;
        }
    }
    out.into_iter().map(|(a, _, _)| a).collect()
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
