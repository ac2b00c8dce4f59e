//! The response a handler returns, before it is written to the wire.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use super::{Extensions, Headers, Status};

/// What follows the head of a response.
pub enum Body {
    /// No body at all (`Content-Length: 0`).
    Empty,
    /// Bytes held in memory.
    Bytes(Cow<'static, [u8]>),
    /// Bytes read on demand (a file, say), so memory does not grow with the
    /// size of what is sent. With a known `len`, the response carries
    /// `Content-Length`; without one, it is sent with chunked encoding
    /// (or, to an HTTP/1.0 client, until the connection closes).
    Stream {
        /// Where the bytes come from.
        reader: Box<dyn Read + Send>,
        /// How many bytes `reader` will give, if known.
        len: Option<u64>,
    },
}

impl Body {
    /// The length of the body, when known before sending it.
    pub fn len(&self) -> Option<u64> {
        match self {
            Body::Empty => Some(0),
            Body::Bytes(b) => Some(b.len() as u64),
            Body::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) if s.len() <= 200 => write!(f, "Bytes({s:?})"),
                _ => write!(f, "Bytes({} bytes)", b.len()),
            },
            Body::Stream { len, .. } => write!(f, "Stream(len: {len:?})"),
        }
    }
}

/// How many headers a response has room for from the start.
const TYPICAL_HEADERS: usize = 10;

/// An HTTP response: a status, header fields and a body.
///
/// rung adds `Date`, `Content-Length` (or chunked framing) and `Connection`
/// when it writes the response; a handler sets everything else.
#[derive(Debug)]
pub struct Response {
    status: Status,
    headers: Headers,
    body: Body,
    /// What the layers above attach to the response, found by type (the
    /// app marks an error it may render as an error page here).
    /// Made on first use: few responses carry any, and a response is
    /// moved from layer to layer, so it is kept small.
    extensions: Option<Box<Extensions>>,
}

impl Response {
    /// A response with `status`, no headers and no body.
    pub fn new(status: Status) -> Response {
        Response {
            status,
            // Room for what a response typically carries by the time it is
            // written (its type, the security headers, `Vary`, the request
            // id...), so the list is allocated once instead of grown twice.
            headers: Headers::with_capacity(TYPICAL_HEADERS),
            body: Body::Empty,
            extensions: None,
        }
    }

    /// `200 OK` with a `text/plain; charset=utf-8` body.
    pub fn text(body: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::OK)
            .with_checked_header("Content-Type", "text/plain; charset=utf-8")
            .with_body(cow_str_to_bytes(body.into()))
    }

    /// `200 OK` with a `text/html; charset=utf-8` body.
    pub fn html(body: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::OK)
            .with_checked_header("Content-Type", "text/html; charset=utf-8")
            .with_body(cow_str_to_bytes(body.into()))
    }

    /// `200 OK` with an `application/json` body, already serialized.
    pub fn json_text(body: impl Into<Cow<'static, str>>) -> Response {
        Response::new(Status::OK)
            .with_checked_header("Content-Type", "application/json")
            .with_body(cow_str_to_bytes(body.into()))
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Changes the status.
    pub fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// The same response with another status.
    pub fn with_status(mut self, status: Status) -> Response {
        self.status = status;
        self
    }

    /// The header fields set so far.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The header fields, to change them.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The same response with a header set (replacing any of that name).
    pub fn with_header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Response {
        self.headers.insert(name, value);
        self
    }

    /// [`Response::with_header`] for a literal rung knows to be valid.
    fn with_checked_header(mut self, name: &'static str, value: &'static str) -> Response {
        self.headers.insert_checked(name, value.into());
        self
    }

    /// The same response with another body.
    pub fn with_body(mut self, body: impl Into<Cow<'static, [u8]>>) -> Response {
        self.body = Body::Bytes(body.into());
        self
    }

    /// The same response with a streamed body (see [`Body::Stream`]).
    pub fn with_stream(mut self, reader: impl Read + Send + 'static, len: Option<u64>) -> Response {
        self.body = Body::Stream {
            reader: Box::new(reader),
            len,
        };
        self
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The body, to replace or take it.
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
    }

    /// The body bytes when they are in memory (empty for [`Body::Empty`],
    /// `None` for a stream).
    pub fn body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Empty => Some(&[]),
            Body::Bytes(b) => Some(b),
            Body::Stream { .. } => None,
        }
    }

    /// What the layers above attached to the response, found by type.
    pub fn extensions(&self) -> &Extensions {
        static NONE: Extensions = Extensions::new();
        self.extensions.as_deref().unwrap_or(&NONE)
    }

    /// The extensions, to attach something to the response.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        self.extensions.get_or_insert_with(Box::default)
    }

    /// Takes the extension of type `T` out, if the response has one.
    /// Unlike `extensions_mut().remove()`, this makes no map when there is
    /// none (most responses have none, and every one is asked for an error).
    pub fn remove_extension<T: std::any::Any + Send + Sync>(&mut self) -> Option<T> {
        self.extensions.as_mut()?.remove::<T>()
    }

    /// Splits the response into its parts, for the writer.
    pub(crate) fn into_parts(self) -> (Status, Headers, Body) {
        (self.status, self.headers, self.body)
    }
}

fn cow_str_to_bytes(s: Cow<'static, str>) -> Cow<'static, [u8]> {
    match s {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extension_is_taken_out_and_none_is_made_to_look_for_one() {
        let mut plain = Response::text("hi");
        assert_eq!(plain.remove_extension::<u32>(), None);
        assert!(plain.extensions.is_none(), "looking made no map");
        let mut marked = Response::text("hi");
        marked.extensions_mut().insert(7u32);
        assert_eq!(marked.remove_extension::<u32>(), Some(7));
        assert_eq!(marked.remove_extension::<u32>(), None);
        assert!(marked.extensions().get::<u32>().is_none());
    }
}
