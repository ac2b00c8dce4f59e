//! Turning a [`Response`] into bytes on the wire.
//!
//! The writer adds what only the server can know — `Date`, the framing
//! (`Content-Length` or `Transfer-Encoding: chunked`) and `Connection` —
//! and refuses to write a header that could split the response.

use std::cell::RefCell;
use std::io::{self, Read};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{
    is_valid_name, is_valid_value, list_has_token, same_name, Body, Response, Status, Version,
};

/// How much of a streamed body is read and sent at a time. Memory for a
/// download is this, whatever the size of the file.
pub const STREAM_CHUNK: usize = 64 * 1024;

/// What the writer needs to know about the request being answered.
#[derive(Clone, Copy, Debug)]
pub struct Answering {
    /// The request was `HEAD`: send the head only.
    pub head_only: bool,
    /// The version of the request (chunked encoding needs HTTP/1.1).
    pub version: Version,
    /// Whether the connection may stay open after this response.
    pub keep_alive: bool,
    /// The time, as the connection last read the clock: the `Date` header
    /// is worked out from it (see [`with_date`]) rather than from a clock
    /// read of its own for every response.
    pub now: Instant,
}

/// A body still to be sent after the head, read from its source piece by piece.
pub struct StreamBody {
    reader: Box<dyn Read + Send>,
    /// Bytes still expected from `reader`, when the length was announced.
    remaining: Option<u64>,
    /// Whether each piece is framed as a chunk.
    chunked: bool,
    done: bool,
}

/// The result of encoding a response head (and in-memory body).
pub struct Encoded {
    /// The rest of the body, for a streamed response.
    pub stream: Option<StreamBody>,
    /// Whether the connection stays open after this response.
    pub keep_alive: bool,
    /// The status that was written (it differs from the handler's when the
    /// response had to be replaced by a `500`).
    pub status: Status,
    /// Body bytes announced or sent, for the access log.
    pub body_len: u64,
}

/// Writes the head and any in-memory body of `response` to `out`.
pub fn encode(response: Response, answering: Answering, out: &mut Vec<u8>) -> Encoded {
    let start = out.len();
    match try_encode(response, answering, out) {
        Ok(encoded) => encoded,
        Err(bad_header) => {
            out.truncate(start);
            log::error!("response not sent: {bad_header}; answering 500 instead");
            let fallback = Response::text("500 Internal Server Error: invalid response header\n")
                .with_status(Status::INTERNAL_SERVER_ERROR);
            try_encode(fallback, answering, out)
                .unwrap_or_else(|_| unreachable!("fallback headers are valid"))
        }
    }
}

