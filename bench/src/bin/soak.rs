//! The soak test's load program (driven by `bench/soak.sh`).
//!
//! ```text
//! soak load   --addr A --pid P --secs S --workers N --data-dir D --static-file F
//!             --admin-token T --state OUT [--only KIND,KIND...]
//! soak verify --addr A --state STATE --data-dir D
//! soak report --state STATE --out SOAK.md [--alive-at-end yes] [--exit-code 0]
//!             [--restart-exit-code 0] [--server-log LOG]...
//! ```
//!
//! `load` drives a running demo site for S seconds with a mix of clients,
//! one kind per thread, each at a bounded rate (see [`PLAN`]): keep-alive
//! GETs, contact-form posts (urlencoded and multipart), JSON posts to the
//! API, byte ranges of a static file, slowloris heads, random garbage and
//! idle connections. Every response is parsed strictly (status line,
//! header syntax, `Date`, `Content-Length` or chunked framing, nothing
//! extra on the wire), and every outcome is counted per kind. Meanwhile it
//! samples the server's `VmRSS` every few seconds. Then it checks that no
//! worker was lost (N concurrent `/sleep?ms=500` complete together) and
//! that every acknowledged message (a `201` with its id, or a thank-you
//! page) is in the API and in the store file, except those the soak
//! deleted itself (see [`LIVE_WINDOW`]), which must be gone. The results
//! go to a JSON state file.
//!
//! `verify` runs after the server was restarted on the same data dir: the
//! acknowledged messages must all still be there. `report` writes
//! `SOAK.md` and exits non-zero on FAIL.
//!
//! Only std and serde_json; threads, no async. Every loop is bounded in
//! count and in time, and every socket operation has a timeout.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// The mix
// ---------------------------------------------------------------------------

/// The kinds of client, one per worker thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Get,
    Form,
    Json,
    Range,
    Slowloris,
    Garbage,
    Idle,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Get => "keep-alive GET",
            Kind::Form => "form POST /contact",
            Kind::Json => "JSON POST /api/messages",
            Kind::Range => "static range",
            Kind::Slowloris => "slowloris",
            Kind::Garbage => "garbage",
            Kind::Idle => "idle",
        }
    }
}

/// One line of the mix: how many threads of a kind, and how often each
/// starts a unit of work (a request, or a connection for slowloris and
/// garbage, or a batch of connections for idle).
struct Plan {
    kind: Kind,
    threads: usize,
    per_sec: f64,
    what: &'static str,
}

/// The mix. The rates are modest on purpose: the machine is small and
/// shared, and the soak is about time, not peak load. Posting is the
/// slowest (each stored message is an fsync, and every message stays in
/// the server's memory, which the RSS check must not mistake for a leak).
const PLAN: &[Plan] = &[
    Plan {
        kind: Kind::Get,
        threads: 4,
        per_sec: 40.0,
        what: "one keep-alive connection each; `/`, `/about`, `/messages`, `/api/messages?limit=5`, `/static/style.css` in turn; body checked",
    },
    Plan {
        kind: Kind::Form,
        threads: 2,
        per_sec: 0.5,
        what: "urlencoded and multipart in turn, keep-alive; 1 in 6 invalid (→ 422); a 200 must be the thank-you page with the message's id; keeps its last 20 messages, deletes older ones (→ 204, then 404)",
    },
    Plan {
        kind: Kind::Json,
        threads: 2,
        per_sec: 0.5,
        what: "keep-alive; 1 in 6 bad (malformed JSON → 400, wrong type → 415, blank message → 422); every 5th also reads the last message back and tries to DELETE it with a wrong token (→ 401); keeps its last 20 messages, deletes older ones (→ 204, then 404)",
    },
    Plan {
        kind: Kind::Range,
        threads: 1,
        per_sec: 20.0,
        what: "`Range: bytes=S-E` on `/static/style.css`, keep-alive: 206, `Content-Range` and bytes checked; 1 in 10 past the end (→ 416)",
    },
    Plan {
        kind: Kind::Slowloris,
        threads: 3,
        per_sec: 0.5,
        what: "a request head sent one byte every 0.3–1 s, never finished: must get 408 and a close within 13 s of the first byte",
    },
    Plan {
        kind: Kind::Garbage,
        threads: 2,
        per_sec: 5.0,
        what: "random bytes, junk request lines and headers, mutated requests, a 20 KB header, smuggling attempts (CL+TE, `+5`, gzip), some half-closed: a 4xx/501/505 or a close, never a hang",
    },
    Plan {
        kind: Kind::Idle,
        threads: 2,
        per_sec: 0.1,
        what: "batches of 20 connections (3 in 4 after one GET, 1 in 4 silent) held 5–30 s, then a GET on each must still be answered",
    },
];

const KINDS: [Kind; 7] = [
    Kind::Get,
    Kind::Form,
    Kind::Json,
    Kind::Range,
    Kind::Slowloris,
    Kind::Garbage,
    Kind::Idle,
];

fn kind_index(kind: Kind) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap()
}

/// How long a normal request may take before it counts as a timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's head timeout is 10 s from the first byte; a slowloris
/// connection must be answered (408) and closed within this.
const SLOWLORIS_LIMIT: Duration = Duration::from_secs(13);
/// Each posting thread keeps its last this many messages; older ones it
/// deletes (with the admin token). So the store stops growing once the
/// window is full, and the RSS check measures leaks, not data: the demo's
/// `/messages` renders every message, so its memory grows with the store.
const LIVE_WINDOW: usize = 20;
/// Connections per idle batch.
const IDLE_BATCH: usize = 20;
/// How often the server's memory is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------

/// What went wrong with one unit of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// A status the request should not get.
    Status,
    /// A response that is not well-framed HTTP/1.1.
    Framing,
    /// No (complete) answer in time.
    Timeout,
    /// Connect failed, the connection was reset or closed unexpectedly.
    Io,
    /// Well-framed, right status, wrong content.
    Content,
}

struct Fail {
    class: Class,
    detail: String,
}

fn fail(class: Class, detail: impl Into<String>) -> Fail {
    Fail {
        class,
        detail: detail.into(),
    }
}

/// The counters of one kind, shared by its threads.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    ok: AtomicU64,
    status: AtomicU64,
    framing: AtomicU64,
    timeouts: AtomicU64,
    io: AtomicU64,
    content: AtomicU64,
    /// Connections the server closed without an answer (garbage only; fine).
    quiet_closes: AtomicU64,
    max_us: AtomicU64,
    /// The first few failures, for the report.
    samples: Mutex<Vec<String>>,
}

impl Counters {
    /// Counts one unit of work, does it, and records how it went and how
    /// long it took. Returns whether it went well.
    fn run(&self, work: impl FnOnce() -> Result<(), Fail>) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let result = work();
        let ok = result.is_ok();
        self.record_took(started.elapsed(), result);
        ok
    }

    fn record_took(&self, took: Duration, result: Result<(), Fail>) {
        let us = took.as_micros() as u64;
        self.max_us.fetch_max(us, Ordering::Relaxed);
        match result {
            Ok(()) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(f) => {
                let counter = match f.class {
                    Class::Status => &self.status,
                    Class::Framing => &self.framing,
                    Class::Timeout => &self.timeouts,
                    Class::Io => &self.io,
                    Class::Content => &self.content,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let mut samples = self.samples.lock().unwrap();
                if samples.len() < 5 {
                    samples.push(format!("{:?}: {}", f.class, f.detail));
                }
            }
        }
    }

    fn errors(&self) -> u64 {
        [
            &self.status,
            &self.framing,
            &self.timeouts,
            &self.io,
            &self.content,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }

    fn to_json(&self) -> Value {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "requests": n(&self.requests),
            "ok": n(&self.ok),
            "unexpected_status": n(&self.status),
            "framing_errors": n(&self.framing),
            "timeouts": n(&self.timeouts),
            "io_errors": n(&self.io),
            "content_errors": n(&self.content),
            "quiet_closes": n(&self.quiet_closes),
            "max_ms": n(&self.max_us) as f64 / 1000.0,
            "samples": *self.samples.lock().unwrap(),
        })
    }
}

/// A message the server acknowledged.
#[derive(Clone, Debug)]
struct Acked {
    id: u64,
    name: String,
    email: Option<String>,
    message: String,
    via: &'static str,
}

/// What every load thread shares.
struct Ctx {
    addr: SocketAddr,
    deadline: Instant,
    secs: u64,
    counters: Vec<Counters>,
    acked: Mutex<Vec<Acked>>,
    /// Ids the soak deleted itself (a `204` to its DELETE).
    deleted: Mutex<Vec<u64>>,
    admin_token: String,
    css: Vec<u8>,
}

impl Ctx {
    fn counters(&self, kind: Kind) -> &Counters {
        &self.counters[kind_index(kind)]
    }
}

