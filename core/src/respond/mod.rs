//! Return values: anything a handler returns becomes a [`Response`]
//! through [`IntoResponse`].

pub(crate) mod compress;
mod cookie;
mod error;
mod html;
mod redirect;

use std::borrow::Cow;

use crate::http::{Response, Status};

pub use error::Error;
pub use html::Html;
pub use redirect::Redirect;

/// A value a handler can return.
///
/// | return type | response |
/// | --- | --- |
/// | `&'static str`, `String` | `200`, `text/plain; charset=utf-8` |
/// | [`Html<T>`] | `200`, `text/html; charset=utf-8` |
/// | [`Json<T>`](crate::Json) | `200`, `application/json` |
/// | [`Redirect`] | `303`/`307`/`308` with `Location` |
/// | [`Status`] | that status, with its reason as the body |
/// | `(Status, T)` | `T`'s response with that status |
/// | `Option<T>` | `T`'s response, or `404` for `None` |
/// | `Result<T, E>` | `T`'s response, or `E`'s |
/// | `()` | `204 No Content` |
/// | [`Response`] | itself |
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a handler",
    label = "this type does not implement `rung::IntoResponse`",
    note = "a handler returns a `&'static str`, `String`, `Html<T>`, `Json<T>`, `Redirect`, `Status`, `(Status, T)`, `Option<T>`, `Result<T, E>`, `()` or a `Response`"
)]
pub trait IntoResponse {
    /// Converts the value into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        Response::text(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Status::NO_CONTENT)
    }
}

impl IntoResponse for Status {
    fn into_response(self) -> Response {
        if self.is_error() {
            Error::new(self, self.reason()).into_response()
        } else if self.allows_body() {
            Response::text(format!("{self}\n")).with_status(self)
        } else {
            Response::new(self)
        }
    }
}

impl<T: IntoResponse> IntoResponse for (Status, T) {
    fn into_response(self) -> Response {
        self.1.into_response().with_status(self.0)
    }
}

impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        match self {
            Some(value) => value.into_response(),
            None => Error::not_found("not found").into_response(),
        }
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}