fn try_encode(
    response: Response,
    answering: Answering,
    out: &mut Vec<u8>,
) -> Result<Encoded, String> {
    let (status, headers, body) = response.into_parts();
    let may_have_body = status.allows_body();
    let body_len = if may_have_body { body.len() } else { Some(0) };
    // A body of unknown length goes chunked to HTTP/1.1 clients; to an
    // HTTP/1.0 client it can only be delimited by closing the connection.
    let chunked = may_have_body && body_len.is_none() && answering.version == Version::Http11;
    let mut keep_alive = answering.keep_alive && !(may_have_body && body_len.is_none() && !chunked);

    match status.line() {
        Some(line) => out.extend_from_slice(line.as_bytes()),
        None => {
            out.extend_from_slice(b"HTTP/1.1 ");
            write_decimal(out, status.code().into());
            out.extend_from_slice(b" \r\n"); // no reason phrase
        }
    }
    for (name, value, checked) in headers.fields() {
        if is_managed(name) {
            // The writer's own; but a handler's `Connection: close` counts.
            if name.eq_ignore_ascii_case("connection") && list_has_token(value, "close") {
                keep_alive = false;
            }
            continue;
        }
        // What rung set itself was checked once, where it was made; what a
        // handler set is checked here, every time.
        if !checked && !is_valid_name(name) {
            return Err(format!("invalid header name {name:?}"));
        }
        if !checked && !is_valid_value(value) {
            return Err(format!("invalid value for header {name}: {value:?}"));
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Date: ");
    with_date(answering.now, |date| out.extend_from_slice(date));
    out.extend_from_slice(b"\r\n");
    if may_have_body {
        match body_len {
            Some(len) => {
                out.extend_from_slice(b"Content-Length: ");
                write_decimal(out, len);
                out.extend_from_slice(b"\r\n");
            }
            None if chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
            None => {}
        }
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if answering.version == Version::Http10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");

    let send_body = may_have_body && !answering.head_only;
    let mut stream = None;
    match body {
        Body::Bytes(bytes) if send_body => out.extend_from_slice(&bytes),
        Body::Stream { reader, len } if send_body => {
            stream = Some(StreamBody {
                reader,
                remaining: len,
                chunked,
                done: false,
            })
        }
        _ => {}
    }
    Ok(Encoded {
        stream,
        keep_alive,
        status,
        body_len: body_len.unwrap_or(0),
    })
}

/// Headers the writer sets itself; a handler's own are dropped.
fn is_managed(name: &str) -> bool {
    // By length first: most names are then ruled out without a comparison.
    let managed = match name.len() {
        4 => "date",
        10 => "connection",
        14 => "content-length",
        17 => "transfer-encoding",
        _ => return false,
    };
    same_name(name, managed)
}

impl StreamBody {
    /// Appends the next piece of the body to `out` (framed as a chunk when
    /// chunked). Returns `false` once the body is complete.
    ///
    /// A source that ends before its announced length is an error: the
    /// client was promised more bytes, so the connection must close.
    pub fn fill(&mut self, out: &mut Vec<u8>) -> io::Result<bool> {
        if self.done {
            return Ok(false);
        }
        let want = match self.remaining {
            Some(left) => left.min(STREAM_CHUNK as u64) as usize,
            None => STREAM_CHUNK,
        };
        if want == 0 {
            self.done = true;
            return Ok(false);
        }
        let data_start = out.len();
        out.resize(data_start + want, 0);
        let n = loop {
            match self.reader.read(&mut out[data_start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    out.truncate(data_start);
                    return Err(e);
                }
            }
        };
        out.truncate(data_start + n);
        if n == 0 {
            if self.remaining.is_some() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "streamed body ended before its announced length",
                ));
            }
            if self.chunked {
                out.extend_from_slice(b"0\r\n\r\n");
            }
            self.done = true;
            return Ok(false);
        }
        if let Some(left) = &mut self.remaining {
            *left -= n as u64;
        }
        if self.chunked {
            // The size line goes before the data, now that the size is known.
            let size_line = format!("{n:x}\r\n");
            out.splice(data_start..data_start, size_line.into_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Ok(true)
    }
}

/// Appends `n` in decimal: digits from the right into a small buffer
/// (`write!` through the formatting machinery costs ten times more, on
/// every response).
pub(crate) fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20]; // u64::MAX has 20 digits
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// The `Date` value of this thread, and until when it holds.
struct DateCache {
    text: [u8; 29],
    /// When the wall clock's second changes, by the monotonic clock: up to
    /// then, `text` is the date, and the wall clock need not be read.
    valid_until: Option<Instant>,
}

thread_local! {
    static DATE: RefCell<DateCache> = const {
        RefCell::new(DateCache { text: [0; 29], valid_until: None })
    };
}

/// Calls `f` with the HTTP date at `now`, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// The wall clock is read, and the date formatted, once a second per
/// thread: a response takes its date from `now`, the monotonic time its
/// connection read already, and that tells whether the second has turned.
fn with_date(now: Instant, f: impl FnOnce(&[u8])) {
    DATE.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache.valid_until.is_none_or(|until| now >= until) {
            let wall = SystemTime::now();
            let into_second = wall.duration_since(UNIX_EPOCH).map_or(Duration::ZERO, |d| {
                Duration::from_nanos(d.subsec_nanos().into())
            });
            let text = httpdate::fmt_http_date(wall);
            cache.text.copy_from_slice(&text.as_bytes()[..29]);
            cache.valid_until = Some(now + (Duration::from_secs(1) - into_second));
        }
        f(&cache.text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_text(response: Response, answering: Answering) -> (String, Encoded) {
        let mut out = Vec::new();
        let encoded = encode(response, answering, &mut out);
        (String::from_utf8(out).unwrap(), encoded)
    }

    fn keep() -> Answering {
        Answering {
            head_only: false,
            version: Version::Http11,
            keep_alive: true,
            now: Instant::now(),
        }
    }

    #[test]
    fn a_text_response() {
        let (text, e) = encode_text(Response::text("hi"), keep());
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("Content-Type: text/plain; charset=utf-8\r\n"));
        assert!(text.contains("Content-Length: 2\r\n"));
        assert!(text.contains("\r\nDate: "));
        assert!(!text.contains("Connection"));
        assert!(text.ends_with("\r\n\r\nhi"));
        assert!(e.keep_alive);
    }

    #[test]
    fn the_date_is_the_wall_clocks_read_again_only_when_its_second_turns() {
        let date_at = |now| {
            let mut text = String::new();
            with_date(now, |date| text = String::from_utf8(date.to_vec()).unwrap());
            text
        };
        let valid_until = || DATE.with(|cache| cache.borrow().valid_until).unwrap();
        let now = Instant::now();
        let text = date_at(now);
        let date = httpdate::parse_http_date(&text).unwrap();
        let behind = SystemTime::now().duration_since(date).unwrap();
        assert!(
            behind < Duration::from_secs(2),
            "{text} is {behind:?} behind"
        );
        let until = valid_until();
        assert!(until > now && until <= now + Duration::from_secs(1));
        assert_eq!(date_at(now), text, "the same second: the same text");
        // Once the second has turned, the wall clock is read again, and
        // the next date holds until the next second.
        date_at(until);
        assert!(valid_until() > until);
    }

    #[test]
    fn a_status_without_a_reason_phrase_gets_an_empty_one() {
        let odd = Status::from_code(599).unwrap();
        let (text, e) = encode_text(Response::text("x").with_status(odd), keep());
        assert!(text.starts_with("HTTP/1.1 599 \r\n"), "{text}");
        assert_eq!(e.status, odd);
        let (text, _) = encode_text(Response::text("x").with_status(Status::NOT_FOUND), keep());
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
    }

    #[test]
    fn decimals_are_written_exactly() {
        for n in [0, 7, 10, 99, 100, 1234567890, u64::MAX] {
            let mut out = b"x".to_vec();
            write_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
    }

    #[test]
    fn the_headers_the_writer_sets_itself_are_dropped_whatever_their_case() {
        let r = Response::text("hi")
            .with_header("content-LENGTH", "99")
            .with_header("Transfer-Encoding", "chunked")
            .with_header("DATE", "yesterday")
            .with_header("Connection", "keep-alive")
            .with_header("X-Dates", "kept");
        let (text, _) = encode_text(r, keep());
        assert!(text.contains("Content-Length: 2\r\n"), "{text}");
        assert!(!text.contains("99") && !text.contains("chunked") && !text.contains("yesterday"));
        assert!(!text.contains("Connection"), "{text}");
        assert!(text.contains("X-Dates: kept\r\n"), "{text}");
    }

    #[test]
    fn a_handler_asking_to_close_closes() {
        for value in ["close", "Keep-Alive, CLOSE", " close "] {
            let r = Response::text("hi").with_header("connection", value);
            let (text, e) = encode_text(r, keep());
            assert!(!e.keep_alive, "{value:?}");
            assert!(text.contains("Connection: close\r\n"), "{text}");
        }
        let r = Response::text("hi").with_header("Connection", "closed");
        assert!(encode_text(r, keep()).1.keep_alive);
    }

    #[test]
    fn head_only_keeps_the_length_and_drops_the_body() {
        let answering = Answering {
            head_only: true,
            ..keep()
        };
        let (text, _) = encode_text(Response::text("hello"), answering);
        assert!(text.contains("Content-Length: 5\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn header_injection_becomes_a_500() {
        let evil = Response::text("x").with_header("X-Evil", "a\r\nSet-Cookie: owned=1");
        let (text, e) = encode_text(evil, keep());
        assert!(text.starts_with("HTTP/1.1 500 "));
        assert!(!text.contains("owned"));
        assert_eq!(e.status, Status::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn every_control_byte_in_any_value_or_a_bad_name_becomes_a_500() {
        let bad_values = ["a\nb", "a\rb", "a\0b", "a\x7fb", "a\x1bb", "\r\n"];
        for bad in bad_values {
            // The bad value among good ones, first, in the middle or last.
            for at in 0..3 {
                let mut r = Response::text("x");
                for i in 0..3 {
                    let value = if i == at { bad } else { "fine\tvalue" };
                    r = r.with_header(format!("X-H{i}"), value);
                }
                let (text, e) = encode_text(r, keep());
                assert_eq!(e.status, Status::INTERNAL_SERVER_ERROR, "{bad:?} at {at}");
                assert!(!text.contains("X-H"), "{text}");
            }
        }
        for name in ["X Evil", "X:Evil", "", "X\r\nEvil"] {
            let (_, e) = encode_text(
                Response::text("x").with_header(name.to_string(), "v"),
                keep(),
            );
            assert_eq!(e.status, Status::INTERNAL_SERVER_ERROR, "{name:?}");
        }
        let fine = Response::text("x").with_header("X-Tab", "a\tb c");
        let (text, e) = encode_text(fine, keep());
        assert_eq!(e.status, Status::OK);
        assert!(text.contains("X-Tab: a\tb c\r\n"));
    }

    #[test]
    fn no_content_has_no_length() {
        let (text, _) = encode_text(Response::new(Status::NO_CONTENT), keep());
        assert!(!text.contains("Content-Length"));
    }

    #[test]
    fn unknown_length_streams_are_chunked_or_close_delimited() {
        let stream = || Response::new(Status::OK).with_stream(&b"abc"[..], None);
        let mut out = Vec::new();
        let mut e = encode(stream(), keep(), &mut out);
        let mut s = e.stream.take().unwrap();
        while s.fill(&mut out).unwrap() {}
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Transfer-Encoding: chunked\r\n"));
        assert!(text.ends_with("\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));

        let old = Answering {
            version: Version::Http10,
            ..keep()
        };
        let (text, e) = encode_text(stream(), old);
        assert!(text.contains("Connection: close\r\n"));
        assert!(!e.keep_alive);
    }

    #[test]
    fn a_short_stream_is_an_error() {
        let r = Response::new(Status::OK).with_stream(&b"ab"[..], Some(5));
        let mut out = Vec::new();
        let mut s = encode(r, keep(), &mut out).stream.unwrap();
        assert!(s.fill(&mut out).unwrap());
        assert!(s.fill(&mut out).is_err());
    }
}
