//! Redirects.

use super::IntoResponse;
use crate::http::{Response, Status};

/// A redirect to another URL (`Location` header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    status: Status,
    location: String,
}

impl Redirect {
    /// `303 See Other`: the usual answer to a form POST — the browser then
    /// GETs `location`, so reloading the page does not post again.
    pub fn to(location: impl Into<String>) -> Redirect {
        Redirect::with_status(Status::SEE_OTHER, location)
    }

    /// `307 Temporary Redirect`: same method and body, another URL.
    pub fn temporary(location: impl Into<String>) -> Redirect {
        Redirect::with_status(Status::TEMPORARY_REDIRECT, location)
    }

    /// `308 Permanent Redirect`: the resource has moved for good.
    pub fn permanent(location: impl Into<String>) -> Redirect {
        Redirect::with_status(Status::PERMANENT_REDIRECT, location)
    }

    fn with_status(status: Status, location: impl Into<String>) -> Redirect {
        Redirect {
            status,
            location: location.into(),
        }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        Response::new(self.status).with_header("Location", self.location)
    }
}
