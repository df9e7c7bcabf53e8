//! Advice categories: maps the model's category (FR/EN synonyms) onto the
//! fixed list, or infers one from keywords in the text.

use super::prompt::CATEGORIES;
use super::text::{fold, words};

/// Maps a model category (FR/EN synonyms) onto [`CATEGORIES`].
pub(crate) fn normalize_category(c: &str) -> Option<&'static str> {
    let f = fold(c);
    let f = f.trim();
    if let Some(known) = CATEGORIES.iter().find(|k| **k == f) {
        return Some(known);
    }
    infer_category(f).filter(|_| !f.is_empty())
}

#[rustfmt::skip]
const CATEGORY_KEYWORDS: [(&str, &[&str]); 7] = [
    ("sleep", &["sleep", "sommeil", "dorm", "coucher", "nap", "sieste", "insomn", "bed",
        "reveil", "ecran"]),
    ("nutrition", &["nutri", "aliment", "manger", "mang", "eat", "food", "diet", "regime", "repas",
        "meal", "calori", "prote", "boire", "hydrat", "eau", "water", "sucre", "sugar", "legume",
        "vegetable", "fruit"]),
    ("recovery", &["recup", "recover", "repos", "etire", "stretch", "massage", "foam"]),
    ("training", &["entrain", "train", "exerc", "sport", "workout", "fitness", "cour", "run",
        "fraction", "interval", "muscu", "strength", "squat", "fartlek", "endurance", "seance",
        "session", "marche", "walk", "velo", "natation", "swim"]),
    ("mindset", &["mental", "mindset", "motiv", "stress", "medit", "respir", "breath", "confian",
        "visualis", "psych"]),
    ("planning", &["plan", "program", "objecti", "goal", "calendri", "schedule", "agenda", "habit",
        "routine", "suivi", "track", "journal", "organis"]),
    ("health", &["sante", "health", "medec", "doctor", "docteur", "kine", "physio", "douleur",
        "pain", "bless", "injur", "blood", "tension"]),
];

/// Picks the category whose keywords prefix the most words of `text`.
pub(crate) fn infer_category(text: &str) -> Option<&'static str> {
    let w = words(text);
    let mut best: Option<(&'static str, usize)> = None;
    for (cat, kws) in CATEGORY_KEYWORDS.iter() {
        let hits = w
            .iter()
            .filter(|x| kws.iter().any(|k| x.starts_with(k)))
            .count();
        if hits > 0 && best.is_none_or(|(_, b)| hits > b) {
            best = Some((cat, hits));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_inferred_and_normalised() {
        assert_eq!(normalize_category("Entraînement"), Some("training"));
        assert_eq!(normalize_category("Sommeil"), Some("sleep"));
        assert_eq!(normalize_category("SLEEP"), Some("sleep"));
        assert_eq!(infer_category("Buvez plus d'eau"), Some("nutrition"));
        assert_eq!(infer_category("xyz"), None);
    }
}
