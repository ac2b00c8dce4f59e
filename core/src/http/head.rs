//! The request head: request line and header fields.
//!
//! `httparse` splits the bytes into a method, a target, a version and header
//! fields. This module then applies everything `httparse` leaves to us: the
//! size limits, the checks on the target (UTF-8, NUL, percent-encoding), the
//! `Host` rules, and above all the framing decision — how long the body is.
//! Framing is where request smuggling lives: when two servers on a path
//! disagree about where a body ends, an attacker can hide a second request
//! inside the first. So every ambiguous case here is an error that closes
//! the connection.

use std::mem::MaybeUninit;

use super::target::{self, only_if_decoded};
use super::Limits;
use super::{same_name, trim_ows, Headers, HttpError, Method, Status, Version};
use crate::input::percent;

/// How the body of a request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// Exactly this many bytes follow the head (`Content-Length`).
    Length(u64),
    /// `Transfer-Encoding: chunked`: chunks follow, each with its size.
    Chunked,
}

/// A parsed and checked request head.
#[derive(Clone, Debug)]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The target as sent (origin-form: path and query).
    pub target: String,
    /// Where the path ends in `target`.
    pub path_end: usize,
    /// The path, percent-decoded, when that differs from the path as sent
    /// (most paths have no `%`, and cost no copy): see [`RequestHead::path`].
    pub decoded_path: Option<String>,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields.
    pub headers: Headers,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the client wants the connection kept open after the response.
    pub keep_alive: bool,
    /// Whether the client sent `Expect: 100-continue` and waits for a
    /// `100 Continue` before sending the body.
    pub expect_continue: bool,
}

#[cfg(test)]
impl RequestHead {
    /// The path, percent-decoded: `/a b` for the target `/a%20b?x=1`.
    pub fn path(&self) -> &str {
        self.decoded_path
            .as_deref()
            .unwrap_or(&self.target[..self.path_end])
    }
}

/// The outcome of looking for a head in the bytes received so far.
#[derive(Debug)]
pub enum Parsed {
    /// The head is not complete yet: read more.
    Partial,
    /// A complete head, which took `len` bytes of the buffer.
    Complete {
        /// The head (not boxed: most requests have no body, and go from
        /// here to their handler without the head ever being stored).
        head: RequestHead,
        /// How many bytes of the buffer it took.
        len: usize,
    },
}

/// The longest method accepted, in bytes. The longest method in IANA's
/// registry (`UPDATEREDIRECTREF`) has 17 letters; a longer one is garbage,
/// refused with `400` as soon as this many bytes arrive without a space,
/// instead of being buffered up to the head limit and called a long URI.
pub const MAX_METHOD: usize = 32;

/// Room for header fields on the stack; more are only needed when a user
/// raises [`Limits::max_headers`].
const STACK_HEADERS: usize = 100;

