//! The request a handler sees.

use std::net::SocketAddr;

use super::{target, Extensions, Headers, Method, RequestId, Version};

/// One HTTP request, with its body already read (bodies are capped by
/// [`Limits::max_body`](super::Limits::max_body), so holding them in memory
/// is safe).
///
/// What the framework attaches to a request (the app's state, the session,
/// the error an error page renders) lives in its
/// [`extensions`](Request::extensions), not in fields of this wire type;
/// the modules that own those things add the methods that read them
/// (`Request::state` is in `extract/state.rs`). The request id is the
/// exception: every request has one, so it is a field (no box of its own),
/// of a type `http/request_id.rs` defines.
#[derive(Debug)]
pub struct Request {
    pub(crate) method: Method,
    /// The request target exactly as sent, e.g. `/a%20b?x=1`.
    pub(crate) target: String,
    /// Where the path ends in `target` (the query starts after a `?` here).
    pub(crate) path_end: usize,
    /// The path, percent-decoded (`/a b`), when that differs from the
    /// path as sent; `None` for the many paths with no `%` in them.
    pub(crate) decoded_path: Option<String>,
    pub(crate) version: Version,
    pub(crate) headers: Headers,
    pub(crate) body: Vec<u8>,
    pub(crate) peer: Option<SocketAddr>,
    /// Path parameters filled in by the router: `("id", "42")`.
    pub(crate) params: Vec<(String, String)>,
    /// The request's id, given by the server before the app sees it.
    pub(crate) id: Option<RequestId>,
    /// What the layers above attach to the request, found by type.
    pub(crate) extensions: Extensions,
}

/// A finished request's target goes back to its thread's spares.
impl Drop for Request {
    fn drop(&mut self) {
        target::give_back(std::mem::take(&mut self.target));
    }
}

impl Request {
    /// Starts building a request by hand, for tests and the in-process client.
    ///
    /// `target` is what would follow the method on the request line, e.g.
    /// `/search?q=rust`. It is not validated here.
    pub fn builder(method: Method, target: &str) -> RequestBuilder {
        RequestBuilder {
            method,
            target: target.to_string(),
            version: Version::Http11,
            headers: Headers::new(),
            body: Vec::new(),
            peer: None,
            params: Vec::new(),
        }
    }

    /// The request for a head read from a socket and its body.
    pub(crate) fn from_head(
        head: super::head::RequestHead,
        body: Vec<u8>,
        peer: SocketAddr,
    ) -> Request {
        Request {
            method: head.method,
            target: head.target,
            path_end: head.path_end,
            decoded_path: head.decoded_path,
            version: head.version,
            headers: head.headers,
            body,
            peer: Some(peer),
            params: Vec::new(),
            id: None,
            extensions: Extensions::new(),
        }
    }

    /// The method: `GET`, `POST`, ...
    pub fn method(&self) -> Method {
        self.method
    }

    /// The percent-decoded path, e.g. `/static/my file.txt`.
    pub fn path(&self) -> &str {
        self.decoded_path
            .as_deref()
            .unwrap_or(&self.target[..self.path_end])
    }

    /// The path as sent, still percent-encoded.
    pub fn raw_path(&self) -> &str {
        &self.target[..self.path_end]
    }

    /// The query string as sent (after `?`), still percent-encoded.
    pub fn query(&self) -> Option<&str> {
        self.target.get(self.path_end..)?.strip_prefix('?')
    }

    /// The request target exactly as sent: path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// `HTTP/1.0` or `HTTP/1.1`.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Every header field of the request.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The first header field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The media type of the body, lowercase and without parameters:
    /// `application/json` for `Application/JSON; charset=utf-8`.
    pub fn content_type(&self) -> Option<String> {
        let value = self.header("content-type")?;
        let essence = super::trim_ows(value.split(';').next().unwrap_or(""));
        Some(essence.to_ascii_lowercase())
    }

    /// The body bytes (empty when there is none).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The address of the client, when the request came over a socket.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// A path parameter captured by the router, still a string:
    /// for the route `/users/{id}` and the path `/users/7`, `param("id")` is `"7"`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// What the layers above attached to the request, found by type.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The extensions, to attach something to the request.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }
}

/// Builds a [`Request`] by hand: see [`Request::builder`].
#[derive(Debug)]
pub struct RequestBuilder {
    method: Method,
    target: String,
    version: Version,
    headers: Headers,
    body: Vec<u8>,
    peer: Option<SocketAddr>,
    params: Vec<(String, String)>,
}

impl RequestBuilder {
    /// Adds a header field.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(name.to_string(), value.to_string());
        self
    }

    /// Sets the body (and, unless set already, its `Content-Length`).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the protocol version (HTTP/1.1 by default).
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Sets the client address.
    pub fn peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// Sets the path parameters, as the router would after matching a
    /// route: `("id", "42")`. For tests that call a route's handler directly.
    #[doc(hidden)]
    pub fn with_params(mut self, params: &[(&str, &str)]) -> Self {
        self.params = params
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        self
    }

    /// Finishes the request. The path is percent-decoded leniently: a bad
    /// escape is kept as written (the socket path rejects it with 400 instead).
    pub fn build(self) -> Request {
        let path_end = self.target.find('?').unwrap_or(self.target.len());
        let raw_path = &self.target[..path_end];
        let decoded_path = crate::input::percent::decode(raw_path)
            .ok()
            .and_then(target::only_if_decoded);
        Request {
            method: self.method,
            path_end,
            decoded_path,
            target: self.target,
            version: self.version,
            headers: self.headers,
            body: self.body,
            peer: self.peer,
            params: self.params,
            id: None,
            extensions: Extensions::new(),
        }
    }
}
