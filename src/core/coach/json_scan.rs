//! Text-level JSON scanning: Markdown fences, balanced bracket spans
//! (string- and escape-aware) and light repair of near-JSON. All offsets
//! are of ASCII chars, so slicing on them never splits UTF-8.

/// Contents of Markdown code fences (```json ... ``` or ``` ... ```).
pub(crate) fn fenced_blocks(reply: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = reply;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let body_start = after.find('\n').map_or(after.len(), |n| n + 1);
        let body = &after[body_start..];
        match body.find("```") {
            Some(close) => {
                out.push(&body[..close]);
                rest = &body[close + 3..];
            }
            None => {
                out.push(body);
                break;
            }
        }
    }
    out
}

/// Byte offsets of every `{` or `[` (ASCII, so always char boundaries).
pub(crate) fn bracket_starts(s: &str) -> Vec<usize> {
    s.char_indices()
        .filter(|(_, c)| *c == '{' || *c == '[')
        .map(|(i, _)| i)
        .collect()
}

/// Byte length of the balanced JSON value starting at `s`'s first char,
/// honouring strings and escapes; None if mismatched or unterminated.
pub(crate) fn balanced_end(s: &str) -> Option<usize> {
    let mut stack: Vec<char> = Vec::new();
    let (mut in_str, mut esc) = (false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' => stack.push('}'),
            '[' => stack.push(']'),
            '}' | ']' => {
                if stack.pop() != Some(c) {
                    return None;
                }
                if stack.is_empty() {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Replaces smart quotes and drops commas directly before `}` or `]`.
pub(crate) fn repair(s: &str) -> String {
    let s = s.replace(['“', '”'], "\"");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut esc) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']') | None) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_spans_respect_strings() {
        assert_eq!(balanced_end(r#"{"a": "}"}"#), Some(10));
        assert_eq!(balanced_end(r#"["a\"]", 1] tail"#), Some(11));
        assert_eq!(balanced_end("{]"), None);
        assert_eq!(balanced_end("{\"open\": ["), None);
        assert_eq!(bracket_starts("a{b[é{"), vec![1, 3, 6]);
    }

    #[test]
    fn repairs_trailing_commas_and_smart_quotes() {
        assert_eq!(repair("[1, 2,]"), "[1, 2]");
        assert_eq!(repair("{“a”: \"x,}\",}"), "{\"a\": \"x,}\"}");
        assert_eq!(repair(r#"{"a": "\",]"}"#), r#"{"a": "\",]"}"#);
    }

    #[test]
    fn finds_fenced_blocks() {
        let r = "pre\n```json\n[1]\n```\nmid\n```\n{}\n```";
        assert_eq!(fenced_blocks(r), vec!["[1]\n", "{}\n"]);
        assert_eq!(fenced_blocks("```json\n[2"), vec!["[2"]);
        assert!(fenced_blocks("no fence").is_empty());
    }
}