/// Looks for a complete request head at the start of `buf` and checks it.
pub fn parse(buf: &[u8], limits: &Limits) -> Result<Parsed, HttpError> {
    // Slots httparse fills as it reads: left uninitialised, because
    // zeroing all of them (3.2 KB) cost more than parsing a short head.
    let mut stack = [const { MaybeUninit::<httparse::Header>::uninit() }; STACK_HEADERS];
    let mut heap = Vec::new();
    let slots: &mut [MaybeUninit<httparse::Header>] = if limits.max_headers <= STACK_HEADERS {
        &mut stack[..limits.max_headers]
    } else {
        heap.resize_with(limits.max_headers, MaybeUninit::uninit);
        &mut heap
    };
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, slots) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if method_too_long(buf) {
                Err(HttpError::bad_request("method too long"))
            } else if buf.len() > limits.max_head {
                Err(too_large(buf, limits))
            } else {
                Ok(Parsed::Partial)
            };
        }
        Err(httparse::Error::TooManyHeaders) => {
            let error = HttpError::new(
                Status::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "too many header fields",
            );
            return Err(with_line_target(buf, error));
        }
        Err(httparse::Error::Version) => return Err(version_error(buf)),
        Err(_) => return Err(HttpError::bad_request("malformed request head")),
    };
    if len > limits.max_head {
        return Err(too_large(buf, limits));
    }
    check_line_endings(&buf[..len])?;

    // httparse fills these on Complete.
    let (Some(method), Some(minor)) = (req.method, req.version) else {
        return Err(HttpError::bad_request("malformed request line"));
    };
    if method.len() > MAX_METHOD {
        return Err(HttpError::bad_request("method too long"));
    }
    // httparse checked that the target is UTF-8 (and a subslice of `buf`);
    // rung also wants it visible ASCII.
    let target = req.path.unwrap_or_default();
    if !is_visible_ascii(target.as_bytes()) {
        return Err(outside_visible_ascii());
    }
    let method = Method::from_token(method)
        .ok_or(HttpError::new(Status::NOT_IMPLEMENTED, "unknown method"))?;
    let version = if minor == 0 {
        Version::Http10
    } else {
        Version::Http11
    };
    let origin_form = target.starts_with('/');
    let (target, path_end, decoded_path) = check_target(method, target)?;

    // From here on the target is known: an error names it, so that the
    // app can answer with its error page for that path (a 413 under
    // `/api/` is JSON).
    let fields = fields(&req, &buf[..len], version, origin_form, limits)
        .map_err(|e| e.for_target(&target))?;
    let Fields {
        headers,
        framing,
        keep_alive,
        expect_continue,
    } = fields;
    let head = RequestHead {
        method,
        target,
        path_end,
        decoded_path,
        version,
        headers,
        framing,
        keep_alive,
        expect_continue,
    };
    Ok(Parsed::Complete { head, len })
}

/// What the header fields decide: the fields themselves, the framing, and
/// what the client asks of the connection.
struct Fields {
    headers: Headers,
    framing: Framing,
    keep_alive: bool,
    expect_continue: bool,
}

/// Reads and checks the header fields of a parsed request, whose head is
/// the bytes `head`.
fn fields(
    req: &httparse::Request<'_, '_>,
    head: &[u8],
    version: Version,
    origin_form: bool,
    limits: &Limits,
) -> Result<Fields, HttpError> {
    // httparse lets bytes 0x80-0xFF through; rung's headers are text. The
    // whole head is checked at once (one pass over a longer run of bytes
    // costs less than a start-up per value); the request line is ASCII by
    // now and names are tokens, so only a value can fail this.
    let not_utf8 = || HttpError::bad_request("header value is not UTF-8");
    let text = std::str::from_utf8(head).map_err(|_| not_utf8())?;
    let mut headers = Headers::with_capacity(req.headers.len());
    let mut noted = Noted::default();
    for field in req.headers.iter() {
        // Each value is a slice of `head` (httparse borrows from it): the
        // same bytes, as text, are at the same offset of `text`.
        let start = (field.value.as_ptr() as usize).checked_sub(head.as_ptr() as usize);
        let value = start
            .and_then(|start| text.get(start..start + field.value.len()))
            .ok_or_else(not_utf8)?;
        let value = trim_ows(value);
        noted.note(field.name, value);
        headers.append_copy(field.name, value);
    }
    check_host(version, origin_form, &noted)?;
    let framing = framing(version, &noted, &headers, limits)?;
    let keep_alive = match version {
        Version::Http11 => !(noted.connection && headers.has_token("connection", "close")),
        Version::Http10 => noted.connection && headers.has_token("connection", "keep-alive"),
    };
    let expect_continue = match noted.expect {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("100-continue") => version == Version::Http11,
        Some(_) => {
            return Err(HttpError::new(
                Status::EXPECTATION_FAILED,
                "only `Expect: 100-continue` is supported",
            ))
        }
    };
    Ok(Fields {
        headers,
        framing,
        keep_alive,
        expect_continue,
    })
}

/// Which of the fields that decide the framing and the connection a head
/// has, noted as its fields are copied: most heads (a browser's GET) have
/// none but `Host`, and are then not searched for each of the others.
#[derive(Default)]
struct Noted<'a> {
    hosts: usize,
    /// The value of the (first) `Host`.
    host: Option<&'a str>,
    /// The value of the (first) `Expect`.
    expect: Option<&'a str>,
    transfer_encoding: bool,
    content_length: bool,
    connection: bool,
}