// ---------------------------------------------------------------------------
// Small tools: random numbers, pacing, encoding
// ---------------------------------------------------------------------------

/// xorshift64*: plenty for choosing requests.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ nanos) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Starts units of work at a fixed rate, never in a burst to catch up.
struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    fn new(per_sec: f64, rng: &mut Rng) -> Pacer {
        let interval = Duration::from_secs_f64(1.0 / per_sec);
        // Threads of one kind start spread over one interval.
        let offset = interval.mul_f64(rng.below(1000) as f64 / 1000.0);
        Pacer {
            interval,
            next: Instant::now() + offset,
        }
    }

    /// Sleeps until the next start; false once `deadline` has passed.
    fn wait(&mut self, deadline: Instant) -> bool {
        let now = Instant::now();
        if self.next > now {
            thread::sleep((self.next - now).min(deadline.saturating_duration_since(now)));
        }
        self.next = self.next.max(Instant::now()) + self.interval;
        Instant::now() < deadline
    }

    /// The most units one thread can start in `secs`: a hard bound on its loop.
    fn bound(per_sec: f64, secs: u64) -> u64 {
        (per_sec * secs as f64) as u64 + 2
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn snippet(bytes: &[u8]) -> String {
    let end = bytes.len().min(60);
    format!("{:?}", String::from_utf8_lossy(&bytes[..end]))
}

// ---------------------------------------------------------------------------
// A strict HTTP/1.1 client
// ---------------------------------------------------------------------------

/// A parsed response.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The server said `Connection: close`.
    close: bool,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response could be read.
enum ReadErr {
    /// The bytes are not a well-framed HTTP/1.1 response.
    Framing(String),
    /// Nothing (complete) arrived in time.
    Timeout,
    /// The server closed the connection before sending anything.
    Closed,
    /// The socket failed (a reset, most likely).
    Io(io::Error),
}

impl ReadErr {
    fn into_fail(self, what: &str) -> Fail {
        match self {
            ReadErr::Framing(m) => fail(Class::Framing, format!("{what}: {m}")),
            ReadErr::Timeout => fail(Class::Timeout, format!("{what}: no response in time")),
            ReadErr::Closed => fail(Class::Io, format!("{what}: closed before any response")),
            ReadErr::Io(e) => fail(Class::Io, format!("{what}: {e}")),
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

const STATUS_PREFIX: &[u8] = b"HTTP/1.1 ";
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Reads once, waiting at most until `deadline`; `Ok(0)` at the end of
    /// the stream.
    fn fill(&mut self, deadline: Instant) -> Result<usize, ReadErr> {
        let mut chunk = [0u8; 16 * 1024];
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ReadErr::Timeout);
            }
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(ReadErr::Io)?;
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Err(ReadErr::Timeout)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadErr::Io(e)),
            }
        }
        Err(ReadErr::Timeout)
    }

    /// Reads bytes for up to `wait`, without failing on a timeout: what the
    /// slowloris client does between two bytes. `Ok(true)` at the end of
    /// the stream.
    fn poll(&mut self, wait: Duration) -> Result<bool, ReadErr> {
        match self.fill(Instant::now() + wait) {
            Ok(0) => Ok(true),
            Ok(_) | Err(ReadErr::Timeout) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Reads one response, strictly. `pipelined`: more responses may follow
    /// (else any byte after this response is an error).
    fn read_response(&mut self, deadline: Instant, pipelined: bool) -> Result<Resp, ReadErr> {
        let head_end = loop {
            let n = self.buf.len().min(STATUS_PREFIX.len());
            if self.buf[..n] != STATUS_PREFIX[..n] {
                return Err(ReadErr::Framing(format!(
                    "not a status line: {}",
                    snippet(&self.buf)
                )));
            }
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                break end;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(ReadErr::Framing("response head over 64 KiB".into()));
            }
            if self.fill(deadline)? == 0 {
                return Err(if self.buf.is_empty() {
                    ReadErr::Closed
                } else {
                    ReadErr::Framing(format!(
                        "end of stream inside the head: {}",
                        snippet(&self.buf)
                    ))
                });
            }
        };
        let head: Vec<u8> = self.buf.drain(..head_end + 4).collect();
        let head = &head[..head_end];
        let (status, headers) = parse_head(head).map_err(ReadErr::Framing)?;

        let get = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect()
        };
        let dates = get("date");
        if dates.len() != 1 || !dates[0].ends_with(" GMT") {
            return Err(ReadErr::Framing(format!("Date header: {dates:?}")));
        }
        let lengths = get("content-length");
        let codings = get("transfer-encoding");
        let close = get("connection")
            .iter()
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        if lengths.len() > 1 {
            return Err(ReadErr::Framing(format!(
                "Content-Length repeated: {lengths:?}"
            )));
        }
        if !lengths.is_empty() && !codings.is_empty() {
            return Err(ReadErr::Framing(
                "both Content-Length and Transfer-Encoding".into(),
            ));
        }
        if codings.len() > 1
            || codings
                .first()
                .is_some_and(|c| !c.eq_ignore_ascii_case("chunked"))
        {
            return Err(ReadErr::Framing(format!("Transfer-Encoding: {codings:?}")));
        }
        let length = match lengths.first() {
            None => None,
            Some(v) => {
                if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ReadErr::Framing(format!("Content-Length: {v:?}")));
                }
                Some(v.parse::<usize>().unwrap())
            }
        };
        if (100..200).contains(&status) {
            return Err(ReadErr::Framing(format!(
                "unexpected {status} (no Expect was sent)"
            )));
        }
        let body = if status == 204 || status == 304 {
            if (status == 204) && (length.is_some_and(|l| l > 0) || !codings.is_empty()) {
                return Err(ReadErr::Framing("204 with a body length".into()));
            }
            Vec::new()
        } else if !codings.is_empty() {
            self.read_chunked(deadline)?
        } else if let Some(len) = length {
            if len > MAX_BODY {
                return Err(ReadErr::Framing(format!("Content-Length {len} too large")));
            }
            self.read_exact(len, deadline)?
        } else {
            return Err(ReadErr::Framing(format!(
                "{status} with neither Content-Length nor chunked framing"
            )));
        };
        if !close && !pipelined && !self.buf.is_empty() {
            return Err(ReadErr::Framing(format!(
                "{} unrequested bytes after the response: {}",
                self.buf.len(),
                snippet(&self.buf)
            )));
        }
        Ok(Resp {
            status,
            headers,
            body,
            close,
        })
    }

    fn read_exact(&mut self, len: usize, deadline: Instant) -> Result<Vec<u8>, ReadErr> {
        while self.buf.len() < len {
            if self.fill(deadline)? == 0 {
                return Err(ReadErr::Framing(format!(
                    "end of stream inside the body ({} of {len} bytes)",
                    self.buf.len()
                )));
            }
        }
        Ok(self.buf.drain(..len).collect())
    }

    /// One line up to CRLF (without it).
    fn read_line(&mut self, deadline: Instant) -> Result<Vec<u8>, ReadErr> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).take(end).collect();
                if line.contains(&b'\n') || line.contains(&b'\r') {
                    return Err(ReadErr::Framing("bare CR or LF in chunk framing".into()));
                }
                return Ok(line);
            }
            if self.buf.len() > 4096 {
                return Err(ReadErr::Framing("chunk line over 4 KiB".into()));
            }
            if self.fill(deadline)? == 0 {
                return Err(ReadErr::Framing(
                    "end of stream inside chunk framing".into(),
                ));
            }
        }
    }

    fn read_chunked(&mut self, deadline: Instant) -> Result<Vec<u8>, ReadErr> {
        let mut body = Vec::new();
        for _ in 0..1_000_000 {
            let line = self.read_line(deadline)?;
            let size_text = line.split(|&b| b == b';').next().unwrap_or(&[]);
            let size_text = std::str::from_utf8(size_text).unwrap_or("");
            if size_text.is_empty()
                || size_text.len() > 15
                || !size_text.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(ReadErr::Framing(format!(
                    "chunk size line {}",
                    snippet(&line)
                )));
            }
            let size = usize::from_str_radix(size_text, 16).unwrap();
            if size == 0 {
                // Trailers, then the empty line.
                for _ in 0..100 {
                    if self.read_line(deadline)?.is_empty() {
                        return Ok(body);
                    }
                }
                return Err(ReadErr::Framing("over 100 trailer lines".into()));
            }
            if body.len() + size > MAX_BODY {
                return Err(ReadErr::Framing("chunked body too large".into()));
            }
            body.extend(self.read_exact(size, deadline)?);
            if !self.read_line(deadline)?.is_empty() {
                return Err(ReadErr::Framing("chunk data not followed by CRLF".into()));
            }
        }
        Err(ReadErr::Framing("over a million chunks".into()))
    }

    /// After a `Connection: close` response: the server must close, with
    /// nothing more on the wire. A reset counts as a close.
    fn expect_close(&mut self, deadline: Instant) -> Result<(), Fail> {
        for _ in 0..1000 {
            if !self.buf.is_empty() {
                return Err(fail(
                    Class::Framing,
                    format!(
                        "bytes after a Connection: close response: {}",
                        snippet(&self.buf)
                    ),
                ));
            }
            match self.fill(deadline) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(ReadErr::Io(_)) => return Ok(()),
                Err(ReadErr::Timeout) => {
                    return Err(fail(Class::Timeout, "not closed after Connection: close"))
                }
                Err(e) => return Err(e.into_fail("waiting for the close")),
            }
        }
        Err(fail(
            Class::Framing,
            "endless bytes after Connection: close",
        ))
    }
}

