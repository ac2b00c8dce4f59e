//! Temporary strict percent-decoding (replaced by the inputs branch).
use std::borrow::Cow;

/// Why decoding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    BadEscape {
        /// Byte offset.
        at: usize,
    },
    /// Decoded bytes are not UTF-8.
    NotUtf8,
    /// Decoded NUL.
    Nul,
}

/// Strict decoding.
pub fn decode(input: &str) -> Result<Cow<'_, str>, DecodeError> {
    if !input.contains('%') {
        if input.contains('\0') {
            return Err(DecodeError::Nul);
        }
        return Ok(Cow::Borrowed(input));
    }
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = |c: u8| (c as char).to_digit(16);
            match (b.get(i + 1).and_then(|&c| h(c)), b.get(i + 2).and_then(|&c| h(c))) {
                (Some(a), Some(c)) => out.push((a * 16 + c) as u8),
                _ => return Err(DecodeError::BadEscape { at: i }),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return Err(DecodeError::Nul);
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|_| DecodeError::NotUtf8)
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DecodeError::BadEscape { .. } => "bad percent-escape",
            DecodeError::NotUtf8 => "not UTF-8",
            DecodeError::Nul => "NUL byte",
        })
    }
}
