//! HTML responses: `Html<T>`.

use std::borrow::Cow;

use super::IntoResponse;
use crate::http::Response;

/// An HTML page: `200` with `Content-Type: text/html; charset=utf-8`.
/// `T` is a `String` or a `&'static str`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Html<T>(pub T);

impl<T: Into<Cow<'static, str>>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        Response::html(self.0)
    }
}