/// Splits a head (without its final empty line) at each CRLF.
fn split_crlf(head: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + 1 < head.len() {
        if head[i] == b'\r' && head[i + 1] == b'\n' {
            lines.push(&head[start..i]);
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    lines.push(&head[start..]);
    lines
}

/// Status line and header fields, checked byte by byte.
fn parse_head(head: &[u8]) -> Result<(u16, Vec<(String, String)>), String> {
    let lines = split_crlf(head);
    if let Some(bad) = lines
        .iter()
        .find(|l| l.contains(&b'\r') || l.contains(&b'\n'))
    {
        return Err(format!("bare CR or LF in the head: {}", snippet(bad)));
    }
    let status_line = lines[0];
    let rest = status_line
        .strip_prefix(STATUS_PREFIX)
        .ok_or_else(|| format!("status line {}", snippet(status_line)))?;
    if rest.len() < 4
        || !rest[..3].iter().all(u8::is_ascii_digit)
        || rest[3] != b' '
        || rest[4..]
            .iter()
            .any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(format!("status line {}", snippet(status_line)));
    }
    let status: u16 = std::str::from_utf8(&rest[..3]).unwrap().parse().unwrap();
    if !(100..=599).contains(&status) {
        return Err(format!("status {status}"));
    }
    if lines.len() > 201 {
        return Err("over 200 header fields".into());
    }
    let mut headers = Vec::new();
    for line in &lines[1..] {
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| format!("header line without a colon: {}", snippet(line)))?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(format!("bad header name {}", snippet(name)));
        }
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(format!("control byte in header value {}", snippet(line)));
        }
        let value = String::from_utf8_lossy(value)
            .trim_matches([' ', '\t'])
            .to_string();
        headers.push((String::from_utf8_lossy(name).into_owned(), value));
    }
    Ok((status, headers))
}

fn get_request(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: soak\r\nUser-Agent: rung-soak\r\n{extra}\r\n")
        .into_bytes()
}

fn post_request(path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: soak\r\nUser-Agent: rung-soak\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A keep-alive connection that reconnects when needed.
struct KeepAlive {
    addr: SocketAddr,
    client: Option<Client>,
}

impl KeepAlive {
    fn new(addr: SocketAddr) -> KeepAlive {
        KeepAlive { addr, client: None }
    }

    /// Sends one request and reads its response. Any failure drops the
    /// connection (the next request opens a new one). A `Connection: close`
    /// is a failure too: nothing the soak sends should end a connection.
    fn exchange(&mut self, request: &[u8], what: &str) -> Result<Resp, Fail> {
        if self.client.is_none() {
            let client = Client::connect(self.addr)
                .map_err(|e| fail(Class::Io, format!("{what}: connect: {e}")))?;
            self.client = Some(client);
        }
        let client = self.client.as_mut().unwrap();
        let result = client
            .send(request)
            .map_err(|e| fail(Class::Io, format!("{what}: send: {e}")))
            .and_then(|()| {
                client
                    .read_response(Instant::now() + REQUEST_TIMEOUT, false)
                    .map_err(|e| e.into_fail(what))
            });
        match result {
            Ok(resp) if resp.close => {
                self.client = None;
                Err(fail(
                    Class::Io,
                    format!(
                        "{what}: {} with Connection: close on a keep-alive connection",
                        resp.status
                    ),
                ))
            }
            Ok(resp) => Ok(resp),
            Err(f) => {
                self.client = None;
                Err(f)
            }
        }
    }
}

fn expect_status(resp: &Resp, want: u16, what: &str) -> Result<(), Fail> {
    if resp.status == want {
        Ok(())
    } else {
        let text = resp.text();
        let end = text.char_indices().nth(120).map_or(text.len(), |(i, _)| i);
        Err(fail(
            Class::Status,
            format!(
                "{what}: {} (wanted {want}): {:?}",
                resp.status,
                &text[..end]
            ),
        ))
    }
}

// ---------------------------------------------------------------------------
// The kinds of client
// ---------------------------------------------------------------------------

fn get_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng) {
    let counters = ctx.counters(Kind::Get);
    let paths = [
        "/",
        "/about",
        "/messages",
        "/api/messages?limit=5",
        "/static/style.css",
    ];
    let mut conn = KeepAlive::new(ctx.addr);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    let first = rng.below(paths.len() as u64) as usize;
    for turn in 0..Pacer::bound(plan.per_sec, ctx.secs) as usize {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        let path = paths[(first + turn) % paths.len()];
        counters.run(|| {
            conn.exchange(&get_request(path, ""), path)
                .and_then(|resp| {
                    expect_status(&resp, 200, path)?;
                    let body_ok = match path {
                        "/" => resp.text().contains("<h1>Hello, world!</h1>"),
                        "/about" | "/messages" => resp.text().contains("</html>"),
                        "/static/style.css" => {
                            resp.body == ctx.css
                                && resp.header("content-type") == Some("text/css; charset=utf-8")
                        }
                        _ => serde_json::from_slice::<Value>(&resp.body)
                            .ok()
                            .and_then(|v| v.as_array().map(|a| a.len() <= 5))
                            .unwrap_or(false),
                    };
                    if body_ok {
                        Ok(())
                    } else {
                        Err(fail(Class::Content, format!("{path}: unexpected body")))
                    }
                })
        });
    }
}

/// Names and texts with what HTML and URLs treat specially.
const NAMES: &[&str] = &[
    "Ada",
    "Zoë & <b>Co</b>",
    "O'Brien \"quoted\"",
    "李小龙",
    "a+b=c; d%20e",
];
const WORDS: &[&str] = &[
    "hello",
    "<script>alert(1)</script>",
    "&amp;",
    "ünïcödé",
    "a\r\nb",
    "tab\there",
    "50%",
    "=&?",
    "emoji 🦀",
    "\"quotes\"",
    "'single'",
];

/// A valid message; the text is unique (thread, sequence number).
fn new_message(rng: &mut Rng, tag: &str) -> (String, Option<String>, String) {
    let name = format!("{} {tag}", rng.pick(NAMES));
    let email = (!rng.chance(3)).then(|| format!("soak.{tag}@example.org"));
    let mut message = format!("soak {tag}:");
    for _ in 0..1 + rng.below(12) {
        message.push(' ');
        message.push_str(rng.pick(WORDS));
    }
    (name, email, message)
}

