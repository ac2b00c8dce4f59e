//! Why an extractor refused a request.

use std::fmt;

use crate::http::{Response, Status};
use crate::respond::IntoResponse;

/// An extractor's refusal: a status (`400`, `404`, `415`, `422`, ...) and a
/// message saying what was wrong, sent to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The status of the response.
    pub status: Status,
    /// What was wrong with the request.
    pub message: String,
}

impl Rejection {
    /// A rejection with `status` and `message`.
    pub fn new(status: Status, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        crate::Error::new(self.status, self.message).into_response()
    }
}
