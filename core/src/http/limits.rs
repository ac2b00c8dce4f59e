//! The limits and timeouts of the wire: what one client may send, and how
//! long it may take. Each default protects against something a client can
//! do on purpose or by mistake; the doc of each field says what.

use std::time::Duration;

/// Limits on what one request may send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request head (request line and header fields), 16 KiB.
    /// Without a cap, a client could make the server buffer headers forever.
    /// Over it: `431`, or `414` when the request line alone is too long.
    pub max_head: usize,
    /// Most header fields in one request, 100. Over it: `431`.
    pub max_headers: usize,
    /// Largest request body, 1 MiB. Bodies are held in memory, so this caps
    /// the memory one request can take. Over it: `413`, decided from
    /// `Content-Length` before any of the body is read.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head: 16 * 1024,
            max_headers: 100,
            max_body: 1024 * 1024,
        }
    }
}

/// Timeouts of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A request head must be complete this long after its first byte, 10 s.
    /// Guards against "slowloris" clients that send a header a minute to
    /// hold a connection open. Then: `408` and close.
    pub head: Duration,
    /// A body that makes no progress this long is dropped, 30 s.
    pub body_progress: Duration,
    /// An idle keep-alive connection is closed after this long, 60 s.
    /// Also the longest a client may take to accept more response bytes.
    pub idle: Duration,
    /// On shutdown, how long requests in flight may take to finish, 10 s.
    pub grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            head: Duration::from_secs(10),
            body_progress: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            grace: Duration::from_secs(10),
        }
    }
}