fn multipart(fields: &[(&str, &str)], boundary: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// After a message was acknowledged: remember it, and once the thread has
/// more than [`LIVE_WINDOW`] live messages, delete its oldest (`204`, then
/// a `GET` of it must say `404`).
fn keep_window(ctx: &Ctx, kind: Kind, conn: &mut KeepAlive, live: &mut VecDeque<u64>, id: u64) {
    live.push_back(id);
    if live.len() <= LIVE_WINDOW {
        return;
    }
    let Some(oldest) = live.pop_front() else {
        return;
    };
    let counters = ctx.counters(kind);
    let path = format!("/api/messages/{oldest}");
    let request = format!(
        "DELETE {path} HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer {}\r\n\r\n",
        ctx.admin_token
    );
    let deleted = counters.run(|| {
        conn.exchange(request.as_bytes(), "DELETE /api/messages/ID")
            .and_then(|resp| expect_status(&resp, 204, "DELETE /api/messages/ID"))
    });
    if !deleted {
        return;
    }
    ctx.deleted.lock().unwrap().push(oldest);
    counters.run(|| {
        conn.exchange(&get_request(&path, ""), "GET /api/messages/ID after DELETE")
            .and_then(|resp| expect_status(&resp, 404, "GET /api/messages/ID after DELETE"))
    });
}

fn form_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng, thread_no: usize) {
    let counters = ctx.counters(Kind::Form);
    let mut conn = KeepAlive::new(ctx.addr);
    let mut live = VecDeque::new();
    let mut pacer = Pacer::new(plan.per_sec, rng);
    for seq in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        let multipart_body = seq % 2 == 1;
        let invalid = rng.chance(6);
        let tag = format!("f{thread_no}-{seq}");
        let (name, email, message) = new_message(rng, &tag);
        let email_field = email.clone().unwrap_or_default();
        let (email_field, message_field) = if invalid {
            match rng.below(2) {
                0 => (email_field, "   ".to_string()),
                _ => ("not-an-email".to_string(), message.clone()),
            }
        } else {
            (email_field, message.clone())
        };
        let fields = [
            ("name", name.as_str()),
            ("email", email_field.as_str()),
            ("message", message_field.as_str()),
        ];
        let request = if multipart_body {
            let boundary = format!("----soak{:016x}", rng.next());
            post_request(
                "/contact",
                &format!("multipart/form-data; boundary={boundary}"),
                &multipart(&fields, &boundary),
            )
        } else {
            let body = fields
                .iter()
                .map(|(k, v)| format!("{k}={}", percent_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            post_request(
                "/contact",
                "application/x-www-form-urlencoded",
                body.as_bytes(),
            )
        };
        let via = if multipart_body {
            "form (multipart)"
        } else {
            "form (urlencoded)"
        };
        let mut acked_id = None;
        counters.run(|| {
            conn.exchange(&request, via).and_then(|resp| {
                if invalid {
                    return expect_status(&resp, 422, via);
                }
                expect_status(&resp, 200, via)?;
                let text = resp.text();
                let thanks = format!("Thank you, {}!", escape_html(&name));
                let id = text.split_once("Your message #").and_then(|(_, rest)| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<u64>().ok()
                });
                match id {
                    Some(id) if text.contains(&thanks) => {
                        ctx.acked.lock().unwrap().push(Acked {
                            id,
                            name: name.clone(),
                            email: email.clone(),
                            message: message.clone(),
                            via,
                        });
                        acked_id = Some(id);
                        Ok(())
                    }
                    _ => Err(fail(
                        Class::Content,
                        format!("{via}: 200 without the thank-you text or the id"),
                    )),
                }
            })
        });
        if let Some(id) = acked_id {
            keep_window(ctx, Kind::Form, &mut conn, &mut live, id);
        }
    }
}

fn json_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng, thread_no: usize) {
    let counters = ctx.counters(Kind::Json);
    let mut conn = KeepAlive::new(ctx.addr);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    let mut last: Option<Acked> = None;
    let mut live = VecDeque::new();
    for seq in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        let tag = format!("j{thread_no}-{seq}");
        let (name, email, message) = new_message(rng, &tag);
        let mut created_id = None;
        counters.run(|| {
            if rng.chance(6) {
                // Bad requests: nothing may be stored.
                let (content_type, body, want): (&str, Vec<u8>, u16) = match rng.below(3) {
                    0 => ("application/json", b"{\"message\": \"cut".to_vec(), 400),
                    1 => ("text/plain", b"{\"message\":\"x\"}".to_vec(), 415),
                    _ => ("application/json", b"{\"message\":\"  \"}".to_vec(), 422),
                };
                conn.exchange(
                    &post_request("/api/messages", content_type, &body),
                    "bad POST /api/messages",
                )
                .and_then(|resp| expect_status(&resp, want, "bad POST /api/messages"))
            } else {
                let body = json!({ "name": name, "email": email, "message": message }).to_string();
                conn.exchange(
                    &post_request("/api/messages", "application/json", body.as_bytes()),
                    "POST /api/messages",
                )
                .and_then(|resp| {
                    expect_status(&resp, 201, "POST /api/messages")?;
                    let created: Value = serde_json::from_slice(&resp.body).map_err(|e| {
                        fail(
                            Class::Content,
                            format!("POST /api/messages: body not JSON: {e}"),
                        )
                    })?;
                    let id = created["id"].as_u64();
                    let same = created["name"] == json!(name)
                        && created["email"] == json!(email)
                        && created["message"] == json!(message);
                    match id {
                        Some(id)
                            if same
                                && resp.header("location")
                                    == Some(format!("/api/messages/{id}").as_str()) =>
                        {
                            let acked = Acked {
                                id,
                                name: name.clone(),
                                email: email.clone(),
                                message: message.clone(),
                                via: "JSON API",
                            };
                            ctx.acked.lock().unwrap().push(acked.clone());
                            last = Some(acked);
                            created_id = Some(id);
                            Ok(())
                        }
                        _ => Err(fail(
                            Class::Content,
                            format!("POST /api/messages: 201 body or Location wrong: {created}"),
                        )),
                    }
                })
            }
        });
        if let Some(id) = created_id {
            keep_window(ctx, Kind::Json, &mut conn, &mut live, id);
        }

        // Every 5th: read the last message back, and fail to delete it.
        if seq % 5 == 4 {
            if let Some(acked) = &last {
                let path = format!("/api/messages/{}", acked.id);
                counters.run(|| {
                    conn.exchange(&get_request(&path, ""), "GET /api/messages/ID")
                        .and_then(|resp| {
                            expect_status(&resp, 200, "GET /api/messages/ID")?;
                            let v: Value =
                                serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
                            if v["message"] == json!(acked.message) {
                                Ok(())
                            } else {
                                Err(fail(Class::Content, format!("GET {path}: {v}")))
                            }
                        })
                });

                let request = format!(
                    "DELETE {path} HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer wrong-token\r\n\r\n"
                );
                counters.run(|| {
                    conn.exchange(request.as_bytes(), "DELETE with a wrong token")
                        .and_then(|resp| expect_status(&resp, 401, "DELETE with a wrong token"))
                });
            }
        }
    }
}

fn range_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng) {
    let counters = ctx.counters(Kind::Range);
    let len = ctx.css.len() as u64;
    let mut conn = KeepAlive::new(ctx.addr);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    for _ in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        counters.run(|| {
            if rng.chance(10) {
                let start = len + rng.below(1000);
                let request =
                    get_request("/static/style.css", &format!("Range: bytes={start}-\r\n"));
                conn.exchange(&request, "range past the end")
                    .and_then(|resp| {
                        expect_status(&resp, 416, "range past the end")?;
                        if resp.header("content-range") == Some(format!("bytes */{len}").as_str()) {
                            Ok(())
                        } else {
                            Err(fail(
                                Class::Content,
                                "416 without Content-Range: bytes */LEN",
                            ))
                        }
                    })
            } else {
                let start = rng.below(len);
                let end = start + rng.below(len - start);
                let request = get_request(
                    "/static/style.css",
                    &format!("Range: bytes={start}-{end}\r\n"),
                );
                conn.exchange(&request, "range").and_then(|resp| {
                    expect_status(&resp, 206, "range")?;
                    let want_range = format!("bytes {start}-{end}/{len}");
                    if resp.header("content-range") != Some(want_range.as_str()) {
                        return Err(fail(
                            Class::Content,
                            format!(
                                "Content-Range {:?}, wanted {want_range}",
                                resp.header("content-range")
                            ),
                        ));
                    }
                    if resp.body != ctx.css[start as usize..=end as usize] {
                        return Err(fail(
                            Class::Content,
                            format!("bytes {start}-{end}: wrong bytes"),
                        ));
                    }
                    Ok(())
                })
            }
        });
    }
}

fn slowloris_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng) {
    let counters = ctx.counters(Kind::Slowloris);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    for _ in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        counters.run(|| slowloris_once(ctx, rng));
    }
}

/// One slowloris connection: bytes of a head that never ends, slowly. The
/// server must answer 408 and close within [`SLOWLORIS_LIMIT`] of the first
/// byte. (This one may run past the soak's end by that much at most.)
fn slowloris_once(ctx: &Ctx, rng: &mut Rng) -> Result<(), Fail> {
    let mut client =
        Client::connect(ctx.addr).map_err(|e| fail(Class::Io, format!("connect: {e}")))?;
    let mut head = b"GET /about HTTP/1.1\r\nHost: soak\r\nX-Slow: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 200));
    let first_byte = Instant::now();
    let limit = first_byte + SLOWLORIS_LIMIT;
    let mut answered = false;
    for &byte in &head {
        if Instant::now() >= limit {
            break;
        }
        if client.send(&[byte]).is_err() {
            // The server may reset a connection it closed; what it sent
            // before is still to read.
            break;
        }
        let pause = Duration::from_millis(300 + rng.below(700));
        match client.poll(pause.min(limit.saturating_duration_since(Instant::now()))) {
            Ok(ended) => {
                if ended || !client.buf.is_empty() {
                    answered = true;
                    break;
                }
            }
            Err(ReadErr::Io(e)) if client.buf.is_empty() => {
                return Err(fail(Class::Io, format!("reset without a 408: {e}")))
            }
            Err(_) => {
                answered = true;
                break;
            }
        }
    }
    if !answered && client.buf.is_empty() {
        // Wait out the rest of the limit without sending.
        match client.poll(limit.saturating_duration_since(Instant::now())) {
            Ok(_) | Err(ReadErr::Io(_)) => {}
            Err(e) => return Err(e.into_fail("slowloris")),
        }
    }
    if client.buf.is_empty() {
        return Err(if Instant::now() >= limit {
            fail(
                Class::Timeout,
                format!(
                    "no 408 within {} s of the first byte",
                    SLOWLORIS_LIMIT.as_secs()
                ),
            )
        } else {
            fail(Class::Io, "closed without a 408")
        });
    }
    let resp = client
        .read_response(limit.max(Instant::now() + Duration::from_secs(2)), false)
        .map_err(|e| e.into_fail("slowloris"))?;
    expect_status(&resp, 408, "slowloris")?;
    if !resp.close {
        return Err(fail(Class::Framing, "408 without Connection: close"));
    }
    client.expect_close(Instant::now() + Duration::from_secs(3))?;
    if first_byte.elapsed() > SLOWLORIS_LIMIT {
        return Err(fail(
            Class::Timeout,
            format!(
                "408 and close after {:.1} s",
                first_byte.elapsed().as_secs_f64()
            ),
        ));
    }
    Ok(())
}