impl<'a> Noted<'a> {
    fn note(&mut self, name: &str, value: &'a str) {
        let is = |wanted: &str| same_name(name, wanted);
        // By length first: most names are then ruled out without a comparison.
        match name.len() {
            4 if is("host") => {
                self.hosts += 1;
                self.host.get_or_insert(value);
            }
            6 if is("expect") => {
                self.expect.get_or_insert(value);
            }
            10 if is("connection") => self.connection = true,
            14 if is("content-length") => self.content_length = true,
            17 if is("transfer-encoding") => self.transfer_encoding = true,
            _ => {}
        }
    }
}

/// `414` when the request line alone does not fit in the head limit,
/// `431` when the header fields are what is too large.
fn too_large(buf: &[u8], limits: &Limits) -> HttpError {
    let window = &buf[..buf.len().min(limits.max_head)];
    if window.contains(&b'\n') {
        let error = HttpError::new(
            Status::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request head too large",
        );
        with_line_target(window, error)
    } else {
        HttpError::new(Status::URI_TOO_LONG, "request line too long")
    }
}

/// `error`, naming the target of the request line when that line is whole
/// and its target a well-formed path: then the app can answer a `431`
/// with its error page for that path. Anything doubtful is left out.
fn with_line_target(buf: &[u8], error: HttpError) -> HttpError {
    match raw_target(buf) {
        Ok(target) if target.starts_with('/') && percent::decode(target).is_ok() => {
            error.for_target(target)
        }
        _ => error,
    }
}

