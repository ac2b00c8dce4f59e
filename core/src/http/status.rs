//! Status codes and their reason phrases.

use std::fmt;

/// An HTTP status code, such as `Status::OK` (200) or `Status::NOT_FOUND` (404).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

macro_rules! statuses {
    ($($name:ident = $code:literal, $reason:literal;)*) => {
        impl Status {
            $(
                #[doc = concat!("`", stringify!($code), " ", $reason, "`")]
                pub const $name: Status = Status($code);
            )*

            /// The standard reason phrase (`"Not Found"` for 404), or `""`
            /// for a code without one.
            pub fn reason(self) -> &'static str {
                match self.0 {
                    $($code => $reason,)*
                    _ => "",
                }
            }

            /// The whole status line of an HTTP/1.1 response with this
            /// status, `"HTTP/1.1 404 Not Found\r\n"`, written out here
            /// once rather than put together for every response; `None`
            /// for a code without a reason phrase.
            pub(crate) fn line(self) -> Option<&'static str> {
                match self.0 {
                    $($code => Some(concat!("HTTP/1.1 ", $code, " ", $reason, "\r\n")),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    CONTINUE = 100, "Continue";
    OK = 200, "OK";
    CREATED = 201, "Created";
    ACCEPTED = 202, "Accepted";
    NO_CONTENT = 204, "No Content";
    PARTIAL_CONTENT = 206, "Partial Content";
    MOVED_PERMANENTLY = 301, "Moved Permanently";
    FOUND = 302, "Found";
    SEE_OTHER = 303, "See Other";
    NOT_MODIFIED = 304, "Not Modified";
    TEMPORARY_REDIRECT = 307, "Temporary Redirect";
    PERMANENT_REDIRECT = 308, "Permanent Redirect";
    BAD_REQUEST = 400, "Bad Request";
    UNAUTHORIZED = 401, "Unauthorized";
    FORBIDDEN = 403, "Forbidden";
    NOT_FOUND = 404, "Not Found";
    METHOD_NOT_ALLOWED = 405, "Method Not Allowed";
    NOT_ACCEPTABLE = 406, "Not Acceptable";
    REQUEST_TIMEOUT = 408, "Request Timeout";
    CONFLICT = 409, "Conflict";
    GONE = 410, "Gone";
    LENGTH_REQUIRED = 411, "Length Required";
    PRECONDITION_FAILED = 412, "Precondition Failed";
    PAYLOAD_TOO_LARGE = 413, "Payload Too Large";
    URI_TOO_LONG = 414, "URI Too Long";
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported Media Type";
    RANGE_NOT_SATISFIABLE = 416, "Range Not Satisfiable";
    EXPECTATION_FAILED = 417, "Expectation Failed";
    UNPROCESSABLE_ENTITY = 422, "Unprocessable Entity";
    TOO_MANY_REQUESTS = 429, "Too Many Requests";
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431, "Request Header Fields Too Large";
    INTERNAL_SERVER_ERROR = 500, "Internal Server Error";
    NOT_IMPLEMENTED = 501, "Not Implemented";
    BAD_GATEWAY = 502, "Bad Gateway";
    SERVICE_UNAVAILABLE = 503, "Service Unavailable";
    HTTP_VERSION_NOT_SUPPORTED = 505, "HTTP Version Not Supported";
}

impl Status {
    /// A status from its numeric code; `None` outside 100..=999.
    pub fn from_code(code: u16) -> Option<Status> {
        (100..=999).contains(&code).then_some(Status(code))
    }

    /// The numeric code, e.g. `404`.
    pub fn code(self) -> u16 {
        self.0
    }

    /// `1xx`, `204` and `304` responses never carry a body.
    pub fn allows_body(self) -> bool {
        !(self.0 < 200 || self.0 == 204 || self.0 == 304)
    }

    /// `4xx` or `5xx`.
    pub fn is_error(self) -> bool {
        self.0 >= 400
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_line_is_the_code_and_its_reason() {
        for code in 100..=999 {
            let status = Status::from_code(code).unwrap();
            let expected = match status.reason() {
                "" => None,
                reason => Some(format!("HTTP/1.1 {code} {reason}\r\n")),
            };
            assert_eq!(status.line().map(str::to_string), expected, "{code}");
        }
        assert_eq!(Status::NOT_FOUND.line(), Some("HTTP/1.1 404 Not Found\r\n"));
    }
}
