//! Shared helpers of the engine tests (SPEC §3): a rung server on a free
//! loopback port, and a raw-bytes client that reads whole HTTP/1.1
//! responses off a real `TcpStream` so every test can check the exact
//! bytes the engine writes.
//!
//! Each `engine_*.rs` file uses a different part of this module;
//! `split.rs` delivers a request in pieces (for `split_delivery.rs`).
#![allow(dead_code)]

use std::io::{self, Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rung::{Config, Request, Response, Server, ShutdownHandle, Status};

pub mod split;

/// How long a client waits for bytes before it calls the server stuck.
/// Generous: these are correctness tests on a shared, busy machine.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A server running on a background thread. Dropping it asks the server to
/// shut down (without waiting); [`TestServer::stop`] also waits for it.
pub struct TestServer {
    pub addr: SocketAddr,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl TestServer {
    /// Starts `service` with `config` on `127.0.0.1:0`.
    pub fn start(service: impl rung::Service, config: Config) -> TestServer {
        let server = Server::bind("127.0.0.1:0", service, config).expect("bind a loopback port");
        TestServer::spawn(server)
    }

    /// Runs an already bound `server` (an `App` bound with
    /// `app.bind("127.0.0.1:0")`, say) on a background thread.
    pub fn spawn(server: Server) -> TestServer {
        let addr = server.local_addr();
        let (handle, thread) = server.spawn();
        TestServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }

    /// Starts the [`app`] handler with the default configuration.
    pub fn default_app() -> TestServer {
        TestServer::start(app, Config::default())
    }

    /// Starts the [`app`] handler with `config`.
    pub fn app_with(config: Config) -> TestServer {
        TestServer::start(app, config)
    }

    /// A new raw client connected to the server.
    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }

    /// The handle that shuts the server down.
    pub fn handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// Takes the server thread, to join it after a shutdown.
    pub fn take_thread(&mut self) -> JoinHandle<io::Result<()>> {
        self.thread.take().expect("thread taken once")
    }

    /// Shuts the server down and waits for `run` to return.
    pub fn stop(mut self) {
        self.handle.shutdown();
        let result = join_within(self.take_thread(), Duration::from_secs(20));
        result.expect("Server::run returned an error");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Joins `thread`, failing the test if it takes longer than `limit`.
pub fn join_within<T>(thread: JoinHandle<T>, limit: Duration) -> T {
    let deadline = Instant::now() + limit;
    while !thread.is_finished() {
        assert!(
            Instant::now() < deadline,
            "thread did not finish within {limit:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
    match thread.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The handler every test server runs. Each path is one behaviour:
///
/// - `/echo`: the request body back, byte for byte;
/// - `/slow?ms=N`: sleeps N ms (default 1000), then `slow done`;
/// - `/panic`: panics;
/// - `/stream`: a streamed body of unknown length;
/// - `/evil-cr`, `/evil-lf`, `/evil-crlf`, `/evil-nul`, `/evil-name`: a
///   header that would split the response if written as is;
/// - `/no-content`: `204`;
/// - anything else: `METHOD TARGET` as text, so a test can tell which
///   request a response belongs to.
pub fn app(req: &Request) -> Response {
    match req.path() {
        "/echo" => Response::new(Status::OK)
            .with_header("Content-Type", "application/octet-stream")
            .with_body(req.body().to_vec()),
        "/slow" => {
            let ms = req
                .query()
                .and_then(|q| q.strip_prefix("ms="))
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(1000);
            thread::sleep(Duration::from_millis(ms));
            Response::text("slow done")
        }
        "/panic" => panic!("this handler panics on purpose"),
        "/stream" => Response::new(Status::OK)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_stream(Cursor::new(STREAMED.to_vec()), None),
        "/evil-cr" => Response::text("x").with_header("X-Evil", "a\rSet-Cookie: injected=1"),
        "/evil-lf" => Response::text("x").with_header("X-Evil", "a\nSet-Cookie: injected=1"),
        "/evil-crlf" => Response::text("x").with_header("X-Evil", "a\r\nSet-Cookie: injected=1"),
        "/evil-nul" => Response::text("x").with_header("X-Evil", "a\0b"),
        "/evil-name" => Response::text("x").with_header("X-Evil: injected\r\nX", "1"),
        "/no-content" => Response::new(Status::NO_CONTENT),
        _ => Response::text(format!("{} {}", req.method(), req.target())),
    }
}

/// The body `/stream` sends.
pub const STREAMED: &[u8] = b"a body streamed without a length announced up front";

/// A `GET` of `target` with a `Host`, as raw bytes.
pub fn get(target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: test\r\n\r\n")
}

/// A `POST` of `body` to `target` with `Content-Length`.
pub fn post(target: &str, body: &str) -> String {
    format!(
        "POST {target} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// One response as read off the socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// `HTTP/1.1`.
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked when it was sent chunked.
    pub body: Vec<u8>,
    /// How the body was delimited on the wire.
    pub framing: Framing,
}

/// How a response body was delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length`.
    Length,
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Neither: the body runs until the connection closes.
    Close,
    /// No body by rule (HEAD, 1xx, 204, 304).
    NoBody,
}

impl RawResponse {
    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// How many headers are called `name`.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Whether the server announced that it closes the connection.
    pub fn says_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }

    /// SPEC §3: every response has a `Date`, and `Content-Length` or
    /// chunked framing (a body that may not exist needs neither; a
    /// close-delimited body is only allowed with `Connection: close`).
    pub fn assert_well_framed(&self) {
        assert_eq!(self.header_count("date"), 1, "one Date header: {self:?}");
        let date = self.header("date").unwrap();
        assert!(
            date.ends_with(" GMT") && date.len() == 29,
            "Date is an IMF-fixdate: {date:?}"
        );
        let lengths = self.header_count("content-length");
        let chunked = self
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        assert!(lengths <= 1, "at most one Content-Length: {self:?}");
        assert!(
            !(lengths == 1 && chunked),
            "both Content-Length and chunked: {self:?}"
        );
        let bodiless = self.status < 200 || self.status == 204 || self.status == 304;
        if !bodiless {
            assert!(
                lengths == 1 || chunked,
                "no Content-Length and not chunked: {self:?}"
            );
        }
    }
}

/// A client that writes raw bytes and parses what comes back.
pub struct Client {
    pub stream: TcpStream,
    /// Received bytes not yet parsed into a response.
    buf: Vec<u8>,
}

impl Client {
    /// Connects to `addr`, with [`READ_TIMEOUT`] on reads.
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the test server");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    /// The client's own address, as the server sees it.
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().unwrap()
    }

    /// Sends `bytes` in one write.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream
            .write_all(bytes.as_ref())
            .expect("send to the test server");
    }

    /// Sends `bytes`, tolerating a server that closes before reading all
    /// of them (it may answer an over-long head before the end of it).
    pub fn send_lossy(&mut self, bytes: impl AsRef<[u8]>) {
        let _ = self.stream.write_all(bytes.as_ref());
    }

    /// Sends `raw` and reads one response.
    pub fn request(&mut self, raw: impl AsRef<[u8]>) -> RawResponse {
        self.send(raw);
        self.read_response()
    }

    /// Reads one response (its body delimited as its headers say).
    pub fn read_response(&mut self) -> RawResponse {
        self.try_read_response(false)
            .unwrap_or_else(|e| panic!("reading a response failed: {e}"))
    }

    /// Reads one response to a `HEAD` request (no body whatever the headers).
    pub fn read_head_response(&mut self) -> RawResponse {
        self.try_read_response(true)
            .unwrap_or_else(|e| panic!("reading a response failed: {e}"))
    }

    /// Reads one response, or says why it could not.
    pub fn try_read_response(&mut self, to_head: bool) -> io::Result<RawResponse> {
        let head_end = loop {
            if let Some(p) = find(&self.buf, b"\r\n\r\n") {
                break p;
            }
            if self.fill()? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "connection closed before a complete response head; got {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
        };
        let head: Vec<u8> = self.buf.drain(..head_end + 4).collect();
        let head = String::from_utf8(head[..head_end].to_vec()).expect("response head is UTF-8");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default().to_string();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let reason = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                assert!(
                    !line.contains('\r') && !line.contains('\n'),
                    "stray CR/LF in {line:?}"
                );
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("header line without a colon: {line:?}"));
                (name.to_string(), value.trim().to_string())
            })
            .collect();
        let mut response = RawResponse {
            version,
            status,
            reason,
            headers,
            body: Vec::new(),
            framing: Framing::NoBody,
        };
        if to_head || status < 200 || status == 204 || status == 304 {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            response.framing = Framing::Chunked;
            response.body = self.read_chunked()?;
        } else if let Some(len) = response.header("content-length") {
            let len: usize = len.parse().expect("numeric Content-Length");
            response.framing = Framing::Length;
            response.body = self.take(len)?;
        } else {
            response.framing = Framing::Close;
            response.body = self.read_to_close()?;
        }
        Ok(response)
    }

    /// Reads a chunked body (and its trailers).
    fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line()?;
            let size = line.split(';').next().unwrap().trim();
            let size = usize::from_str_radix(size, 16)
                .unwrap_or_else(|_| panic!("bad chunk size line {line:?}"));
            if size == 0 {
                while !self.read_line()?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.take(size)?);
            let crlf = self.take(2)?;
            assert_eq!(crlf, b"\r\n", "chunk data not followed by CRLF");
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(p) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..p + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..p]).into_owned());
            }
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Exactly `n` bytes.
    fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Everything until the server closes (a reset counts as a close).
    pub fn read_to_close(&mut self) -> io::Result<Vec<u8>> {
        loop {
            match self.fill() {
                Ok(0) => return Ok(std::mem::take(&mut self.buf)),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return Ok(std::mem::take(&mut self.buf))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads once more into the buffer; `Ok(0)` at the end of the stream.
    pub fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads once more, waiting at most `timeout`: `None` when nothing came.
    pub fn fill_within(&mut self, timeout: Duration) -> io::Result<Option<usize>> {
        self.stream.set_read_timeout(Some(timeout))?;
        let result = self.fill();
        self.stream.set_read_timeout(Some(READ_TIMEOUT))?;
        match result {
            Ok(n) => Ok(Some(n)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Bytes received but not yet read as part of a response.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Asserts that the server closes the connection with nothing more to
    /// say: no stray bytes, then end of stream (or a reset) within
    /// [`READ_TIMEOUT`].
    pub fn expect_closed(&mut self) {
        assert!(
            self.buf.is_empty(),
            "unexpected bytes after the response: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        match self.fill() {
            Ok(0) => {}
            Ok(_) => panic!(
                "expected the connection to close, got more bytes: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("expected the connection to close, but: {e}"),
        }
    }

    /// Asserts that nothing arrives and the connection stays open for `wait`.
    pub fn expect_silence(&mut self, wait: Duration) {
        match self.fill_within(wait) {
            Ok(None) => {}
            Ok(Some(0)) => panic!("the server closed the connection"),
            Ok(Some(_)) => panic!("unexpected bytes: {:?}", String::from_utf8_lossy(&self.buf)),
            Err(e) => panic!("the connection failed: {e}"),
        }
    }
}

/// The position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends `raw` on a fresh connection and asserts the SPEC §3 answer to a
/// request that breaks the protocol: `status`, `Connection: close`, a
/// well-framed response, and then the connection really closes — so that
/// nothing after the bad request (a smuggled one, say) is ever answered.
pub fn assert_rejected(server: &TestServer, raw: impl AsRef<[u8]>, status: u16) -> RawResponse {
    let raw = raw.as_ref();
    let mut client = server.connect();
    client.send_lossy(raw);
    let response = client.try_read_response(false).unwrap_or_else(|e| {
        panic!(
            "no response to {:?}: {e}",
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        )
    });
    assert_eq!(
        response.status,
        status,
        "status for {:?} (body {:?})",
        String::from_utf8_lossy(&raw[..raw.len().min(200)]),
        response.text()
    );
    assert!(
        response.says_close(),
        "a rejected request must announce Connection: close: {response:?}"
    );
    response.assert_well_framed();
    client.expect_closed();
    response
}

/// The resident set size of this process (the server runs in-process),
/// from `/proc/self/status`.
pub fn vm_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l["VmRSS:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