/// `505` for a well-formed version rung does not speak (`HTTP/2.0`),
/// `400` for a version that is not a version at all.
///
/// The line must have exactly three parts for its last to be the version:
/// httparse also reports a version error for `GET /a b HTTP/1.1`, where it
/// read `/a` as the target and found `b` where the version goes. That is a
/// malformed line (400), not a request in an unsupported version (505).
fn version_error(buf: &[u8]) -> HttpError {
    let line_end = buf.iter().position(|&b| b == b'\r' || b == b'\n');
    let line = &buf[..line_end.unwrap_or(buf.len())];
    let mut parts = line.split(|&b| b == b' ');
    let (Some(_method), Some(_target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return HttpError::bad_request("malformed request line");
    };
    // `HTTP-version = "HTTP/" DIGIT "." DIGIT`, case-sensitive (RFC 9112 §2.3).
    let well_formed = matches!(
        version.strip_prefix(b"HTTP/"),
        Some([major, b'.', minor]) if major.is_ascii_digit() && minor.is_ascii_digit()
    );
    if well_formed {
        HttpError::new(
            Status::HTTP_VERSION_NOT_SUPPORTED,
            "only HTTP/1.0 and HTTP/1.1 are supported",
        )
    } else {
        HttpError::bad_request("malformed HTTP version")
    }
}

/// Whether the first bytes of `buf` (after the empty lines a client may
/// send before a request) are a method longer than [`MAX_METHOD`].
fn method_too_long(buf: &[u8]) -> bool {
    let start = buf
        .iter()
        .take_while(|&&b| matches!(b, b'\r' | b'\n'))
        .count();
    let line = &buf[start..];
    line.len() > MAX_METHOD && !line[..=MAX_METHOD].contains(&b' ')
}

/// Every line of a head must end in CRLF. `httparse` also accepts a bare LF;
/// a proxy in front of rung might not, and would then disagree with rung
/// about where the head ends.
fn check_line_endings(head: &[u8]) -> Result<(), HttpError> {
    // Each byte beside the one before it, with no early exit: the compiler
    // then checks many pairs at a time (this runs over every head).
    let starts_bare = head.first() == Some(&b'\n');
    let bare = head
        .iter()
        .zip(head.iter().skip(1))
        .fold(starts_bare, |bare, (&previous, &b)| {
            bare | ((b == b'\n') & (previous != b'\r'))
        });
    if bare {
        return Err(HttpError::bad_request("line ending without CR"));
    }
    Ok(())
}

/// Whether `target` is all visible ASCII, as RFC 9112 §3.2 wants: clients
/// percent-encode the rest (`/caf%C3%A9`, not a raw `/café`).
fn is_visible_ascii(target: &[u8]) -> bool {
    target.iter().all(|b| b.is_ascii_graphic())
}

fn outside_visible_ascii() -> HttpError {
    HttpError::bad_request("the target has a byte outside visible ASCII: percent-encode it")
}

/// The target of a request line httparse could not make a request of (for
/// an error page that names it): the raw bytes between the first and the
/// last space of the first line, checked here.
fn raw_target(buf: &[u8]) -> Result<&str, HttpError> {
    let start = buf
        .iter()
        .position(|&b| !matches!(b, b'\r' | b'\n'))
        .unwrap_or(0);
    let line = &buf[start..];
    let line = &line[..line.iter().position(|&b| b == b'\r').unwrap_or(line.len())];
    let first = line.iter().position(|&b| b == b' ');
    let last = line.iter().rposition(|&b| b == b' ');
    let (Some(first), Some(last)) = (first, last) else {
        return Err(HttpError::bad_request("malformed request line"));
    };
    if first >= last {
        return Err(HttpError::bad_request("malformed request line"));
    }
    let target = &line[first + 1..last];
    if !is_visible_ascii(target) {
        return Err(outside_visible_ascii());
    }
    std::str::from_utf8(target).map_err(|_| HttpError::bad_request("target is not UTF-8"))
}

/// Checks the request target, already known to be visible ASCII (see
/// [`is_visible_ascii`]), and splits it: `(target, path_end, decoded path)`.
///
/// Accepted: origin-form (`/path?query`), absolute-form
/// (`http://host/path?query`, reduced to origin-form) and `*` for OPTIONS.
fn check_target(method: Method, raw: &str) -> Result<(String, usize, Option<String>), HttpError> {
    if raw.as_bytes().contains(&b'#') {
        return Err(HttpError::bad_request(
            "a fragment (#) is not sent to servers",
        ));
    }
    if raw == "*" {
        return if method == Method::Options {
            Ok((target::copy_of("*"), 1, None))
        } else {
            Err(HttpError::bad_request("`*` is only a target for OPTIONS"))
        };
    }
    let origin = if raw.starts_with('/') {
        raw
    } else {
        absolute_form_path(raw)?
    };
    let path_end = origin
        .bytes()
        .position(|b| b == b'?')
        .unwrap_or(origin.len());
    // Most targets have no `%`, and then nothing to decode or check: the
    // target is visible ASCII (checked before this), so it holds no NUL.
    if !origin.as_bytes().contains(&b'%') {
        return Ok((target::copy_of(origin), path_end, None));
    }
    let path = percent::decode(&origin[..path_end]).map_err(target_error)?;
    if let Some(query) = origin[path_end..].strip_prefix('?') {
        percent::decode(query).map_err(target_error)?;
    }
    Ok((target::copy_of(origin), path_end, only_if_decoded(path)))
}

fn target_error(e: percent::DecodeError) -> HttpError {
    match e {
        percent::DecodeError::BadEscape { .. } => {
            HttpError::bad_request("bad percent-encoding in the target")
        }
        percent::DecodeError::InvalidUtf8 => HttpError::bad_request("target is not UTF-8"),
        percent::DecodeError::Nul => HttpError::bad_request("NUL in the target"),
    }
}

/// `http://host:port/path?q` → `/path?q` (or `/` for `http://host`).
fn absolute_form_path(raw: &str) -> Result<&str, HttpError> {
    let lower_scheme = raw.get(..8).map(|s| s.to_ascii_lowercase());
    let rest = match lower_scheme.as_deref() {
        Some(s) if s.starts_with("http://") => &raw[7..],
        Some("https://") => &raw[8..],
        _ => return Err(HttpError::bad_request("malformed request target")),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.is_empty() || authority.contains('@') {
        return Err(HttpError::bad_request("malformed authority in the target"));
    }
    match &rest[authority_end..] {
        "" => Ok("/"),
        path if path.starts_with('/') => Ok(path),
        _ => Err(HttpError::bad_request("malformed request target")),
    }
}

/// HTTP/1.1 needs exactly one `Host`; HTTP/1.0 may have none. Its value must
/// be a host and an optional port: no userinfo, path or spaces, and not
/// empty when the target is a path (`origin_form`): the host then comes
/// from nowhere else (RFC 9112 §3.2).
fn check_host(version: Version, origin_form: bool, noted: &Noted<'_>) -> Result<(), HttpError> {
    if noted.hosts > 1 {
        return Err(HttpError::bad_request("more than one Host header"));
    }
    match noted.host {
        None if version == Version::Http11 => Err(HttpError::bad_request(
            "HTTP/1.1 request without a Host header",
        )),
        None => Ok(()),
        Some("") if origin_form => Err(HttpError::bad_request("empty Host header")),
        Some(host) => {
            let valid = host.bytes().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'.'
                            | b'_'
                            | b'~'
                            | b'!'
                            | b'$'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b';'
                            | b'='
                            | b':'
                            | b'['
                            | b']'
                            | b'%'
                    )
            });
            if valid {
                Ok(())
            } else {
                Err(HttpError::bad_request("malformed Host header"))
            }
        }
    }
}

