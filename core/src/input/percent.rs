//! Percent-encoding (RFC 3986 §2.1): `%` followed by two hex digits stands
//! for one byte, so `caf%C3%A9` is `café`.
//!
//! The decoder here is *strict*: a `%` that is not followed by two hex digits
//! is an error, not something to pass through. The popular `percent-encoding`
//! crate is lenient on purpose, but rung must answer such input with
//! `400 Bad Request`, so it needs to know. The decoded text must also be valid
//! UTF-8 and contain no NUL byte (NUL has no business in a path, a query or a
//! form field, and it confuses any C code the text may reach later).

use std::borrow::Cow;
use std::fmt;

/// Why some percent-encoded text could not be decoded.
///
/// Every variant means the client sent something malformed: answer
/// `400 Bad Request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` at this byte offset is not followed by two hex digits.
    BadEscape {
        /// Byte offset of the `%` in the input.
        index: usize,
    },
    /// The decoded bytes are not valid UTF-8.
    InvalidUtf8,
    /// The decoded text contains a NUL byte (`%00`).
    Nul,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadEscape { index } => write!(
                f,
                "the '%' at byte {index} is not followed by two hex digits"
            ),
            DecodeError::InvalidUtf8 => write!(f, "the decoded text is not valid UTF-8"),
            DecodeError::Nul => write!(f, "the decoded text contains a NUL byte"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes percent-escapes in `input` (a path segment or a query value).
///
/// `+` is left alone here; use [`decode_form_component`] for form data,
/// where `+` means a space. When `input` contains no `%` the result borrows
/// from it and nothing is allocated.
///
/// ```
/// use rung::input::percent::decode;
/// assert_eq!(decode("caf%C3%A9").unwrap(), "café");
/// assert!(decode("100%").is_err());
/// ```
pub fn decode(input: &str) -> Result<Cow<'_, str>, DecodeError> {
    decode_inner(input, false)
}

/// Decodes one name or value of `application/x-www-form-urlencoded` data:
/// like [`decode`], but `+` also stands for a space.
///
/// ```
/// use rung::input::percent::decode_form_component;
/// assert_eq!(decode_form_component("a+b%2Bc").unwrap(), "a b+c");
/// ```
pub fn decode_form_component(input: &str) -> Result<Cow<'_, str>, DecodeError> {
    decode_inner(input, true)
}

/// The decoder shared by [`decode`] and [`decode_form_component`].
fn decode_inner(input: &str, plus_is_space: bool) -> Result<Cow<'_, str>, DecodeError> {
    // The common case: nothing to decode (and no NUL, which the loop below
    // refuses), so hand back the input itself. One pass over the bytes:
    // this runs for the path of every request.
    let special = |b: &u8| *b == b'%' || *b == 0 || (plus_is_space && *b == b'+');
    if !input.as_bytes().iter().any(special) {
        return Ok(Cow::Borrowed(input));
    }

    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = match bytes[i] {
            b'%' => {
                // `get` instead of indexing: a `%` at the very end must be an
                // error, not a panic.
                let high = bytes.get(i + 1).and_then(|&b| hex_value(b));
                let low = bytes.get(i + 2).and_then(|&b| hex_value(b));
                match (high, low) {
                    (Some(high), Some(low)) => {
                        i += 3;
                        high * 16 + low
                    }
                    _ => return Err(DecodeError::BadEscape { index: i }),
                }
            }
            b'+' if plus_is_space => {
                i += 1;
                b' '
            }
            other => {
                i += 1;
                other
            }
        };
        if byte == 0 {
            return Err(DecodeError::Nul);
        }
        out.push(byte);
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| DecodeError::InvalidUtf8)
}

/// The value of one hex digit (`0-9`, `a-f`, `A-F`), or `None`.
fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

