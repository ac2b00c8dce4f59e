//! `Error`: why a request gets an error answer — a handler's failure or an
//! extractor's refusal, one type for both — rendered as an error page.

use std::fmt;

use super::IntoResponse;
use crate::http::{Response, Status};

/// A status and a message for the client: what a handler returns when it
/// fails, and what an extractor returns when it refuses a request
/// (`400`, `404`, `415`, `422`, ...).
///
/// `?` converts I/O, JSON and template errors into a `500` (the details go
/// to the log, not to the client). The app renders it with its error page
/// for that status (see [`App::catch`](crate::App::catch)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

impl Error {
    /// An error with `status` and a message shown to the client.
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// `400 Bad Request`.
    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::new(Status::BAD_REQUEST, message)
    }

    /// `404 Not Found`.
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(Status::NOT_FOUND, message)
    }

    /// `500 Internal Server Error`.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(Status::INTERNAL_SERVER_ERROR, message)
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The message for the client.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        // The plain text is what a client gets when no error page renders
        // the error; the app finds the error itself in the extensions and
        // renders its page for the status (see `App::catch`).
        let mut response = Response::text(format!("{}\n", self.message)).with_status(self.status);
        response.extensions_mut().insert(self);
        response
    }
}

macro_rules! internal_from {
    ($($source:ty => $what:literal),* $(,)?) => {$(
        impl From<$source> for Error {
            fn from(e: $source) -> Error {
                log::error!(concat!($what, " error: {}"), e);
                Error::internal(concat!("internal error (", $what, ")"))
            }
        }
    )*};
}

internal_from! {
    std::io::Error => "I/O",
    serde_json::Error => "JSON",
}
