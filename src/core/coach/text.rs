//! Shared text helpers: accent/case folding, tokenising, FR+EN stop words,
//! light stemming, similarity and char-safe truncation.
//!
//! Every function here works on `char`s (never on raw byte offsets), so none
//! of them can split a UTF-8 sequence or panic on arbitrary input.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// French and English words that carry no meaning for matching (already folded).
const STOP_WORDS: &[&str] = &[
    // French
    "le", "la", "les", "un", "une", "des", "du", "de", "au", "aux", "et", "ou", "en", "dans", "par",
    "pour", "sur", "avec", "sans", "ce", "cet", "cette", "ces", "se", "sa", "son", "ses", "mon",
    "ma", "mes", "ton", "ta", "tes", "notre", "nos", "votre", "vos", "leur", "leurs", "je", "tu",
    "il", "elle", "on", "nous", "vous", "ils", "elles", "me", "te", "lui", "ne", "pas", "plus",
    "moins", "que", "qui", "quoi", "dont", "est", "sont", "etre", "avoir", "ai", "as", "ont",
    "comme", "mais", "donc", "car", "si", "tout", "tous", "toute", "toutes", "tres", "bien",
    "mieux", "aussi", "ici", "veux", "voudrais", "aimerais", "faire", "fait", "peu", "entre",
    "jusqu", "avant", "apres", "chez", "sous", "ca", "cela", "ceci", "meme", "quand",
    // English
    "the", "an", "and", "or", "of", "to", "in", "on", "at", "for", "with", "without", "by", "from",
    "is", "are", "be", "been", "being", "was", "were", "it", "its", "this", "that", "these",
    "those", "you", "he", "she", "we", "they", "me", "my", "your", "our", "their", "his", "her",
    "them", "us", "do", "does", "did", "done", "have", "has", "had", "not", "no", "but", "so",
    "if", "as", "than", "then", "too", "very", "can", "could", "should", "would", "will", "just",
    "more", "most", "less", "some", "any", "all", "each", "about", "into", "over", "under", "up",
    "out", "also", "get", "make", "want", "like", "better", "good", "well", "by", "until",
];

/// Suffixes stripped by [`stem`] after a plural s/x, longest first; one rule per word.
#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "ement", "ation", "ment", "euse", "eur", "ing", "ed", "ly", "er", "ir", "re", "e",
];

/// Lower-cases and removes accents/diacritics ("Élevé" -> "eleve", "Œuf" -> "oeuf").
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            '’' | '‘' => out.push('\''),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// True for folded French/English stop words.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Very light FR/EN stemmer on a folded word (strips one common suffix,
/// keeping at least 3 chars, then undoubles a final consonant: "running" -> "run").
pub fn stem(word: &str) -> String {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    let mut word = word;
    if word.chars().count() > 3 && !word.ends_with("ss") {
        word = word.strip_suffix(['s', 'x']).unwrap_or(word);
    }
    let n = word.chars().count();
    let mut base = word.to_string();
    for suf in SUFFIXES {
        if let Some(rest) = word.strip_suffix(suf) {
            if n - suf.chars().count() >= 3 {
                base = rest.to_string();
                break;
            }
        }
    }
    let chars: Vec<char> = base.chars().collect();
    if chars.len() > 3 {
        let (a, b) = (chars[chars.len() - 2], chars[chars.len() - 1]);
        if a == b && !"aeiouy".contains(b) {
            base = chars[..chars.len() - 1].iter().collect();
        }
    }
    base
}

/// Folded words of `s` (split on anything not alphanumeric), stop words kept.
pub fn words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Meaningful, stemmed tokens: folded, stop words and 1-letter words dropped
/// (numbers are kept, even single digits), deduplicated in first-seen order.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(s) {
        let is_num = w.chars().all(|c| c.is_ascii_digit());
        if is_stop_word(&w) || (!is_num && w.chars().count() < 2) {
            continue;
        }
        let st = stem(&w);
        if !out.contains(&st) {
            out.push(st);
        }
    }
    out
}

/// Two stems match when equal, or when the shorter one (>= 4 chars) is a
/// prefix of the longer one ("cour" ~ "cours").
pub fn stems_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.chars().count() >= 4 && long.starts_with(short)
}

/// Jaccard similarity of two token sets (0 when both are empty).
pub fn jaccard(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let inter = a.iter().filter(|t| b.contains(t)).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

/// Removes control characters except newline and tab; normalises CR/LF.
pub fn strip_control(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Collapses every whitespace run into one space and trims.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims whitespace and Markdown emphasis/heading marks from an inline text.
pub fn clean_inline(s: &str) -> String {
    let s = s.replace("**", "").replace("__", "").replace('`', "");
    let s = collapse_ws(&s);
    let trimmed = s
        .trim_start_matches(['#', '>', '*', '_', ' '])
        .trim_end_matches(['*', '_', ' ']);
    trimmed.trim().to_string()
}

/// Cuts `s` to at most `max` chars, on a word boundary when one is close,
/// appending "…" when anything was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let kept: Vec<char> = s.chars().take(max - 1).collect();
    let mut end = kept.len();
    if let Some(ws) = kept.iter().rposition(|c| c.is_whitespace()) {
        if ws >= kept.len() / 2 {
            end = ws;
        }
    }
    let cut: String = kept[..end].iter().collect();
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c));
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Élevé À Œuvre"), "eleve a oeuvre");
        assert_eq!(fold("SOMMEIL"), "sommeil");
    }

    #[test]
    fn tokens_drop_stop_words_and_stem() {
        let t = tokens("Courir un 10 km en moins de 50 minutes d'ici juin");
        assert_eq!(t, vec!["cour", "10", "km", "50", "minut", "juin"]);
        assert_eq!(tokens("the running shoes"), vec!["run", "sho"]);
        assert!(stems_match(&stem("course"), &stem("courir")));
    }

    #[test]
    fn truncates_on_char_and_word_boundary() {
        let s = "été ".repeat(50);
        let t = truncate_chars(&s, 20);
        assert!(t.chars().count() <= 20);
        assert!(t.ends_with('…'));
        assert_eq!(truncate_chars("court", 10), "court");
        assert_eq!(truncate_chars("abcdef", 0), "");
    }

    #[test]
    fn cleans_markdown_and_controls() {
        assert_eq!(clean_inline("  **Hydratation** _ "), "Hydratation");
        assert_eq!(strip_control("a\u{0}b\r\nc\u{7}"), "ab\nc");
        assert!((jaccard(&tokens("run fast"), &tokens("run fast")) - 1.0).abs() < 1e-9);
    }
}
