//! HTTP/1.1 over a raw `TcpStream`, from the client's side, written to
//! *judge* a server: every byte sent and received is kept, so that a
//! failure can show exactly what crossed the wire.
//!
//! Only `std::net`: the checker must not share a single line of parsing
//! with the servers it grades.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// How long a server may take to answer one request.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// After the body a `Content-Length` announced, how long to wait for the
/// server to close, or (the bug this catches) to send more bytes.
const LINGER: Duration = Duration::from_millis(200);

/// The pause between a request's head and its body: a real client may
/// send them in two packets, and a server must read the body by
/// `Content-Length` rather than take what the first `read` returns.
const BODY_PAUSE: Duration = Duration::from_millis(50);

/// The server under test: where to connect and what to send as `Host`.
#[derive(Clone, Debug)]
pub struct Target {
    /// The resolved addresses (`localhost` may be `::1` and `127.0.0.1`).
    pub addrs: Vec<SocketAddr>,
    /// `host:port`, for the `Host` header.
    pub host: String,
}

impl Target {
    /// Parses `http://HOST:PORT/` (the scheme and the slash are optional).
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url.strip_prefix("http://").unwrap_or(url);
        if rest.contains("://") {
            return Err(format!("{url}: only http:// URLs can be checked"));
        }
        let host = rest.split('/').next().unwrap_or("").to_string();
        let with_port = if host.contains(':') {
            host.clone()
        } else {
            format!("{host}:80")
        };
        let addrs: Vec<SocketAddr> = with_port
            .to_socket_addrs()
            .map_err(|e| format!("{url}: {e}"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{url}: no address"));
        }
        Ok(Target { addrs, host })
    }

    /// Connects to the first address that accepts, with a timeout on
    /// connecting and on each read.
    pub fn connect(&self) -> std::io::Result<TcpStream> {
        let mut error = None;
        for addr in &self.addrs {
            match TcpStream::connect_timeout(addr, ANSWER_TIMEOUT) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
                    return Ok(stream);
                }
                Err(e) => error = Some(e),
            }
        }
        Err(error.unwrap_or_else(|| ErrorKind::AddrNotAvailable.into()))
    }

    /// A request with `Host` and `Connection: close` filled in. `extra`
    /// holds more header lines, each ending in `\r\n`.
    pub fn request(&self, method: &str, path: &str, extra: &str, body: &[u8]) -> Vec<u8> {
        let mut bytes = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        if !body.is_empty() || method == "POST" {
            bytes.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        bytes.push_str(extra);
        bytes.push_str("Connection: close\r\n\r\n");
        let mut bytes = bytes.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }

    /// Connects, sends `request` and reads the answer.
    pub fn exchange(&self, request: Vec<u8>) -> Exchange {
        let started = Instant::now();
        let mut received = Vec::new();
        let response = self
            .connect()
            .and_then(|mut stream| {
                send(&mut stream, &request)?;
                Ok(stream)
            })
            .map_err(|e| format!("could not send the request: {e}"))
            .and_then(|mut stream| read_response(&mut stream, &mut received));
        Exchange {
            sent: request,
            received,
            response,
            took: started.elapsed(),
        }
    }
}

/// Writes a request; a body goes in a second write, after a short pause.
pub fn send(stream: &mut TcpStream, request: &[u8]) -> std::io::Result<()> {
    let head_end = find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4);
    let (head, body) = request.split_at(head_end);
    stream.write_all(head)?;
    if !body.is_empty() {
        std::thread::sleep(BODY_PAUSE);
        stream.write_all(body)?;
    }
    Ok(())
}

/// One request and what came back.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The exact bytes sent.
    pub sent: Vec<u8>,
    /// The exact bytes received.
    pub received: Vec<u8>,
    /// The parsed answer, or why there is none.
    pub response: Result<Response, String>,
    /// From connecting to the end of the answer.
    pub took: Duration,
}

/// A parsed response.
#[derive(Clone, Debug)]
pub struct Response {
    /// `200` in `HTTP/1.1 200 OK`.
    pub status: u16,
    /// Header names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, as framed (or as much of it as arrived).
    pub body: Vec<u8>,
    /// Set when the body did not end where the server said it would.
    pub framing_error: Option<String>,
}