// The encoders are defined in `rung-path`, beside the path grammar, because
// the route attributes need it too: they encode the static segments of a
// route's URL when the program compiles. One definition for both.
pub use rung_path::{encode_component, encode_tail};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_escapes_is_borrowed() {
        let decoded = decode("plain/text+more").unwrap();
        assert!(matches!(decoded, Cow::Borrowed("plain/text+more")));
        let decoded = decode_form_component("plain").unwrap();
        assert!(matches!(decoded, Cow::Borrowed("plain")));
    }

    #[test]
    fn escapes_are_decoded_in_either_case() {
        assert_eq!(decode("a%20b").unwrap(), "a b");
        assert_eq!(decode("%2f%2F").unwrap(), "//");
        assert_eq!(decode("%41%62%63").unwrap(), "Abc");
        assert_eq!(decode("").unwrap(), "");
    }

    #[test]
    fn plus_is_a_space_only_in_form_components() {
        assert_eq!(decode("a+b").unwrap(), "a+b");
        assert_eq!(decode_form_component("a+b").unwrap(), "a b");
        assert_eq!(decode_form_component("a%2Bb").unwrap(), "a+b");
        assert_eq!(decode_form_component("+++").unwrap(), "   ");
    }

    #[test]
    fn multibyte_utf8_is_decoded() {
        assert_eq!(decode("caf%C3%A9").unwrap(), "café");
        assert_eq!(decode("%E2%82%AC").unwrap(), "€");
        assert_eq!(decode("%F0%9F%A6%80").unwrap(), "🦀");
        // Raw (already decoded) non-ASCII text passes through untouched.
        assert_eq!(decode("café%21").unwrap(), "café!");
    }

    #[test]
    fn malformed_escapes_are_rejected_with_their_position() {
        assert_eq!(decode("%"), Err(DecodeError::BadEscape { index: 0 }));
        assert_eq!(decode("ab%4"), Err(DecodeError::BadEscape { index: 2 }));
        assert_eq!(decode("%zz"), Err(DecodeError::BadEscape { index: 0 }));
        assert_eq!(decode("%4g"), Err(DecodeError::BadEscape { index: 0 }));
        assert_eq!(
            decode("ok%20%%20"),
            Err(DecodeError::BadEscape { index: 5 })
        );
        assert_eq!(decode("%+1"), Err(DecodeError::BadEscape { index: 0 }));
        // A `%` before a multibyte character must not split the character.
        assert_eq!(decode("%é"), Err(DecodeError::BadEscape { index: 0 }));
        assert_eq!(
            decode_form_component("a=100%"),
            Err(DecodeError::BadEscape { index: 5 })
        );
    }

    #[test]
    fn invalid_utf8_is_rejected() {
        assert_eq!(decode("%FF"), Err(DecodeError::InvalidUtf8));
        assert_eq!(decode("%C3"), Err(DecodeError::InvalidUtf8)); // truncated é
        assert_eq!(decode("%C0%AF"), Err(DecodeError::InvalidUtf8)); // overlong '/'
        assert_eq!(decode("%ED%A0%80"), Err(DecodeError::InvalidUtf8)); // surrogate
    }

    #[test]
    fn nul_is_rejected_raw_or_decoded() {
        assert_eq!(decode("a%00b"), Err(DecodeError::Nul));
        assert_eq!(decode("a\0b"), Err(DecodeError::Nul));
        assert_eq!(decode_form_component("a\0+b"), Err(DecodeError::Nul));
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            DecodeError::BadEscape { index: 3 }.to_string(),
            "the '%' at byte 3 is not followed by two hex digits"
        );
        assert_eq!(
            DecodeError::Nul.to_string(),
            "the decoded text contains a NUL byte"
        );
    }

    #[test]
    fn encode_keeps_only_unreserved_characters() {
        assert_eq!(encode_component("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_component("a b+c=d&e"), "a%20b%2Bc%3Dd%26e");
        assert_eq!(encode_component("100%"), "100%25");
        assert_eq!(encode_component("é🦀"), "%C3%A9%F0%9F%A6%80");
        assert_eq!(encode_component(";,\"\\"), "%3B%2C%22%5C");
    }

    #[test]
    fn encode_then_decode_round_trips() {
        for text in [
            "",
            "hello world",
            "a+b=c&d",
            "naïve café 🦀",
            "%%%",
            "/?#[]@",
        ] {
            assert_eq!(decode(&encode_component(text)).unwrap(), text);
            assert_eq!(
                decode_form_component(&encode_component(text)).unwrap(),
                text
            );
        }
    }
}
