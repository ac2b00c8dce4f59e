//! Setting a cookie on a response.
//!
//! The method is defined here, beside the other ways of answering, rather
//! than in `http/response.rs`: the wire type knows header fields, not what
//! a cookie is.

use crate::http::Response;
use crate::input::cookies::SetCookie;

impl Response {
    /// The same response with a `Set-Cookie` header added (others kept).
    pub fn with_cookie(mut self, cookie: &SetCookie) -> Response {
        self.headers_mut()
            .append("Set-Cookie", cookie.to_header_value());
        self
    }
}