fn garbage_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng) {
    let counters = ctx.counters(Kind::Garbage);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    for _ in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let mut last_answer = None;
        let result = garbage_once(ctx, rng, &mut last_answer);
        // The pause watching for more answers is not the server's time.
        let took = last_answer.unwrap_or_else(Instant::now) - started;
        let result = match result {
            Ok(true) => Ok(()),
            Ok(false) => {
                counters.quiet_closes.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(f) => Err(f),
        };
        counters.record_took(took, result);
    }
}

/// One hostile connection. `Ok(true)`: answered as it should be;
/// `Ok(false)`: closed without an answer (allowed). `last_answer`: when
/// the last answer was read.
fn garbage_once(ctx: &Ctx, rng: &mut Rng, last_answer: &mut Option<Instant>) -> Result<bool, Fail> {
    const VALID: &[u8] = b"GET /about HTTP/1.1\r\nHost: soak\r\nAccept: */*\r\n\r\n";
    let variant = rng.below(7);
    let mut half_close = rng.chance(3);
    // Which statuses are right. Errors only, except for a mutated valid
    // request, which may have stayed valid.
    let mut any_status = false;
    let bytes: Vec<u8> = match variant {
        // Random bytes, then the end of a head.
        0 => {
            let n = 1 + rng.below(4096) as usize;
            let mut b = rng.bytes(n);
            b.extend_from_slice(b"\r\n\r\n");
            b
        }
        // Random bytes and a half-close: no end of head ever comes.
        1 => {
            half_close = true;
            let n = 1 + rng.below(4096) as usize;
            rng.bytes(n)
        }
        // A junk request line and junk header lines (which may, by
        // chance, make a valid request).
        2 => {
            any_status = true;
            let method = rng.pick(&["GET", "BREW", "G\0T", "get", "PRI", "POST"]);
            let target = rng.pick(&["/", "*", "/%00", "/%zz", "//../../etc/passwd", "/a b", "http://x/"]);
            let version = rng.pick(&["HTTP/1.1", "HTTP/2.0", "HTTP/1.10", "HTTP/9", "HTTPS/1.1", ""]);
            let mut b = format!("{method} {target} {version}\r\n").into_bytes();
            for _ in 0..rng.below(5) {
                let line: &[u8] = rng.pick(&[
                    b"Host: soak".as_slice(),
                    b"Host: a\r\nHost: b",
                    b"no colon here",
                    b" folded: continuation",
                    b"X-Nul: a\0b",
                    b"Bad Name: x",
                    b": empty name",
                    b"Content-Length: -1",
                ]);
                b.extend_from_slice(line);
                b.extend_from_slice(b"\r\n");
            }
            b.extend_from_slice(b"\r\n");
            b
        }
        // A valid request with a few bytes flipped (its end kept, so that
        // the head is complete).
        3 => {
            any_status = true;
            let mut b = VALID.to_vec();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below((b.len() - 4) as u64) as usize;
                b[at] = rng.next() as u8;
            }
            b
        }
        // A head over the 16 KiB limit.
        4 => {
            let mut b = b"GET / HTTP/1.1\r\nHost: soak\r\nX-Pad: ".to_vec();
            b.extend(std::iter::repeat_n(b'a', 20_000));
            b.extend_from_slice(b"\r\n\r\n");
            b
        }
        // Smuggling attempts and bad framing.
        5 => rng
            .pick(&[
                b"POST /api/messages HTTP/1.1\r\nHost: soak\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /boom HTTP/1.1\r\nHost: soak\r\n\r\n".as_slice(),
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nContent-Length: +5\r\n\r\nhello",
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: gzip\r\n\r\nxx",
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nContent-Length: 99999999999999999999\r\n\r\n",
                b"POST /contact HTTP/1.1\r\nHost: soak\r\nContent-Length: 2000000\r\n\r\n",
                b"GET / HTTP/1.1\r\n\r\n",
            ])
            .to_vec(),
        // Binary junk that starts like a request.
        _ => {
            any_status = true;
            let mut b = b"GET /".to_vec();
            let n = rng.below(512) as usize;
            b.extend(rng.bytes(n));
            b.extend_from_slice(b" HTTP/1.1\r\nHost: soak\r\n\r\n");
            b
        }
    };
    let mut client =
        Client::connect(ctx.addr).map_err(|e| fail(Class::Io, format!("connect: {e}")))?;
    if let Err(e) = client.send(&bytes) {
        // The server may close on the first bad byte and reset the rest.
        return match e.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => Ok(false),
            _ => Err(fail(Class::Io, format!("garbage {variant}: send: {e}"))),
        };
    }
    if half_close {
        let _ = client.stream.shutdown(Shutdown::Write);
    }
    let what = format!("garbage {variant}");
    // A mutated request may have become two (a bare LF ends a head early),
    // so answers are read until a close, the end of the stream, or a pause.
    let mut answered = false;
    for _ in 0..10 {
        let wait = if answered {
            Duration::from_millis(300)
        } else {
            SLOWLORIS_LIMIT
        };
        match client.read_response(Instant::now() + wait, true) {
            Ok(resp) => {
                let allowed = (400..500).contains(&resp.status)
                    || resp.status == 501
                    || resp.status == 505
                    || (any_status && resp.status < 500);
                if !allowed {
                    return Err(fail(
                        Class::Status,
                        format!("{what}: {} for {}", resp.status, snippet(&bytes)),
                    ));
                }
                answered = true;
                *last_answer = Some(Instant::now());
                if resp.close {
                    client.expect_close(Instant::now() + Duration::from_secs(5))?;
                    return Ok(true);
                }
            }
            // A pause after an answer on a connection that stays open.
            Err(ReadErr::Timeout) if answered => return Ok(true),
            Err(ReadErr::Closed) => return Ok(answered),
            Err(ReadErr::Io(e)) if client.buf.is_empty() => {
                return if e.kind() == io::ErrorKind::ConnectionReset {
                    Ok(answered)
                } else {
                    Err(fail(Class::Io, format!("{what}: {e}")))
                }
            }
            Err(e) => return Err(e.into_fail(&format!("{what} ({})", snippet(&bytes)))),
        }
    }
    Ok(true)
}

