//! The id of a request, as the engine keeps it. Which id a request gets
//! (the incoming `X-Request-Id`, or a new one) is decided by the server
//! (`server/request_id.rs`), which also echoes it and logs it.

use std::fmt;

use super::Request;

/// The longest incoming id kept: longer ones are replaced, so that a
/// client cannot make every log line of its requests arbitrarily long.
pub const MAX_LEN: usize = 64;

/// The id of one request: read it with `req.request_id()` or a
/// `RequestId` handler argument.
///
/// The text is held inline (at most 64 bytes, `MAX_LEN`), so that giving
/// every request its id costs no allocation of its own.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
// The text first and aligned to eight bytes: checking it is UTF-8 (for
// `as_str`) then goes a word at a time, several times faster on a short id
// than byte by byte from wherever it happened to sit.
#[repr(C, align(8))]
pub struct RequestId {
    bytes: [u8; MAX_LEN],
    len: u8,
}

impl RequestId {
    /// `text`, which must be sane (see `is_sane`): 1 to [`MAX_LEN`]
    /// visible ASCII characters.
    pub(crate) fn new(text: &[u8]) -> RequestId {
        debug_assert!(text.len() <= MAX_LEN && text.is_ascii());
        let mut bytes = [0; MAX_LEN];
        bytes[..text.len()].copy_from_slice(text);
        RequestId {
            bytes,
            len: text.len() as u8,
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (`assign` checks what it keeps, and
        // makes the rest of hex digits), so this never falls back.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("-")
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Request {
    /// The id of this request (see [`RequestId`]); `None` only for a
    /// request built by hand and never served.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.id.as_ref()
    }
}
