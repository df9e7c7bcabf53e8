//! Reading a message as its reader would: each MIME part decoded by its
//! `Content-Transfer-Encoding`. Shared by the mail adapter tests and the
//! whole-server reset tests (which read the file outbox).

use base64::Engine;

/// `=XX` escapes and soft breaks of a quoted-printable body, decoded.
fn quoted_printable(body: &str) -> Vec<u8> {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// The message's bodies as a reader sees them: each part decoded by its
/// `Content-Transfer-Encoding` (7bit, quoted-printable, base64).
pub fn readable(raw: &str) -> String {
    let mut out = String::new();
    let mut encoding = String::new();
    let mut body = String::new();
    let flush = |encoding: &str, body: &mut String, out: &mut String| {
        let bytes = match encoding {
            "quoted-printable" => quoted_printable(body),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(body.replace(['\n', '\r'], ""))
                .unwrap_or_default(),
            _ => body.clone().into_bytes(),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        body.clear();
    };
    for line in raw.lines() {
        if line.starts_with("--") {
            flush(&encoding, &mut body, &mut out);
            encoding.clear();
        } else if let Some(value) = line.strip_prefix("Content-Transfer-Encoding:") {
            encoding = value.trim().to_ascii_lowercase();
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&encoding, &mut body, &mut out);
    out
}