fn idle_worker(ctx: &Ctx, plan: &Plan, rng: &mut Rng) {
    let counters = ctx.counters(Kind::Idle);
    let mut pacer = Pacer::new(plan.per_sec, rng);
    for _ in 0..Pacer::bound(plan.per_sec, ctx.secs) {
        if !pacer.wait(ctx.deadline) {
            break;
        }
        // Open the batch; most send one request first.
        let mut held = Vec::with_capacity(IDLE_BATCH);
        for _ in 0..IDLE_BATCH {
            let mut conn = KeepAlive::new(ctx.addr);
            let ok = counters.run(|| {
                if rng.chance(4) {
                    match Client::connect(ctx.addr) {
                        Ok(c) => {
                            conn.client = Some(c);
                            Ok(())
                        }
                        Err(e) => Err(fail(Class::Io, format!("idle connect: {e}"))),
                    }
                } else {
                    conn.exchange(&get_request("/about", ""), "idle: first GET")
                        .and_then(|resp| expect_status(&resp, 200, "idle: first GET"))
                }
            });
            if ok {
                held.push(conn);
            }
        }
        // Hold them (less than the 60 s idle timeout), then use each again.
        let hold = Duration::from_secs(5 + rng.below(26));
        let until = (Instant::now() + hold).min(ctx.deadline);
        thread::sleep(until.saturating_duration_since(Instant::now()));
        for conn in &mut held {
            counters.run(|| {
                conn.exchange(&get_request("/", ""), "idle: GET after holding")
                    .and_then(|resp| expect_status(&resp, 200, "idle: GET after holding"))
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Checks: memory, workers, messages
// ---------------------------------------------------------------------------

/// `VmRSS` (KiB) and `Threads` of a process; `None` once it is gone.
fn proc_status(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    // A zombie has no VmRSS: it is gone as far as serving goes.
    Some((field("VmRSS:")?, field("Threads:")?))
}

/// N concurrent `/sleep?ms=500`: with N free workers they all finish in
/// about 500 ms; a lost worker makes one of them wait a second turn.
fn sleep_check(addr: SocketAddr, n: usize) -> Value {
    let barrier = Arc::new(Barrier::new(n + 1));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || -> Result<(), String> {
                let client = Client::connect(addr);
                barrier.wait();
                let mut client = client.map_err(|e| format!("connect: {e}"))?;
                client
                    .send(&get_request("/sleep?ms=500", "Connection: close\r\n"))
                    .map_err(|e| format!("send: {e}"))?;
                let resp = client
                    .read_response(Instant::now() + Duration::from_secs(15), false)
                    .map_err(|e| e.into_fail("/sleep").detail)?;
                if resp.status == 200 {
                    Ok(())
                } else {
                    Err(format!("status {}", resp.status))
                }
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let mut ok = 0;
    let mut errors = Vec::new();
    for h in handles {
        match h.join() {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("client thread panicked".into()),
        }
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Serialized would be n × 500 ms; one worker short is 1000 ms.
    let pass = ok == n && wall_ms < 900.0;
    json!({ "requests": n, "ok": ok, "wall_ms": wall_ms, "pass": pass, "errors": errors })
}

/// Every message the API lists, paging with `limit=1000`.
fn api_messages(addr: SocketAddr) -> Result<BTreeMap<u64, Value>, String> {
    let mut conn = KeepAlive::new(addr);
    let mut all = BTreeMap::new();
    let mut last_id = 0;
    for page in 0..10_000u64 {
        let path = format!("/api/messages?limit=1000&offset={}", page * 1000);
        let resp = conn
            .exchange(&get_request(&path, ""), &path)
            .map_err(|f| f.detail)?;
        if resp.status != 200 {
            return Err(format!("{path}: status {}", resp.status));
        }
        let list: Vec<Value> =
            serde_json::from_slice(&resp.body).map_err(|e| format!("{path}: {e}"))?;
        let count = list.len();
        for m in list {
            let id = m["id"]
                .as_u64()
                .ok_or_else(|| format!("{path}: message without id"))?;
            if id <= last_id {
                return Err(format!("{path}: ids not increasing ({last_id} then {id})"));
            }
            last_id = id;
            all.insert(id, m);
        }
        if count < 1000 {
            return Ok(all);
        }
    }
    Err("over 10,000 pages".into())
}

/// Every live message in the store file (tombstones applied).
fn store_messages(data_dir: &Path) -> Result<BTreeMap<u64, Value>, String> {
    let path = data_dir.join("messages.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut all = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("{} line {}: {e}", path.display(), n + 1))?;
        if let Some(id) = v["deleted"].as_u64() {
            all.remove(&id);
        } else if let Some(id) = v["id"].as_u64() {
            if all.insert(id, v).is_some() {
                return Err(format!("{}: id {id} stored twice", path.display()));
            }
        }
    }
    Ok(all)
}

/// How many acknowledged messages are found, identical, in `found`, and
/// whether the ones the soak deleted are gone.
fn compare(acked: &[Value], found: &Result<BTreeMap<u64, Value>, String>) -> Value {
    let found = match found {
        Ok(found) => found,
        Err(e) => return json!({ "found": 0, "error": e, "total": 0 }),
    };
    let (mut ok, mut gone) = (0, 0);
    let mut missing = Vec::new();
    let mut different = Vec::new();
    let mut not_deleted = Vec::new();
    for a in acked {
        let id = a["id"].as_u64().unwrap_or(0);
        let deleted = a["deleted"].as_bool().unwrap_or(false);
        match found.get(&id) {
            None if deleted => gone += 1,
            None => missing.push(id),
            Some(_) if deleted => not_deleted.push(id),
            Some(m)
                if m["name"] == a["name"]
                    && m["email"] == a["email"]
                    && m["message"] == a["message"] =>
            {
                ok += 1
            }
            Some(_) => different.push(id),
        }
    }
    missing.truncate(20);
    different.truncate(20);
    not_deleted.truncate(20);
    json!({
        "found": ok,
        "deleted_gone": gone,
        "total": found.len(),
        "missing_ids": missing,
        "different_ids": different,
        "deleted_but_present_ids": not_deleted,
    })
}

// ---------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------

struct Args(HashMap<String, Vec<String>>);

impl Args {
    fn parse(args: &[String]) -> Result<Args, String> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let mut it = args.iter();
        while let Some(key) = it.next() {
            let key = key
                .strip_prefix("--")
                .ok_or_else(|| format!("expected --option, got {key:?}"))?;
            let value = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
            map.entry(key.to_string()).or_default().push(value.clone());
        }
        Ok(Args(map))
    }

    fn get(&self, key: &str) -> Result<&str, String> {
        self.0
            .get(key)
            .and_then(|v| v.last())
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{key}"))
    }

    fn opt(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.last()).map(String::as_str)
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0.get(key).cloned().unwrap_or_default()
    }

    fn addr(&self) -> Result<SocketAddr, String> {
        let text = self.get("addr")?;
        let addr = text
            .to_socket_addrs()
            .map_err(|e| format!("--addr {text}: {e}"))?
            .next()
            .ok_or_else(|| format!("--addr {text}: no address"))?;
        if !addr.ip().is_loopback() {
            return Err(format!("--addr {text}: the soak only runs on loopback"));
        }
        Ok(addr)
    }

    fn number(&self, key: &str) -> Result<u64, String> {
        let text = self.get(key)?;
        text.parse()
            .map_err(|_| format!("--{key} {text}: not a number"))
    }
}

fn load(args: &Args) -> Result<(), String> {
    let addr = args.addr()?;
    let pid = args.number("pid")? as u32;
    let secs = args.number("secs")?.max(10);
    let workers = args.number("workers")? as usize;
    let data_dir = Path::new(args.get("data-dir")?).to_path_buf();
    let state_path = args.get("state")?.to_string();
    let css = std::fs::read(args.get("static-file")?).map_err(|e| format!("--static-file: {e}"))?;
    // RSS after this long is the baseline: the first third of the run.
    // A server settles first: its worker threads touch more of their stacks
    // and of the heap as they happen to serve each kind of request (with
    // the demo's malloc settings, measured: level within the first minute).
    // A leak keeps rising in the last two thirds; settling does not.
    let warmup = (secs / 3).max(10);

    eprintln!("soak: checking {workers} concurrent /sleep?ms=500 before the load...");
    let check_before = sleep_check(addr, workers);
    eprintln!("soak: {check_before}");

    let start = Instant::now();
    let ctx = Arc::new(Ctx {
        addr,
        deadline: start + Duration::from_secs(secs),
        secs,
        counters: KINDS.iter().map(|_| Counters::default()).collect(),
        acked: Mutex::new(Vec::new()),
        deleted: Mutex::new(Vec::new()),
        admin_token: args.get("admin-token")?.to_string(),
        css,
    });

    // The memory sampler.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (ctx, stop) = (ctx.clone(), stop.clone());
        thread::spawn(move || {
            let mut samples: Vec<(f64, Option<(u64, u64)>)> = Vec::new();
            let mut next = Instant::now();
            let mut last_print = Instant::now();
            for _ in 0..(secs / SAMPLE_EVERY.as_secs() + 10) * 50 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if Instant::now() >= next {
                    let status = proc_status(pid);
                    samples.push((start.elapsed().as_secs_f64(), status));
                    next += SAMPLE_EVERY;
                    if status.is_none() {
                        eprintln!("soak: the server (pid {pid}) is gone!");
                    }
                    if last_print.elapsed() >= Duration::from_secs(30) {
                        last_print = Instant::now();
                        let done: u64 = ctx
                            .counters
                            .iter()
                            .map(|c| c.requests.load(Ordering::Relaxed))
                            .sum();
                        let errors: u64 = ctx.counters.iter().map(Counters::errors).sum();
                        eprintln!(
                            "soak: {:>4.0} s: {done} units of work, {errors} errors, RSS {} KiB",
                            start.elapsed().as_secs_f64(),
                            status.map_or(0, |s| s.0)
                        );
                    }
                }
                thread::sleep(Duration::from_millis(100));
            }
            samples
        })
    };

    eprintln!("soak: load for {secs} s ({warmup} s of warm-up)...");
    // `--only A,B`: just the kinds whose names start with A or B (to find
    // which kind of client something depends on).
    let only: Vec<&str> = args.opt("only").unwrap_or("").split(',').collect();
    let mut handles = Vec::new();
    for plan in PLAN
        .iter()
        .filter(|p| only.iter().any(|o| p.kind.name().starts_with(o)))
    {
        for t in 0..plan.threads {
            let ctx = ctx.clone();
            let seed = (kind_index(plan.kind) * 100 + t) as u64;
            handles.push(thread::spawn(move || {
                let mut rng = Rng::new(seed);
                match plan.kind {
                    Kind::Get => get_worker(&ctx, plan, &mut rng),
                    Kind::Form => form_worker(&ctx, plan, &mut rng, t),
                    Kind::Json => json_worker(&ctx, plan, &mut rng, t),
                    Kind::Range => range_worker(&ctx, plan, &mut rng),
                    Kind::Slowloris => slowloris_worker(&ctx, plan, &mut rng),
                    Kind::Garbage => garbage_worker(&ctx, plan, &mut rng),
                    Kind::Idle => idle_worker(&ctx, plan, &mut rng),
                }
            }));
        }
    }
    let load_threads = handles.len();
    let mut panicked = 0;
    for h in handles {
        if h.join().is_err() {
            panicked += 1;
        }
    }
    let load_secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut samples = sampler.join().unwrap_or_default();
    let end_status = proc_status(pid);
    samples.push((start.elapsed().as_secs_f64(), end_status));
    let alive_throughout = samples.iter().all(|(_, s)| s.is_some());
    eprintln!("soak: load done after {load_secs:.0} s; checking workers and messages...");

    let check_after = sleep_check(addr, workers);
    eprintln!("soak: {check_after}");

    let deleted = ctx.deleted.lock().unwrap().clone();
    let acked: Vec<Value> = ctx
        .acked
        .lock()
        .unwrap()
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "name": a.name, "email": a.email, "message": a.message,
                "via": a.via, "deleted": deleted.contains(&a.id),
            })
        })
        .collect();
    let mut ids: Vec<u64> = acked.iter().filter_map(|a| a["id"].as_u64()).collect();
    ids.sort_unstable();
    let unique_ids = ids.windows(2).all(|w| w[0] != w[1]);
    let in_api = compare(&acked, &api_messages(addr));
    let in_store = compare(&acked, &store_messages(&data_dir));

    let baseline = samples
        .iter()
        .find(|(t, _)| *t >= warmup as f64)
        .and_then(|(_, s)| *s)
        .map(|s| s.0);
    let state = json!({
        "secs": secs,
        "load_secs": load_secs,
        "warmup_secs": warmup,
        "workers": workers,
        "load_threads": load_threads,
        "load_threads_panicked": panicked,
        "plan": PLAN.iter().map(|p| json!({
            "kind": p.kind.name(), "threads": p.threads, "per_sec": p.per_sec, "what": p.what,
        })).collect::<Vec<_>>(),
        "kinds": KINDS.iter().zip(&ctx.counters).map(|(k, c)| {
            let mut v = c.to_json();
            v["kind"] = json!(k.name());
            v
        }).collect::<Vec<_>>(),
        "rss": samples.iter().map(|(t, s)| json!({
            "t": t, "rss_kib": s.map(|s| s.0), "threads": s.map(|s| s.1),
        })).collect::<Vec<_>>(),
        "rss_baseline_kib": baseline,
        "rss_end_kib": end_status.map(|s| s.0),
        "threads_start": samples.first().and_then(|(_, s)| *s).map(|s| s.1),
        "threads_end": end_status.map(|s| s.1),
        "alive_throughout": alive_throughout,
        "sleep_check_before": check_before,
        "sleep_check_after": check_after,
        "acked": acked,
        "acked_ids_unique": unique_ids,
        "before_restart": { "api": in_api, "store": in_store },
    });
    std::fs::write(&state_path, serde_json::to_string_pretty(&state).unwrap())
        .map_err(|e| format!("{state_path}: {e}"))?;
    eprintln!(
        "soak: {} messages acknowledged, {} deleted by the soak; found in the API {}, in the store {}",
        state["acked"].as_array().map_or(0, Vec::len),
        deleted.len(),
        state["before_restart"]["api"]["found"],
        state["before_restart"]["store"]["found"]
    );
    Ok(())
}

