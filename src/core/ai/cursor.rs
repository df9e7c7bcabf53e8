//! The opaque history cursor: the id of the last row of a page, in URL-safe
//! base64, so clients cannot depend on its shape.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use uuid::Uuid;

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
}
