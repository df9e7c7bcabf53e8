//! JSON side of the parser: finds JSON in a reply (fence, whole text, first
//! balanced `{...}`/`[...]`), repairs small defects (trailing commas, smart
//! quotes), maps alternative key names, and as a last resort salvages the
//! individual item objects of a broken or truncated array.

use super::json_scan::{balanced_end, bracket_starts, fenced_blocks, repair};
use super::parse::{parse_rating, Rating, RawItem, MAX_RAW_ITEMS};
use super::text::fold;
use serde_json::{Map, Value};

/// How many bracket start positions are tried (bounds work on garbage).
const MAX_STARTS: usize = 64;
const MAX_DEPTH: usize = 4;

#[rustfmt::skip]
const LIST_KEYS: &[&str] = &[
    "advice", "advices", "conseils", "conseil", "tips", "astuces", "items", "recommendations",
    "recommandations", "suggestions", "actions", "steps", "etapes", "data", "result", "results",
    "response", "reponse",
];
#[rustfmt::skip]
const TITLE_KEYS: &[&str] = &[
    "title", "titre", "name", "nom", "heading", "advice", "conseil", "tip", "astuce", "action",
    "recommendation", "recommandation", "summary", "resume",
];
#[rustfmt::skip]
const DETAIL_KEYS: &[&str] = &[
    "detail", "details", "description", "desc", "texte", "text", "explanation", "explication",
    "content", "contenu", "body", "how", "comment", "why", "pourquoi",
];
#[rustfmt::skip]
const CATEGORY_KEYS: &[&str] = &[
    "category", "categorie", "type", "domain", "domaine", "theme",
];
const IMPACT_KEYS: &[&str] = &["impact", "priority", "priorite", "importance", "benefit"];
const EFFORT_KEYS: &[&str] = &["effort", "difficulty", "difficulte", "cost", "cout"];

/// All items found as JSON in `reply` (empty when there is no usable JSON).
pub(crate) fn parse_json_items(reply: &str) -> Vec<RawItem> {
    let mut candidates: Vec<&str> = fenced_blocks(reply);
    candidates.push(reply.trim());
    for cand in candidates {
        let items = items_from_text(cand);
        if !items.is_empty() {
            return items;
        }
    }
    for (i, start) in bracket_starts(reply).into_iter().enumerate() {
        if i >= MAX_STARTS {
            break;
        }
        let Some(rest) = reply.get(start..) else {
            continue;
        };
        if let Some(end) = balanced_end(rest) {
            let cand = rest.get(..end).unwrap_or("");
            if is_lone_item(cand) {
                // Probably one element of a broken array: collect its siblings too.
                break;
            }
            let items = items_from_text(cand);
            if !items.is_empty() {
                return items;
            }
        }
    }
    salvage_objects(reply)
}

fn items_from_text(s: &str) -> Vec<RawItem> {
    let t = s.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return Vec::new();
    }
    let parsed = serde_json::from_str::<Value>(t).or_else(|_| serde_json::from_str(&repair(t)));
    parsed.map(|v| items_from_value(&v, 0)).unwrap_or_default()
}

/// True when `s` parses as a single item object (no list inside).
fn is_lone_item(s: &str) -> bool {
    let v = serde_json::from_str::<Value>(s).or_else(|_| serde_json::from_str(&repair(s)));
    match v {
        Ok(Value::Object(o)) => {
            field(&o, LIST_KEYS).is_none_or(|l| !l.is_array()) && item_from_object(&o).is_some()
        }
        _ => false,
    }
}

/// Complete `{...}` objects that parse on their own and look like items.
fn salvage_objects(reply: &str) -> Vec<RawItem> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut tries = 0;
    while let Some(rel) = reply.get(pos..).and_then(|r| r.find('{')) {
        tries += 1;
        if tries > MAX_STARTS * 4 || out.len() >= MAX_RAW_ITEMS {
            break;
        }
        let start = pos + rel;
        let rest = reply.get(start..).unwrap_or("");
        let end = balanced_end(rest);
        let obj = end
            .and_then(|e| rest.get(..e))
            .and_then(|t| serde_json::from_str::<Value>(&repair(t)).ok());
        match (
            end,
            obj.as_ref()
                .and_then(Value::as_object)
                .and_then(item_from_object),
        ) {
            (Some(e), Some(item)) => {
                out.push(item);
                pos = start + e;
            }
            _ => pos = start + 1,
        }
    }
    out
}

fn key_of(k: &str) -> String {
    fold(k).chars().filter(|c| c.is_alphanumeric()).collect()
}

fn field<'a>(obj: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|want| obj.iter().find(|(k, _)| key_of(k) == *want).map(|(_, v)| v))
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(text_of).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        _ => None,
    }
}

fn rating_of(v: Option<&Value>) -> Option<Rating> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()).map(Rating::Raw),
        Value::String(s) => parse_rating(s),
        _ => None,
    }
}

fn item_from_object(obj: &Map<String, Value>) -> Option<RawItem> {
    let title = field(obj, TITLE_KEYS).and_then(text_of).unwrap_or_default();
    let detail = field(obj, DETAIL_KEYS)
        .and_then(text_of)
        .unwrap_or_default();
    if title.trim().is_empty() && detail.trim().is_empty() {
        return None;
    }
    Some(RawItem {
        title,
        detail,
        category: field(obj, CATEGORY_KEYS).and_then(text_of),
        impact: rating_of(field(obj, IMPACT_KEYS)),
        effort: rating_of(field(obj, EFFORT_KEYS)),
    })
}

fn items_from_array(arr: &[Value], depth: usize) -> Vec<RawItem> {
    let mut out = Vec::new();
    for v in arr.iter().take(MAX_RAW_ITEMS) {
        match v {
            Value::Object(o) => out.extend(item_from_object(o)),
            Value::String(s) if !s.trim().is_empty() => {
                out.extend(super::parse_list::item_from_line(s));
            }
            Value::Array(inner) if depth < MAX_DEPTH => {
                out.extend(items_from_array(inner, depth + 1))
            }
            _ => {}
        }
    }
    out
}

fn items_from_value(v: &Value, depth: usize) -> Vec<RawItem> {
    match v {
        Value::Array(a) => items_from_array(a, depth),
        Value::Object(o) => {
            if let Some(Value::Array(a)) = field(o, LIST_KEYS) {
                return items_from_array(a, depth);
            }
            if depth < MAX_DEPTH {
                for inner in o.values() {
                    let items = match inner {
                        Value::Array(_) | Value::Object(_) => items_from_value(inner, depth + 1),
                        _ => Vec::new(),
                    };
                    if !items.is_empty() {
                        return items;
                    }
                }
            }
            item_from_object(o).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "parse_json_tests.rs"]
mod tests;