fn read_state(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn verify(args: &Args) -> Result<(), String> {
    let addr = args.addr()?;
    let state_path = args.get("state")?;
    let data_dir = Path::new(args.get("data-dir")?);
    let mut state = read_state(state_path)?;
    let acked = state["acked"].as_array().cloned().unwrap_or_default();
    let in_api = compare(&acked, &api_messages(addr));
    let in_store = compare(&acked, &store_messages(data_dir));
    eprintln!(
        "soak: after the restart: of {} acknowledged messages, found in the API {} (deleted and gone {}), in the store {} (deleted and gone {})",
        acked.len(),
        in_api["found"],
        in_api["deleted_gone"],
        in_store["found"],
        in_store["deleted_gone"]
    );
    state["after_restart"] = json!({ "api": in_api, "store": in_store });
    std::fs::write(state_path, serde_json::to_string_pretty(&state).unwrap())
        .map_err(|e| format!("{state_path}: {e}"))
}

fn report(args: &Args) -> Result<bool, String> {
    let state = read_state(args.get("state")?)?;
    let out = args.get("out")?;
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let mut failures: Vec<String> = Vec::new();
    let mut md = String::new();
    let mut line = |s: String| {
        md.push_str(&s);
        md.push('\n');
    };

    // The verdict's ingredients.
    let alive_at_end = args.opt("alive-at-end") == Some("yes");
    let exit_code = args.opt("exit-code").unwrap_or("?").to_string();
    let restart_exit_code = args.opt("restart-exit-code").unwrap_or("?").to_string();
    if !state["alive_throughout"].as_bool().unwrap_or(false) || !alive_at_end {
        failures.push("the server died during the soak".into());
    }
    if exit_code != "0" {
        failures.push(format!("the server exited {exit_code} on SIGTERM, not 0"));
    }
    if restart_exit_code != "0" {
        failures.push(format!(
            "the restarted server exited {restart_exit_code} on SIGTERM, not 0"
        ));
    }
    let mut panics = 0;
    let mut log_errors = 0;
    let mut log_samples = Vec::new();
    for log in args.all("server-log") {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for l in text.lines() {
            let is_panic = l.contains("panicked");
            if is_panic {
                panics += 1;
            }
            if l.contains("ERROR") {
                log_errors += 1;
            }
            if (is_panic || l.contains("ERROR")) && log_samples.len() < 5 {
                log_samples.push(l.to_string());
            }
        }
    }
    if panics > 0 {
        failures.push(format!("{panics} panic(s) in the server log"));
    }
    let kinds = state["kinds"].as_array().cloned().unwrap_or_default();
    let total = |key: &str| kinds.iter().map(|k| n(&k[key])).sum::<u64>();
    for (key, what) in [
        ("unexpected_status", "unexpected statuses"),
        ("framing_errors", "framing errors"),
        ("timeouts", "timeouts"),
        ("io_errors", "connection errors"),
        ("content_errors", "wrong contents"),
    ] {
        if total(key) > 0 {
            failures.push(format!("{} {what}", total(key)));
        }
    }
    if n(&state["load_threads_panicked"]) > 0 {
        failures.push("a load thread panicked".into());
    }
    let check = &state["sleep_check_after"];
    if !check["pass"].as_bool().unwrap_or(false) {
        failures.push(format!(
            "after the soak, {} concurrent /sleep?ms=500: {} ok in {:.0} ms",
            n(&check["requests"]),
            n(&check["ok"]),
            check["wall_ms"].as_f64().unwrap_or(0.0)
        ));
    }
    let (threads_start, threads_end) = (&state["threads_start"], &state["threads_end"]);
    if threads_start != threads_end {
        failures.push(format!(
            "server threads: {threads_start} at the start, {threads_end} at the end"
        ));
    }
    let baseline = n(&state["rss_baseline_kib"]);
    let end = n(&state["rss_end_kib"]);
    let growth = if baseline > 0 {
        (end as f64 - baseline as f64) / baseline as f64 * 100.0
    } else {
        f64::NAN
    };
    if growth.is_nan() || growth > 10.0 {
        failures.push(format!(
            "RSS grew {growth:.1} % after the warm-up (limit 10 %)"
        ));
    }
    let acked_list = state["acked"].as_array().cloned().unwrap_or_default();
    let acked = acked_list.len() as u64;
    let deleted = acked_list
        .iter()
        .filter(|a| a["deleted"] == json!(true))
        .count() as u64;
    let live = acked - deleted;
    if !state["acked_ids_unique"].as_bool().unwrap_or(false) {
        failures.push("two acknowledged messages share an id".into());
    }
    for (when, label) in [
        ("before_restart", "before the restart"),
        ("after_restart", "after the restart"),
    ] {
        for (place, place_label) in [("api", "API"), ("store", "store file")] {
            let r = &state[when][place];
            if n(&r["found"]) != live || r.get("error").is_some() {
                failures.push(format!(
                    "{label}, {place_label}: {} of {live} acknowledged (and not deleted) messages found{}; missing {}, different {}",
                    n(&r["found"]),
                    r.get("error").map_or(String::new(), |e| format!(" ({e})")),
                    r["missing_ids"],
                    r["different_ids"],
                ));
            }
            if n(&r["deleted_gone"]) != deleted {
                failures.push(format!(
                    "{label}, {place_label}: deleted messages still there: {}",
                    r["deleted_but_present_ids"]
                ));
            }
        }
    }
    let verdict = if failures.is_empty() { "PASS" } else { "FAIL" };

    // The report.
    let secs = n(&state["secs"]);
    line("# Soak test".into());
    line(String::new());
    line(format!(
        "Produced by `bash bench/soak.sh` on {}: {} s of mixed load on the demo site (release build, {} worker threads), {} client threads, loopback. **Verdict: {verdict}.**",
        args.opt("date").unwrap_or("?"),
        secs,
        n(&state["workers"]),
        n(&state["load_threads"]),
    ));
    line(String::new());
    if !failures.is_empty() {
        line("Failed checks:".into());
        line(String::new());
        for f in &failures {
            line(format!("- {f}"));
        }
        line(String::new());
    }
    line("## Checks".into());
    line(String::new());
    line("| check | result |".into());
    line("| --- | --- |".into());
    let yes = |b: bool| if b { "yes" } else { "**no**" };
    line(format!(
        "| server alive to the end (RSS sampled every {} s) | {} |",
        SAMPLE_EVERY.as_secs(),
        yes(state["alive_throughout"].as_bool().unwrap_or(false) && alive_at_end)
    ));
    line(format!(
        "| exit code on SIGTERM (then after the restart) | {exit_code} ({restart_exit_code}) |"
    ));
    line(format!(
        "| panics / ERROR lines in the server log | {panics} / {log_errors} |"
    ));
    for (key, label) in [
        ("sleep_check_before", "before"),
        ("sleep_check_after", "after"),
    ] {
        let c = &state[key];
        line(format!(
            "| {} concurrent `/sleep?ms=500` {label} the load | {} ok, all done in {:.0} ms |",
            n(&c["requests"]),
            n(&c["ok"]),
            c["wall_ms"].as_f64().unwrap_or(0.0)
        ));
    }
    line(format!(
        "| server threads at the start / end | {threads_start} / {threads_end} |"
    ));
    line(format!(
        "| RSS after the {} s warm-up → at the end | {} → {} KiB ({growth:+.1} %, limit +10 %) |",
        n(&state["warmup_secs"]),
        baseline,
        end
    ));
    line(format!("| framing errors | {} |", total("framing_errors")));
    for (when, label) in [
        ("before_restart", "before the restart"),
        ("after_restart", "after a restart"),
    ] {
        let r = &state[when];
        line(format!(
            "| acknowledged messages found {label}, identical: API / store file | {} / {} of {live} |",
            n(&r["api"]["found"]),
            n(&r["store"]["found"]),
        ));
        line(format!(
            "| messages the soak deleted, gone {label}: API / store file | {} / {} of {deleted} |",
            n(&r["api"]["deleted_gone"]),
            n(&r["store"]["deleted_gone"]),
        ));
    }
    line(String::new());
    line("## Requests per kind".into());
    line(String::new());
    line("\"requests\" counts units of work: a request, or for slowloris and garbage a connection. Errors: unexpected status, framing (not well-framed HTTP/1.1), timeout, connection (connect failed, reset, closed unexpectedly), content (right status, wrong body).".into());
    line(String::new());
    line("| kind | threads | requests | ok | status | framing | timeout | connection | content | slowest (ms) |".into());
    line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |".into());
    let plan = state["plan"].as_array().cloned().unwrap_or_default();
    for (k, p) in kinds.iter().zip(&plan) {
        line(format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            k["kind"].as_str().unwrap_or("?"),
            n(&p["threads"]),
            n(&k["requests"]),
            n(&k["ok"]),
            n(&k["unexpected_status"]),
            n(&k["framing_errors"]),
            n(&k["timeouts"]),
            n(&k["io_errors"]),
            n(&k["content_errors"]),
            k["max_ms"].as_f64().unwrap_or(0.0),
        ));
    }
    line(format!(
        "| **total** | {} | {} | {} | {} | {} | {} | {} | {} | |",
        n(&state["load_threads"]),
        total("requests"),
        total("ok"),
        total("unexpected_status"),
        total("framing_errors"),
        total("timeouts"),
        total("io_errors"),
        total("content_errors"),
    ));
    line(String::new());
    let garbage_quiet = kinds
        .iter()
        .find(|k| k["kind"] == json!(Kind::Garbage.name()))
        .map_or(0, |k| n(&k["quiet_closes"]));
    line(format!(
        "Garbage connections the server closed without a response (allowed): {garbage_quiet}."
    ));
    let samples: Vec<String> = kinds
        .iter()
        .flat_map(|k| {
            let kind = k["kind"].as_str().unwrap_or("?").to_string();
            k["samples"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |s| format!("- {kind}: {}", s.as_str().unwrap_or("")))
        })
        .collect();
    if !samples.is_empty() {
        line(String::new());
        line("First errors:".into());
        line(String::new());
        for s in samples {
            line(s);
        }
    }
    if !log_samples.is_empty() {
        line(String::new());
        line("Server log (first panics / errors):".into());
        line(String::new());
        for s in &log_samples {
            line(format!("    {s}"));
        }
    }
    line(String::new());
    line("## The mix".into());
    line(String::new());
    line("| kind | threads | each starts | what |".into());
    line("| --- | ---: | ---: | --- |".into());
    for p in &plan {
        line(format!(
            "| {} | {} | {}/s | {} |",
            p["kind"].as_str().unwrap_or("?"),
            n(&p["threads"]),
            p["per_sec"],
            p["what"].as_str().unwrap_or("")
        ));
    }
    line(String::new());
    line("## Memory (VmRSS of the server)".into());
    line(String::new());
    let step = if secs >= 300 { 60.0 } else { 10.0 };
    line("| time (s) | RSS (KiB) | threads |".into());
    line("| ---: | ---: | ---: |".into());
    let rss = state["rss"].as_array().cloned().unwrap_or_default();
    let mut next_t = 0.0;
    for (i, s) in rss.iter().enumerate() {
        let t = s["t"].as_f64().unwrap_or(0.0);
        let last = i + 1 == rss.len();
        if t + 0.5 >= next_t || last {
            line(format!(
                "| {:.0} | {} | {} |",
                t,
                s["rss_kib"]
                    .as_u64()
                    .map_or("gone".into(), |v| v.to_string()),
                s["threads"].as_u64().map_or("-".into(), |v| v.to_string()),
            ));
            while next_t <= t + 0.5 {
                next_t += step;
            }
        }
    }
    line(String::new());
    let by_via = |via: &str| {
        state["acked"]
            .as_array()
            .map_or(0, |a| a.iter().filter(|m| m["via"] == json!(via)).count())
    };
    line(format!(
        "Messages acknowledged (a `201` with its id, or a thank-you page with its number): {acked} ({} by the JSON API, {} by urlencoded and {} by multipart forms). Each posting thread keeps its last {LIVE_WINDOW} and deletes older ones with the admin token (`204`, then `404`), so that the store stops growing after the warm-up: the demo's `/messages` renders every message, and its memory grows with the store. The {live} kept were compared field by field with the API's copy (paging `GET /api/messages?limit=1000&offset=...`) and with `messages.jsonl` (tombstones applied), and the {deleted} deleted ones had to be absent from both, before and after a restart on the same data dir.",
        by_via("JSON API"),
        by_via("form (urlencoded)"),
        by_via("form (multipart)"),
    ));
    std::fs::write(out, md).map_err(|e| format!("{out}: {e}"))?;
    println!("soak: verdict {verdict}");
    for f in &failures {
        println!("soak: FAIL: {f}");
    }
    Ok(failures.is_empty())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: soak load|verify|report --option value ... (see bench/soak.sh)");
        return ExitCode::from(2);
    };
    let result = Args::parse(rest).and_then(|args| match command.as_str() {
        "load" => load(&args).map(|()| true),
        "verify" => verify(&args).map(|()| true),
        "report" => report(&args),
        other => Err(format!("unknown command {other:?}")),
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}
