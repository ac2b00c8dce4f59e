//! `Error`: a failure a handler returns, rendered as an error page.

use std::fmt;

use super::IntoResponse;
use crate::extract::Rejection;
use crate::http::{Response, Status};

/// A handler's error: a status and a message for the client.
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
        let mut response = Response::text(format!("{}\n", self.message)).with_status(self.status);
        response.error_message = Some(self.message);
        response
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Error {
        Error::new(r.status, r.message)
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
