//! Request ids: one per request, echoed in the `X-Request-Id` response
//! header and written in the access log line, so that a line of a log, a
//! page a user reports and a handler's own log messages can be tied
//! together — across a proxy and several instances too.
//!
//! An incoming `X-Request-Id` is kept when it is sane (1 to 64 visible
//! ASCII characters), so that a proxy's id (nginx's `$request_id`) carries
//! through; anything else is replaced by a new id. A new id is this
//! process's random 64-bit prefix and a counter: unique within a process
//! without a lock, and across instances with overwhelming probability.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::http::request_id::MAX_LEN;
use crate::http::Request;
pub use crate::http::RequestId;

/// The header that carries the id, in and out.
pub const HEADER: &str = "X-Request-Id";

/// Gives `request` its id: the incoming one if sane, else a new one.
pub(crate) fn assign(request: &mut Request) {
    let id = match request.header(HEADER) {
        Some(incoming) if is_sane(incoming) => RequestId::new(incoming.as_bytes()),
        _ => new_id(),
    };
    request.id = Some(id);
}

/// 1 to [`MAX_LEN`] visible ASCII characters: safe in a header and a log.
fn is_sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// `5f0c2a9e81d34b77-1a`: the process's prefix, then a counter (hex).
/// Written digit by digit: this runs for every request, and `format!`
/// costs several times more.
fn new_id() -> RequestId {
    static PREFIX: OnceLock<[u8; 17]> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Without randomness (it never fails on Linux), ids are still
        // unique within the process.
        let _ = getrandom::fill(&mut bytes);
        let mut text = [b'-'; 17];
        hex_into(u64::from_le_bytes(bytes), &mut text[..16]);
        text
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut id = [0u8; 17 + 16];
    id[..17].copy_from_slice(prefix);
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1) as usize;
    hex_into(n, &mut id[17..17 + digits]);
    RequestId::new(&id[..17 + digits])
}

/// Writes `n` in lowercase hex into all of `out`, zero-padded on the left.
fn hex_into(mut n: u64, out: &mut [u8]) {
    for byte in out.iter_mut().rev() {
        *byte = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn id_for(incoming: Option<&str>) -> String {
        let mut builder = Request::builder(Method::Get, "/");
        if let Some(value) = incoming {
            builder = builder.header(HEADER, value);
        }
        let mut request = builder.build();
        assign(&mut request);
        request.request_id().unwrap().to_string()
    }

    #[test]
    fn a_sane_incoming_id_is_kept() {
        assert_eq!(id_for(Some("abc-123")), "abc-123");
        let longest = "x".repeat(MAX_LEN);
        assert_eq!(id_for(Some(&longest)), longest);
    }

    #[test]
    fn anything_else_gets_a_new_id() {
        for bad in ["", "a b", "é", &"x".repeat(MAX_LEN + 1), "a\tb"] {
            let id = id_for(Some(bad));
            assert_ne!(id, bad);
            assert!(is_sane(&id), "{id:?}");
        }
    }

    #[test]
    fn new_ids_are_the_prefix_and_the_counter_in_hex() {
        let id = new_id().to_string();
        let (prefix, counter) = id.split_once('-').unwrap();
        assert_eq!(prefix.len(), 16);
        assert!(u64::from_str_radix(prefix, 16).is_ok(), "{id}");
        let n = u64::from_str_radix(counter, 16).unwrap();
        assert_eq!(counter, format!("{n:x}"), "no padding on the counter");
        for (n, text) in [(0, "0"), (0x1a, "1a"), (u64::MAX, "ffffffffffffffff")] {
            let mut out = vec![0; text.len()];
            hex_into(n, &mut out);
            assert_eq!(out, text.as_bytes());
        }
    }

    #[test]
    fn new_ids_are_unique() {
        let a = id_for(None);
        let b = id_for(None);
        assert_ne!(a, b);
        assert_eq!(a.split('-').next(), b.split('-').next(), "same prefix");
        assert!(a.len() <= MAX_LEN);
    }
}
