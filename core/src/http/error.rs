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
}

impl HttpError {
    /// An error with `status` and `message`.
    pub const fn new(status: Status, message: &'static str) -> HttpError {
        HttpError { status, message }
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
