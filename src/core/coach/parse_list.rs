//! Markdown-list side of the parser: numbered ("1." "1)"), bulleted
//! ("-" "*" "•"), bold-title ("**Title**: detail") and numbered-heading
//! items, with detail either after a separator on the same line or on the
//! following (indented) lines. Preamble and closing remarks are skipped.

use super::parse::{RawItem, MAX_RAW_ITEMS};
use super::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Numbered,
    Bullet,
    Bold,
}

struct Marker {
    indent: usize,
    kind: Kind,
    content: String,
}

fn indent_of(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// "12. x" / "3) x" / "Conseil 2 : x" / "Tip 1: x" -> "x".
fn strip_number(s: &str) -> Option<&str> {
    let mut t = s;
    let f = fold(s);
    for word in [
        "conseil",
        "astuce",
        "etape",
        "tip",
        "step",
        "advice",
        "recommendation",
    ] {
        if f.starts_with(word) {
            let skip = s.char_indices().nth(word.len()).map_or(s.len(), |(i, _)| i);
            t = s.get(skip..).unwrap_or("").trim_start();
            break;
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = t.get(digits..)?;
    let mut chars = rest.chars();
    let sep = chars.next();
    let after = chars.as_str();
    match sep {
        Some('.') | Some(')') | Some(':')
            if after.is_empty() || after.starts_with(char::is_whitespace) =>
        {
            Some(after.trim_start_matches([' ', '\t', ':']))
        }
        Some(' ') if t.len() != s.len() => Some(rest.trim_start_matches([' ', ':', '-', '.'])),
        _ => None,
    }
}

fn marker(line: &str) -> Option<Marker> {
    let indent = indent_of(line);
    let mut s = line.trim();
    let heading = s.starts_with('#');
    if heading {
        s = s.trim_start_matches('#').trim_start();
    }
    let (kind, content) = if let Some(rest) = strip_number(s) {
        (Kind::Numbered, rest)
    } else if let Some(rest) = strip_bullet(s) {
        (Kind::Bullet, rest)
    } else if (s.starts_with("**") && s.get(2..).is_some_and(|r| r.contains("**")))
        || (s.starts_with("__") && s.get(2..).is_some_and(|r| r.contains("__")))
    {
        (if heading { Kind::Numbered } else { Kind::Bold }, s)
    } else {
        return None;
    };
    let content = content.trim();
    (!content.is_empty()).then(|| Marker {
        indent,
        kind,
        content: content.to_string(),
    })
}

fn strip_bullet(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    match first {
        '-' | '*' | '+' if rest.starts_with(char::is_whitespace) => Some(rest),
        '•' | '▪' | '►' | '–' | '—' | '✓' | '✅' | '👉' => Some(rest),
        _ => None,
    }
}

fn starts_item(kind: Kind, primary: Kind) -> bool {
    match primary {
        Kind::Numbered => kind == Kind::Numbered,
        Kind::Bullet => kind != Kind::Bold,
        Kind::Bold => true,
    }
}

/// Splits "**Title**: detail", "Title: detail", "Title - detail".
fn split_head(head: &str) -> Option<(String, String)> {
    for delim in ["**", "__"] {
        if let Some(inner) = head.strip_prefix(delim) {
            if let Some(close) = inner.find(delim) {
                let title = inner.get(..close)?.trim().trim_end_matches([':', '.']);
                let rest = inner.get(close + 2..)?;
                let rest =
                    rest.trim_start_matches(|c: char| c.is_whitespace() || ":-–—.".contains(c));
                return Some((title.to_string(), rest.trim().to_string()));
            }
        }
    }
    let chars: Vec<char> = head.chars().collect();
    for i in 2..chars.len().min(80) {
        let next_ws = chars.get(i + 1).is_none_or(|c| c.is_whitespace());
        let colon = chars[i] == ':' && next_ws;
        let dash = "-–—".contains(chars[i]) && chars[i - 1] == ' ' && next_ws;
        if colon || dash {
            let title: String = chars[..i].iter().collect();
            let rest: String = chars[i + 1..].iter().collect();
            return Some((title.trim().to_string(), rest.trim().to_string()));
        }
    }
    None
}

fn item_from_parts(head: &str, cont: &[String]) -> Option<RawItem> {
    let cont = cont.join(" ");
    let join = |a: &str, b: &str| format!("{a} {b}").trim().to_string();
    let (title, detail) = match split_head(head) {
        Some((t, d)) => (t, join(&d, &cont)),
        None if !cont.is_empty() && head.chars().count() <= 100 => (head.to_string(), cont),
        None => (String::new(), join(head, &cont)),
    };
    (!title.trim().is_empty() || !detail.is_empty()).then_some(RawItem {
        title,
        detail,
        ..Default::default()
    })
}

/// One item from a single line of text (used for JSON arrays of strings).
pub(crate) fn item_from_line(line: &str) -> Option<RawItem> {
    let line = line.trim();
    match marker(line) {
        Some(m) => item_from_parts(&m.content, &[]),
        None => item_from_parts(line, &[]),
    }
}

/// All list items of `reply` (empty when it has no list markers).
pub(crate) fn parse_list_items(reply: &str) -> Vec<RawItem> {
    let lines: Vec<(&str, Option<Marker>)> = reply.lines().map(|l| (l, marker(l))).collect();
    let Some(top) = lines
        .iter()
        .filter_map(|(_, m)| m.as_ref().map(|m| m.indent))
        .min()
    else {
        return Vec::new();
    };
    let Some(primary) = lines
        .iter()
        .filter_map(|(_, m)| m.as_ref())
        .find(|m| m.indent <= top + 1)
        .map(|m| m.kind)
    else {
        return Vec::new();
    };
    let mut items: Vec<(String, Vec<String>)> = Vec::new();
    let mut open = false;
    let mut blank = false;
    let mut head_has_detail = false;
    for (line, m) in &lines {
        if line.trim().is_empty() {
            blank = true;
            continue;
        }
        match m {
            Some(m) if m.indent <= top + 1 && starts_item(m.kind, primary) => {
                items.push((m.content.clone(), Vec::new()));
                head_has_detail = split_head(&m.content).is_some_and(|(_, d)| !d.is_empty());
                open = true;
            }
            _ if open => {
                let indented = indent_of(line) > top;
                if let Some((_, cont)) = items.last_mut() {
                    if blank && !indented && m.is_none() && (head_has_detail || !cont.is_empty()) {
                        open = false;
                    } else {
                        let text = m.as_ref().map_or(line.trim(), |m| m.content.as_str());
                        let text = text.trim_start_matches('#').trim();
                        let needs_sep = m.is_some()
                            && cont.last().is_some_and(|p| !p.ends_with(['.', ';', ':']));
                        if needs_sep {
                            if let Some(last) = cont.last_mut() {
                                last.push(';');
                            }
                        }
                        cont.push(text.to_string());
                    }
                }
            }
            _ => {}
        }
        blank = false;
        if items.len() >= MAX_RAW_ITEMS {
            break;
        }
    }
    items
        .iter()
        .filter_map(|(h, c)| item_from_parts(h, c))
        .collect()
}

#[cfg(test)]
#[path = "parse_list_tests.rs"]
mod tests;
