//! Level 2 — many clients at once: a thread per client, and a log line for
//! each request.
//!
//! In level 1, a client that connected and said nothing blocked everyone
//! behind it. Here each client gets a thread of its own, so a slow or
//! silent one holds up only itself. The code is also cut into the two
//! functions every server has: [`parse_request`] (bytes → method, path,
//! headers) and [`handle_request`] (request → response).
//!
//! ```text
//! cargo run -p demo --bin level2
//! cargo run -p demo --bin check -- 2
//! curl 'http://127.0.0.1:9000/sleep?ms=3000' &   # slow: 3 seconds
//! curl 'http://127.0.0.1:9000/'                  # answered at once anyway
//! ```
//!
//! The later lessons build on this file: they reuse [`Request`],
//! [`Response`] and [`serve`], and pass their own functions to `serve`.
//! rung's answer is `core/src/server/`: a pool of worker threads, and a
//! client that is merely connected holds no thread at all.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The type of a plain text body.
pub const TEXT: &str = "text/plain; charset=utf-8";

/// A request, as [`parse_request`] reads it.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path as sent, without the query: `/sleep`.
    pub path: String,
    /// What follows `?`, or `""`: `ms=300`.
    pub query: String,
    /// Header names lowercased (they are case-insensitive), with values.
    pub headers: Vec<(String, String)>,
    /// The body: level 4 reads it; until then it stays empty.
    pub body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }
}

/// A response: status, headers, body. [`Response::to_bytes`] writes it out.
pub struct Response {
    /// `200`, `404`, ...
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`, added when sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a `Content-Type`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        let headers = vec![("Content-Type".to_string(), content_type.to_string())];
        Response {
            status,
            headers,
            body: body.into(),
        }
    }

    /// An HTML page.
    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response::new(status, "text/html; charset=utf-8", body)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The bytes on the wire. One response per connection: we say so with
    /// `Connection: close`, and close it after.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// The words that go with a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        500 => "Internal Server Error",
        _ => "",
    }
}

/// Reads a request head: the request line, then headers until the empty
/// line. Fails with `UnexpectedEof` if the bytes end first, `InvalidData`
/// if they are not HTTP.
pub fn parse_request(reader: &mut dyn BufRead) -> io::Result<Request> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || !line.ends_with('\n') {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line.trim_end().is_empty() {
            break;
        }
        if lines.len() > 100 {
            return Err(bad("too many header lines"));
        }
        lines.push(line.trim_end().to_string());
    }
    // `GET /sleep?ms=300 HTTP/1.1`: three parts separated by spaces.
    if lines.is_empty() {
        return Err(bad("an empty line instead of a request line"));
    }
    let request_line = lines.remove(0);
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad("the request line is not METHOD TARGET VERSION"));
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(bad("not an HTTP/1 request"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in &lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("a header without ':'"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
    })
}

/// The site of this level: a page, a slow page, and 404 for the rest.
pub fn handle_request(req: &Request) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/") => hello(req),
        ("GET", "/sleep") => sleep(req),
        _ => not_found(req),
    }
}

/// `GET /`: the page of level 1.
pub fn hello(_req: &Request) -> Response {
    const PAGE: &str = "<!doctype html>\n<title>Hello</title>\n<h1>Hello, world!</h1>\n";
    Response::html(200, PAGE)
}

/// `GET /sleep?ms=N`: waits N milliseconds (0–5000), blocking only this
/// client's thread.
pub fn sleep(req: &Request) -> Response {
    let ms = req
        .query
        .strip_prefix("ms=")
        .and_then(|ms| ms.parse::<u64>().ok());
    match ms {
        Some(ms) if ms <= 5000 => {
            std::thread::sleep(Duration::from_millis(ms));
            Response::new(200, TEXT, format!("slept {ms} ms\n"))
        }
        _ => Response::new(400, TEXT, "use /sleep?ms=N, N from 0 to 5000\n"),
    }
}

/// The 404 page.
pub fn not_found(_req: &Request) -> Response {
    const PAGE: &str = "<!doctype html>\n<title>Not Found</title>\n<h1>404 Not Found</h1>\n";
    Response::html(404, PAGE)
}

/// What turns a request into a response; each level writes its own.
pub type Handler = fn(&Request) -> Response;

/// What reads a request from a connection: [`parse_request`] here; level 4
/// also reads the body.
pub type Reader = fn(&mut dyn BufRead) -> io::Result<Request>;

/// Accepts clients on `addr` forever, each on a new thread.
pub fn serve(addr: &str, read: Reader, handle: Handler) -> io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    println!("listening on http://{}/", listener.local_addr()?);
    for stream in listener.incoming() {
        match stream {
            // `move`: the thread owns its stream. Nothing to join: a thread
            // ends with its client.
            Ok(stream) => {
                std::thread::spawn(move || handle_client(stream, read, handle));
            }
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
    Ok(())
}

/// Serves one client: read, handle, log, write.
fn handle_client(stream: TcpStream, read: Reader, handle: Handler) {
    let started = Instant::now();
    let peer = stream.peer_addr().map_or("?".into(), |a| a.to_string());
    // A client that sends nothing for 30 s gives its thread back.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let response = match read(&mut BufReader::new(&stream)) {
        Ok(req) => {
            let response = handle(&req);
            // The log line: who, what, how it went, how long it took.
            let (method, path, status) = (&req.method, &req.path, response.status);
            let ms = started.elapsed().as_millis();
            println!("{peer} \"{method} {path}\" {status} {ms} ms");
            response
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            println!("{peer} bad request: {e}");
            Response::new(400, TEXT, "bad request\n")
        }
        Err(e) => {
            // Hung up, or silent for too long: nobody to answer.
            eprintln!("{peer}: {e}");
            return;
        }
    };
    if let Err(e) = (&stream).write_all(&response.to_bytes()) {
        eprintln!("{peer}: writing the response: {e}");
    }
}

/// The value after `--NAME` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| *a == format!("--{name}"))?;
    args.get(i + 1).cloned()
}

/// `--addr HOST:PORT`, or the course's usual address.
pub fn addr() -> String {
    arg("addr").unwrap_or_else(|| "127.0.0.1:9000".to_string())
}

fn main() -> io::Result<()> {
    serve(&addr(), parse_request, handle_request)
}
