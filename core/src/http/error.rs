//! Why a request could not be read: a status and a message for the client.

use std::fmt;

use super::Status;

/// A request that breaks the protocol or a limit. The connection answers
/// with `status` and `message`, then closes: after a framing error, rung
/// can no longer tell where the next request would start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError {
    /// The status to answer with (`400`, `413`, `431`, ...).
    pub status: Status,
    /// A short explanation, sent as the body of the error response.
    pub message: &'static str,
    /// The request target as sent (`/api/upload?x=1`), when the request
    /// got that far before the error (a `413` decided from the headers, a
    /// broken chunk, a body that stalled): the app can then answer with
    /// its error page for that path. `None` for bytes that never became a
    /// request line.
    pub target: Option<String>,
}

impl HttpError {
    /// An error with `status` and `message`.
    pub const fn new(status: Status, message: &'static str) -> HttpError {
        HttpError {
            status,
            message,
            target: None,
        }
    }

    /// The same error, for a request whose target was read.
    pub fn for_target(mut self, target: &str) -> HttpError {
        self.target = Some(target.to_string());
        self
    }

    /// `400 Bad Request` with `message`.
    pub const fn bad_request(message: &'static str) -> HttpError {
        HttpError::new(Status::BAD_REQUEST, message)
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for HttpError {}
