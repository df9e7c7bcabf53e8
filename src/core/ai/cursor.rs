//! The opaque history cursor: the id of the last row of a page, in URL-safe
//! base64, so clients cannot depend on its shape.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use uuid::Uuid;

/// Every cursor has this many characters (16 bytes in base64, unpadded)...
pub const CURSOR_CHARS: usize = 22;
/// ...and this shape (the empty string stands for the first page), which
/// the spec states; [`decode`] is what decides.
pub const CURSOR_PATTERN: &str = r"^([A-Za-z0-9_-]{21}[AQgw])?$";

pub(crate) fn encode(last_id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(last_id.as_bytes())
}

/// `None` when the text is not a cursor this server issued.
pub(crate) fn decode(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).ok()?;
    Uuid::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(id)), Some(id));
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        for bad in ["", "!!!", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "👀"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// `CURSOR_PATTERN`, by hand (the core has no regex engine).
        fn has_cursor_shape(text: &str) -> bool {
            let url_safe = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_';
            match text.as_bytes() {
                [head @ .., last] if text.len() == CURSOR_CHARS => {
                    head.iter().all(url_safe) && b"AQgw".contains(last)
                }
                _ => false,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                let _ = decode(&text);
            }

            #[test]
            fn base64_like_text_decodes_exactly_when_it_has_the_cursor_shape(
                text in "[A-Za-z0-9_=+/-]{0,30}",
            ) {
                prop_assert_eq!(decode(&text).is_some(), has_cursor_shape(&text), "{}", text);
            }

            /// 22 characters of the cursor alphabet, half of them ending as
            /// only an encoded id can (the last character carries 2 bits of
            /// the id and 4 zero bits): these decode, and encode back to
            /// the same text; the other half do not decode.
            #[test]
            fn cursor_length_text_decodes_only_to_what_encodes_back(
                head in "[A-Za-z0-9_-]{21}",
                last in prop_oneof!["[AQgw]", "[A-Za-z0-9_-]"],
            ) {
                let text = format!("{head}{last}");
                prop_assert_eq!(text.len(), CURSOR_CHARS);
                match decode(&text) {
                    Some(id) => prop_assert_eq!(encode(id), text),
                    None => prop_assert!(!has_cursor_shape(&text), "{}", text),
                }
            }

            #[test]
            fn every_id_round_trips(bytes in any::<[u8; 16]>()) {
                let id = Uuid::from_bytes(bytes);
                let text = encode(id);
                prop_assert_eq!(text.len(), 22);
                prop_assert_eq!(decode(&text), Some(id));
            }

            #[test]
            fn every_cursor_matches_the_pattern_the_spec_documents(bytes in any::<[u8; 16]>()) {
                let text = encode(Uuid::from_bytes(bytes));
                let (head, last) = text.split_at(21);
                prop_assert!(head.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                prop_assert!(["A", "Q", "g", "w"].contains(&last), "{}", text);
            }
        }
    }
}