/// Decides how the body is delimited, rejecting every ambiguous case.
fn framing(
    version: Version,
    noted: &Noted<'_>,
    headers: &Headers,
    limits: &Limits,
) -> Result<Framing, HttpError> {
    let (has_te, has_cl) = (noted.transfer_encoding, noted.content_length);
    if has_te && has_cl {
        return Err(HttpError::bad_request(
            "both Transfer-Encoding and Content-Length",
        ));
    }
    if has_te {
        if version == Version::Http10 {
            return Err(HttpError::bad_request(
                "Transfer-Encoding in an HTTP/1.0 request",
            ));
        }
        return transfer_encoding(headers);
    }
    if has_cl {
        let length = content_length(headers)?;
        if length > limits.max_body as u64 {
            return Err(HttpError::new(
                Status::PAYLOAD_TOO_LARGE,
                "request body too large",
            ));
        }
        return Ok(if length == 0 {
            Framing::None
        } else {
            Framing::Length(length)
        });
    }
    Ok(Framing::None)
}

/// Only a single `chunked` coding is accepted. Anything else is either
/// malformed (`400`: empty elements, `chunked` not last, `chunked` twice) or
/// a coding rung does not implement (`501`: `gzip, chunked`).
fn transfer_encoding(headers: &Headers) -> Result<Framing, HttpError> {
    let codings: Vec<&str> = headers
        .get_all("transfer-encoding")
        .flat_map(|v| v.split(','))
        .map(trim_ows)
        .collect();
    if codings.iter().any(|c| c.is_empty()) {
        return Err(HttpError::bad_request("empty element in Transfer-Encoding"));
    }
    let chunked = |c: &&str| c.eq_ignore_ascii_case("chunked");
    match codings.as_slice() {
        [only] if chunked(only) => Ok(Framing::Chunked),
        [.., last] if !chunked(last) => Err(HttpError::bad_request(
            "chunked must be the final transfer coding",
        )),
        list if list.iter().filter(|c| chunked(c)).count() > 1 => {
            Err(HttpError::bad_request("chunked applied twice"))
        }
        _ => Err(HttpError::new(
            Status::NOT_IMPLEMENTED,
            "unsupported transfer coding",
        )),
    }
}