impl Response {
    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (invalid UTF-8 shown as `\u{FFFD}`).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one response, keeping every byte in `received`.
///
/// The body ends where the server says: after `Content-Length` bytes,
/// after the last chunk (`Transfer-Encoding: chunked`), or, with neither,
/// when the server closes the connection (HTTP/1.0 style, fine too).
pub fn read_response(stream: &mut TcpStream, received: &mut Vec<u8>) -> Result<Response, String> {
    let head_len = loop {
        if let Some(i) = find(received, b"\r\n\r\n") {
            break i + 4;
        }
        match read_some(stream, received) {
            Ok(0) if received.is_empty() => {
                return Err("the server closed the connection without answering".into())
            }
            Ok(0) => {
                return Err("the connection closed before the empty line ending the head".into())
            }
            Ok(_) => {}
            Err(e) => return Err(describe(&e, "waiting for the response head")),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_len - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = parse_status(status_line)
        .ok_or_else(|| format!("the status line {status_line:?} is not `HTTP/1.1 CODE REASON`"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("the header line {line:?} has no colon"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
        framing_error: None,
    };
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"));
    let length = response.header("content-length").map(str::to_string);
    let (body, framing_error) = if chunked {
        read_chunked(stream, received, head_len)
    } else if let Some(length) = length {
        match length.parse::<usize>() {
            Ok(length) => read_length(stream, received, head_len, length),
            Err(_) => (
                read_to_close(stream, received, head_len).0,
                Some(format!("Content-Length: {length:?} is not a number")),
            ),
        }
    } else {
        read_to_close(stream, received, head_len)
    };
    response.body = body;
    response.framing_error = framing_error;
    Ok(response)
}

/// `HTTP/1.1 200 OK` → 200.
fn parse_status(line: &str) -> Option<u16> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    let code = parts.next()?;
    (version.starts_with("HTTP/1.") && code.len() == 3)
        .then(|| code.parse().ok())
        .flatten()
}

/// One `read`, appended to `buf`.
fn read_some(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0; 8192];
    let n = stream.read(&mut chunk)?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// What a read error means here.
fn describe(e: &std::io::Error, while_: &str) -> String {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            format!("no answer within {} s {while_}", ANSWER_TIMEOUT.as_secs())
        }
        _ => format!("{e} {while_}"),
    }
}

/// A body of `length` bytes; then the server should close, or at least
/// send nothing more.
fn read_length(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
    start: usize,
    length: usize,
) -> (Vec<u8>, Option<String>) {
    while received.len() - start < length {
        match read_some(stream, received) {
            Ok(0) => {
                let got = received.len() - start;
                let error = format!(
                    "Content-Length said {length} bytes, the connection closed after {got}"
                );
                return (received[start..].to_vec(), Some(error));
            }
            Ok(_) => {}
            Err(e) => {
                let got = received.len() - start;
                let error = format!(
                    "Content-Length said {length} bytes, {got} came; {}",
                    describe(&e, "")
                );
                return (received[start..].to_vec(), Some(error));
            }
        }
    }
    // We asked for `Connection: close`: anything after the body is a
    // sign that the length was wrong.
    let _ = stream.set_read_timeout(Some(LINGER));
    let _ = read_some(stream, received);
    let got = received.len() - start;
    let error = (got > length).then(|| {
        format!(
            "Content-Length said {length} bytes, then {} more came",
            got - length
        )
    });
    (received[start..].to_vec(), error)
}

/// A body that ends when the server closes the connection.
fn read_to_close(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
    start: usize,
) -> (Vec<u8>, Option<String>) {
    loop {
        match read_some(stream, received) {
            Ok(0) => return (received[start..].to_vec(), None),
            Ok(_) => {}
            Err(e) => {
                let error = format!(
                    "no Content-Length and the connection stayed open: {}",
                    describe(&e, "waiting for the end of the body")
                );
                return (received[start..].to_vec(), Some(error));
            }
        }
    }
}

/// A `Transfer-Encoding: chunked` body: `SIZE-IN-HEX\r\n DATA \r\n`,
/// until a chunk of size 0.
fn read_chunked(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
    start: usize,
) -> (Vec<u8>, Option<String>) {
    let mut body = Vec::new();
    let mut at = start;
    loop {
        // Wait for the size line, then the chunk and its CRLF.
        let line_end = loop {
            if let Some(i) = find(&received[at..], b"\r\n") {
                break at + i;
            }
            if let Err(e) = more(stream, received) {
                return (body, Some(format!("in a chunk size line: {e}")));
            }
        };
        let size_text = String::from_utf8_lossy(&received[at..line_end]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            return (
                body,
                Some(format!("the chunk size {size_text:?} is not hex")),
            );
        };
        let data = line_end + 2;
        while received.len() < data + size + 2 {
            if let Err(e) = more(stream, received) {
                return (body, Some(format!("in a chunk of {size} bytes: {e}")));
            }
        }
        if size == 0 {
            return (body, None);
        }
        body.extend_from_slice(&received[data..data + size]);
        at = data + size + 2;
    }
}

/// Reads more bytes; the end of the stream is an error here.
fn more(stream: &mut TcpStream, received: &mut Vec<u8>) -> Result<(), String> {
    match read_some(stream, received) {
        Ok(0) => Err("the connection closed".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(describe(&e, "")),
    }
}

/// Bytes as text a reader can trust: `\r\n` shown as such at each line
/// end, other control bytes and non-UTF-8 as escapes; at most `max` bytes.
pub fn show(bytes: &[u8], max: usize) -> String {
    let shown = &bytes[..bytes.len().min(max)];
    let mut out = String::from("       | ");
    for piece in String::from_utf8_lossy(shown).split_inclusive('\n') {
        for c in piece.chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n\n       | "),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
    }
    if bytes.len() > max {
        out.push_str(&format!("… ({} more bytes)", bytes.len() - max));
    }
    out.trim_end_matches("\n       | ").to_string()
}