/// Every `Content-Length` must be plain decimal digits and all must agree:
/// `+5`, `-1`, `0x10`, `5 5`, `5, 6`, an empty value or an overflowing one
/// are all rejected.
fn content_length(headers: &Headers) -> Result<u64, HttpError> {
    let mut length = None;
    for value in headers.get_all("content-length") {
        if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(HttpError::bad_request("malformed Content-Length"));
        }
        let parsed: u64 = value
            .parse()
            .map_err(|_| HttpError::bad_request("malformed Content-Length"))?;
        if length.is_some_and(|l| l != parsed) {
            return Err(HttpError::bad_request("conflicting Content-Length headers"));
        }
        length = Some(parsed);
    }
    length.ok_or(HttpError::bad_request("malformed Content-Length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(raw: &str) -> RequestHead {
        match parse(raw.as_bytes(), &Limits::default()) {
            Ok(Parsed::Complete { head, len }) => {
                assert_eq!(len, raw.len());
                head
            }
            other => panic!("expected a head, got {other:?}"),
        }
    }

    fn status_of(raw: &str) -> u16 {
        match parse(raw.as_bytes(), &Limits::default()) {
            Err(e) => e.status.code(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn every_line_feed_must_follow_a_carriage_return() {
        let good = b"GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\r\n";
        assert!(check_line_endings(good).is_ok());
        // A bare LF at every place a CRLF is, and as the very first byte.
        for at in 0..good.len() {
            if good[at] == b'\r' {
                let mut bad = good.to_vec();
                bad.remove(at);
                assert!(
                    check_line_endings(&bad).is_err(),
                    "{:?}",
                    String::from_utf8_lossy(&bad)
                );
            }
        }
        assert!(check_line_endings(b"\nGET / HTTP/1.1\r\n\r\n").is_err());
        assert!(check_line_endings(b"").is_ok());
    }

    #[test]
    fn a_simple_get() {
        let head = parse_ok("GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-A:  v \r\n\r\n");
        assert_eq!(head.method, Method::Get);
        assert_eq!(head.path(), "/a b");
        assert_eq!(&head.target[head.path_end..], "?x=1");
        assert_eq!(head.headers.get("x-a"), Some("v"));
        assert!(head.keep_alive);
        assert_eq!(head.framing, Framing::None);
    }

    #[test]
    fn partial_heads_wait_for_more() {
        let r = parse(b"GET / HTTP/1.1\r\nHost: h\r\n", &Limits::default());
        assert!(matches!(r, Ok(Parsed::Partial)));
    }

    #[test]
    fn connection_semantics_per_version() {
        assert!(!parse_ok("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(!parse_ok("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(parse_ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
    }

    #[test]
    fn absolute_form_is_reduced_to_its_path() {
        let head = parse_ok("GET http://example.com:80/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assert_eq!(head.path(), "/x");
        assert_eq!(head.target, "/x?y");
        assert_eq!(
            parse_ok("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n").path(),
            "/"
        );
        assert_eq!(
            status_of("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
            400
        );
    }

    #[test]
    fn framing_rules() {
        let cl = parse_ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(cl.framing, Framing::Length(5));
        let same = parse_ok(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        );
        assert_eq!(same.framing, Framing::Length(5));
        let te = parse_ok("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n");
        assert_eq!(te.framing, Framing::Chunked);
        for bad in [
            "+5",
            "-1",
            "0x10",
            "5 5",
            "5, 5",
            "",
            "99999999999999999999",
            "1_0",
        ] {
            let raw = format!("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: {bad}\r\n\r\n");
            assert_eq!(status_of(&raw), 400, "Content-Length: {bad:?}");
        }
        let differing =
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n";
        assert_eq!(status_of(differing), 400);
        let both =
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(status_of(both), 400);
        for (te, status) in [
            (",chunked", 400),
            ("chunked, identity", 400),
            ("chunked, chunked", 400),
            ("gzip", 400),
            ("gzip, chunked", 501),
        ] {
            let raw = format!("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: {te}\r\n\r\n");
            assert_eq!(status_of(&raw), status, "Transfer-Encoding: {te}");
        }
        let too_big = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n";
        assert_eq!(status_of(too_big), 413);
    }

    #[test]
    fn request_line_rules() {
        assert_eq!(status_of("BREW / HTTP/1.1\r\nHost: h\r\n\r\n"), 501);
        assert_eq!(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
        assert_eq!(status_of("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 505);
        assert_eq!(status_of("GET / HTXP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /%ff HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /?q=%f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(
            parse_ok("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").path(),
            "*"
        );
        let raw = b"GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n";
        assert_eq!(
            parse(raw, &Limits::default()).unwrap_err().status.code(),
            400
        );
    }

    #[test]
    fn the_target_is_visible_ascii() {
        // Raw UTF-8 is valid UTF-8, but not a valid target: clients encode it.
        assert_eq!(status_of("GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(status_of("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
        assert_eq!(
            parse_ok("GET /caf%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n").path(),
            "/caf\u{e9}"
        );
    }

    #[test]
    fn a_431_names_the_target_when_the_request_line_is_whole() {
        let many = format!("GET /api/x?q=1 HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(101));
        let error = parse(many.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(error.status.code(), 431);
        assert_eq!(error.target.as_deref(), Some("/api/x?q=1"));
        let big = format!("GET /api/x HTTP/1.1\r\nX: {}\r\n", "y".repeat(20_000));
        let error = parse(big.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(error.status.code(), 431);
        assert_eq!(error.target.as_deref(), Some("/api/x"));
        // A target that is not a clean path is left out.
        let bad = format!("GET /%zz HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(101));
        assert_eq!(
            parse(bad.as_bytes(), &Limits::default())
                .unwrap_err()
                .target,
            None
        );
    }

    #[test]
    fn whitespace_before_the_first_header_line_is_refused() {
        // RFC 9112 §2.2: reject it, or skip the line; a line skipped here
        // but read by a proxy as a header (`Host`, `Content-Length`) is
        // the ground of a smuggling attack, so rung rejects it.
        assert_eq!(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
        assert_eq!(
            status_of("GET / HTTP/1.1\r\n\tX: y\r\nHost: h\r\n\r\n"),
            400
        );
        // A bare CR anywhere in the request line is refused as well.
        assert_eq!(status_of("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    }

    #[test]
    fn versions_are_strict() {
        for bad in [
            "HTTP/1",
            "HTTP/01.1",
            "HTTP/1.10",
            "http/1.1",
            "Http/1.1",
            "HTTP/1.",
            "HTTP/",
        ] {
            let raw = format!("GET / {bad}\r\nHost: h\r\n\r\n");
            assert_eq!(status_of(&raw), 400, "{bad}");
        }
        for unsupported in ["HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/1.2"] {
            let raw = format!("GET / {unsupported}\r\nHost: h\r\n\r\n");
            assert_eq!(status_of(&raw), 505, "{unsupported}");
        }
    }

    #[test]
    fn an_absurdly_long_method_is_400_before_the_line_ends() {
        // Only the first bytes of a 100 KB method: no need to wait for more.
        let start = "X".repeat(MAX_METHOD + 1);
        assert_eq!(status_of(&start), 400);
        let whole = format!(
            "{} / HTTP/1.1\r\nHost: h\r\n\r\n",
            "X".repeat(MAX_METHOD + 1)
        );
        assert_eq!(status_of(&whole), 400);
        // Up to the limit, an unknown method is still a 501.
        let long_ok = format!("{} / HTTP/1.1\r\nHost: h\r\n\r\n", "X".repeat(MAX_METHOD));
        assert_eq!(status_of(&long_ok), 501);
        assert!(matches!(
            parse("\r\nUPDATEREDIRECTREF".as_bytes(), &Limits::default()),
            Ok(Parsed::Partial)
        ));
    }

    #[test]
    fn host_rules() {
        assert_eq!(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(
            status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            400
        );
        assert_eq!(status_of("GET / HTTP/1.1\r\nHost: u@h\r\n\r\n"), 400);
        assert_eq!(status_of("GET / HTTP/1.1\r\nHost: h/p\r\n\r\n"), 400);
        parse_ok("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
        // Empty: the path alone names no host (RFC 9112 §3.2).
        assert_eq!(status_of("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 400);
        assert_eq!(status_of("GET / HTTP/1.1\r\nHost: \r\n\r\n"), 400);
        parse_ok("GET http://h/ HTTP/1.1\r\nHost:\r\n\r\n");
    }

    #[test]
    fn header_rules() {
        assert_eq!(
            status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"),
            400
        );
        assert_eq!(status_of("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), 400);
        // Only spaces and tabs are optional whitespace, not U+00A0.
        let nbsp = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \u{a0}chunked\r\n\r\n";
        assert_eq!(status_of(nbsp), 400);
        assert_eq!(
            parse_ok("GET / HTTP/1.1\r\nHost: h\r\nX: \t v \t\r\n\r\n")
                .headers
                .get("x"),
            Some("v")
        );
        assert_eq!(status_of("GET / HTTP/1.1\nHost: h\n\n"), 400);
        assert_eq!(
            status_of("GET / HTTP/1.1\r\nHost: h\r\nX: \x01\r\n\r\n"),
            400
        );
        let raw = b"GET / HTTP/1.1\r\nHost: h\r\nX: \xff\r\n\r\n";
        assert_eq!(
            parse(raw, &Limits::default()).unwrap_err().status.code(),
            400
        );
        assert_eq!(
            status_of("GET / HTTP/1.1\r\nHost: h\r\nExpect: tea\r\n\r\n"),
            417
        );
    }

    #[test]
    fn a_finished_requests_target_is_reused_by_the_next_one() {
        let peer = "127.0.0.1:1".parse().unwrap();
        let first = parse_ok("GET /first?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        let request = crate::http::Request::from_head(first, Vec::new(), peer);
        assert_eq!(request.target(), "/first?x=1");
        let room = request.target.as_ptr();
        drop(request);
        let next = parse_ok("GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(next.target.as_ptr(), room, "the same string");
        assert_eq!(next.target, "/second", "emptied before reuse");
        assert_eq!(next.path(), "/second");
    }

    #[test]
    fn the_fields_that_decide_framing_are_found_in_any_case() {
        let with = |fields: &str| {
            parse(
                format!("POST /x HTTP/1.1\r\n{fields}\r\n").as_bytes(),
                &Limits::default(),
            )
        };
        let head = |fields: &str| match with(fields) {
            Ok(Parsed::Complete { head, .. }) => head,
            other => panic!("{fields:?}: {other:?}"),
        };
        let plain = head("Host: h\r\n");
        assert!(plain.keep_alive && !plain.expect_continue);
        assert_eq!(plain.framing, Framing::None);
        let upper =
            head("HOST: h\r\nCONNECTION: Close\r\nContent-LENGTH: 5\r\nEXPECT: 100-Continue\r\n");
        assert!(!upper.keep_alive);
        assert!(upper.expect_continue);
        assert_eq!(upper.framing, Framing::Length(5));
        let chunked = head("host: h\r\nTRANSFER-encoding: chunked\r\n");
        assert_eq!(chunked.framing, Framing::Chunked);
        for (fields, message) in [
            ("Host: a\r\nHOST: b\r\n", "more than one Host header"),
            ("X-Host: h\r\n", "HTTP/1.1 request without a Host header"),
            (
                "Host: h\r\ncontent-length: 1\r\nTransfer-Encoding: chunked\r\n",
                "both Transfer-Encoding and Content-Length",
            ),
        ] {
            assert_eq!(with(fields).unwrap_err().message, message, "{fields:?}");
        }
        let error = with("Host: h\r\nExpect: tea\r\n").unwrap_err();
        assert_eq!(error.status.code(), 417);
    }

    #[test]
    fn header_values_must_be_utf8_wherever_they_are() {
        // UTF-8 values read back whole, however they sit among the others.
        let head = parse_ok("GET / HTTP/1.1\r\nHost: h\r\nX-A: é ü\r\nX-B:  日本 \r\n\r\n");
        assert_eq!(head.headers.get("x-a"), Some("é ü"));
        assert_eq!(head.headers.get("x-b"), Some("日本"));
        // A stray byte, a cut sequence, an overlong form: in the first
        // value, the middle one or the last, each is refused with 400 and
        // the same message.
        for bad in [
            &b"\xff"[..],
            b"\xc3",
            b"a\xe6\x97",
            b"\xc0\xaf",
            b"ok \xed\xa0\x80",
        ] {
            for at in 0..3 {
                let mut raw = b"GET /x HTTP/1.1\r\n".to_vec();
                for i in 0..3 {
                    raw.extend_from_slice(format!("F{i}: ").as_bytes());
                    raw.extend_from_slice(if i == at { bad } else { b"fine" });
                    raw.extend_from_slice(b"\r\n");
                }
                raw.extend_from_slice(b"Host: h\r\n\r\n");
                let error = parse(&raw, &Limits::default()).unwrap_err();
                assert_eq!(error.status.code(), 400, "{bad:?} at {at}");
                assert_eq!(error.message, "header value is not UTF-8");
                assert_eq!(
                    error.target.as_deref(),
                    Some("/x"),
                    "named for the error page"
                );
            }
        }
    }

    #[test]
    fn size_limits() {
        let long_uri = format!("GET /{} HTTP/1.1\r\nHost: h\r\n\r\n", "a".repeat(20_000));
        assert_eq!(status_of(&long_uri), 414);
        let big_header = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nX: {}\r\n\r\n",
            "a".repeat(20_000)
        );
        assert_eq!(status_of(&big_header), 431);
        let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(
            status_of(&format!("GET / HTTP/1.1\r\nHost: h\r\n{many}\r\n")),
            431
        );
    }
}
