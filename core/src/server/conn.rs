//! One client connection: the state machine that turns the bytes it sends
//! into requests, runs the service, and writes the responses back.
//!
//! Sockets are non-blocking. A worker calls [`Connection::on_ready`] when
//! the kernel says the socket is ready; it does all it can without waiting
//! (read, answer every complete request, write) and then says what the
//! connection waits for next, or that it is finished.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::buffer::{InBuffer, READ_CHUNK};
use super::Shared;
use crate::http::body::BodyDecoder;
use crate::http::head::{self, Parsed, RequestHead};
use crate::http::write::{self, Answering, StreamBody};
use crate::http::{HttpError, Method, Request, Response, Status};

/// Stop answering pipelined requests and write once this much output is
/// waiting: a client that sends requests without reading the answers must
/// not make the server buffer without bound.
const FLUSH_AT: usize = 64 * 1024;

/// A connection being closed after an error reads and discards what the
/// client still sends, at most this much, so that closing does not reset
/// the connection before the client has read the error response.
const DRAIN_MAX: usize = 256 * 1024;

/// Receive buffer a worker keeps between requests: one read's worth.
const KEEP_INBOX: usize = READ_CHUNK;

/// Send buffer a worker keeps between requests: enough for most pages.
const KEEP_OUTBOX: usize = 16 * 1024;

/// How long a closing connection waits for the client to finish.
pub const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Where a connection is in reading its current request.
enum Reading {
    /// Waiting for (the rest of) a request head.
    Head,
    /// The head is in; reading its body.
    Body {
        head: Box<RequestHead>,
        decoder: BodyDecoder,
        /// Whether `100 Continue` was sent already.
        continued: bool,
    },
    /// Closing: the last response is out and the write side is shut;
    /// whatever the client sends now is discarded until it closes too.
    Draining { discarded: usize },
}

/// What the worker should do with the connection after an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Park it until the kernel reports something new on its socket (what
    /// it waits for — room to write, or bytes — is in `waiting_to_write`).
    Wait,
    /// Close it.
    Close,
}

/// A client connection and everything it has sent or is owed.
pub struct Connection {
    socket: TcpStream,
    peer: SocketAddr,
    reading: Reading,
    /// Bytes received and not yet used: part of a head or body, or the next
    /// pipelined requests. Empty (and unallocated) between requests; while
    /// parked mid-request, just the bytes received, with no spare room.
    inbox: InBuffer,
    /// Response bytes not yet written.
    outbox: Vec<u8>,
    /// How much of `outbox` is written already.
    written: usize,
    /// The rest of a streamed response body.
    stream: Option<StreamBody>,
    /// Close once the output is written (no more requests are answered).
    close_after_output: bool,
    /// When the first byte of the current, incomplete head arrived.
    head_started: Option<Instant>,
    /// When the first byte of the request being read or answered arrived
    /// (`head_started` of its head), for the duration in the access log of
    /// a request that times out in its body.
    request_started: Option<Instant>,
    /// The time at the start of the current event (refreshed after each
    /// handler): one clock read stands for all the steps of an event.
    clock: Instant,
    /// When bytes last moved in either direction.
    last_progress: Instant,
    /// Whether the connection is waiting to write (for the timeouts).
    waiting_to_write: bool,
}

/// Buffers a worker lends to the connection it works on, so that idle
/// connections own no buffers at all.
#[derive(Default)]
pub struct Scratch {
    inbox: InBuffer,
    outbox: Vec<u8>,
}

impl Connection {
    /// A connection for a freshly accepted socket.
    pub fn new(socket: TcpStream, peer: SocketAddr) -> Connection {
        Connection {
            socket,
            peer,
            reading: Reading::Head,
            inbox: InBuffer::default(),
            outbox: Vec::new(),
            written: 0,
            stream: None,
            close_after_output: false,
            head_started: None,
            request_started: None,
            last_progress: Instant::now(),
            clock: Instant::now(),
            waiting_to_write: false,
        }
    }

    /// The socket, to register it with the poller.
    pub fn socket(&self) -> &TcpStream {
        &self.socket
    }

    /// Handles readiness of the socket: reads, answers and writes as much
    /// as possible without blocking.
    ///
    /// With `trust_short_reads`, a read that returns less than it could is
    /// taken to mean the socket is empty for now, and the read that would
    /// only say "nothing yet" is skipped: the poller reports the next bytes.
    pub fn on_ready(
        &mut self,
        shared: &Shared,
        scratch: &mut Scratch,
        trust_short_reads: bool,
    ) -> Next {
        // Borrow the worker's buffers. What a parked connection kept (a
        // partial head, the start of a pipelined request) sits in a buffer
        // of its exact size: it moves into the worker's buffer, which has
        // room to read more after it.
        if self.inbox.capacity() < scratch.inbox.capacity() {
            scratch.inbox.refill(self.inbox.data());
            self.inbox = std::mem::take(&mut scratch.inbox);
        }
        if self.outbox.is_empty() {
            std::mem::swap(&mut self.outbox, &mut scratch.outbox);
        }
        self.clock = Instant::now();
        let next = self.run(shared, trust_short_reads);
        // Give back what is empty or mostly room, so a parked connection
        // holds no memory between requests, and mid-request just the bytes
        // it has sent: a slowloris sending a byte a second holds those, not
        // a whole read's worth. The worker keeps the larger buffer.
        if self.inbox.is_mostly_room() {
            let kept = self.inbox.compacted();
            let room = std::mem::replace(&mut self.inbox, kept);
            if scratch.inbox.capacity() < room.capacity() {
                scratch.inbox = room;
            }
        }
        if self.outbox.is_empty() && scratch.outbox.capacity() < self.outbox.capacity() {
            std::mem::swap(&mut self.outbox, &mut scratch.outbox);
        }
        if self.outbox.is_empty() {
            self.outbox = Vec::new();
        }
        scratch.inbox.clear();
        scratch.outbox.clear();
        // A worker keeps buffers for ordinary requests; what a big one made
        // it grow is given back, so memory does not creep up worker by worker.
        if scratch.inbox.capacity() > KEEP_INBOX {
            scratch.inbox = InBuffer::default();
        }
        if scratch.outbox.capacity() > KEEP_OUTBOX {
            scratch.outbox = Vec::new();
        }
        next
    }

    fn run(&mut self, shared: &Shared, trust_short_reads: bool) -> Next {
        // Set by a short read: the socket had no more bytes for now.
        let mut socket_emptied = false;
        loop {
            match self.flush() {
                Ok(true) => {}
                Ok(false) => {
                    self.waiting_to_write = true;
                    return Next::Wait;
                }
                Err(_) => return Next::Close,
            }
            self.waiting_to_write = false;
            if self.close_after_output {
                return self.start_draining();
            }
            if let Reading::Draining { .. } = self.reading {
                return self.drain();
            }
            if self.answer_buffered(shared) {
                continue;
            }
            if socket_emptied {
                // Skip a read that would only say "nothing yet": the poller
                // reports the next bytes when they come.
                return Next::Wait;
            }
            match self.fill_inbox() {
                Ok(0) => return Next::Close,
                Ok(n) => {
                    if let Reading::Head = self.reading {
                        self.head_started.get_or_insert(self.clock);
                    }
                    socket_emptied = trust_short_reads && n < READ_CHUNK;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Wait,
                Err(_) => return Next::Close,
            }
        }
    }

    /// Reads once from the socket into the inbox.
    fn fill_inbox(&mut self) -> io::Result<usize> {
        let n = self.inbox.read_from(&mut self.socket)?;
        if n > 0 {
            self.last_progress = self.clock;
        }
        Ok(n)
    }

    /// Writes pending output, refilling it from a streamed body.
    /// `Ok(true)`: all written; `Ok(false)`: the socket is full.
    fn flush(&mut self) -> io::Result<bool> {
        loop {
            while self.written < self.outbox.len() {
                match self.socket.write(&self.outbox[self.written..]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        self.written += n;
                        self.last_progress = self.clock;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.outbox.clear();
            self.written = 0;
            let Some(stream) = &mut self.stream else {
                return Ok(true);
            };
            match stream.fill(&mut self.outbox) {
                Ok(true) => {}
                Ok(false) => {
                    self.stream = None;
                    if self.outbox.is_empty() {
                        return Ok(true);
                    }
                }
                Err(e) => {
                    log::error!("streaming a response to {} failed: {e}", self.peer);
                    return Err(e);
                }
            }
        }
    }

    /// Answers every complete request in the inbox, as far as output room
    /// allows. Returns whether anything was produced (or consumed).
    fn answer_buffered(&mut self, shared: &Shared) -> bool {
        let mut used = 0;
        let mut progressed = false;
        while self.outbox.len() < FLUSH_AT && self.stream.is_none() && !self.close_after_output {
            let input = &self.inbox.data()[used..];
            match &mut self.reading {
                Reading::Draining { .. } => break,
                Reading::Head => {
                    if input.is_empty() {
                        break;
                    }
                    match head::parse(input, &shared.config.limits) {
                        Ok(Parsed::Partial) => break,
                        Err(error) => {
                            self.answer_error(shared, &error, None);
                            progressed = true;
                        }
                        Ok(Parsed::Complete { head, len }) => {
                            if shared.config.trace {
                                trace_head("request", self.peer, &input[..len]);
                            }
                            used += len;
                            progressed = true;
                            self.request_started = self.head_started.take();
                            match BodyDecoder::new(head.framing, shared.config.limits.max_body) {
                                None => self.dispatch(shared, *head, Vec::new()),
                                Some(decoder) => {
                                    self.reading = Reading::Body {
                                        head,
                                        decoder,
                                        continued: false,
                                    }
                                }
                            }
                        }
                    }
                }
                Reading::Body {
                    head,
                    decoder,
                    continued,
                } => {
                    match decoder.feed(input) {
                        Err(error) => {
                            let method = head.method;
                            self.answer_error(shared, &error, Some(method));
                            progressed = true;
                        }
                        Ok(n) => {
                            used += n;
                            progressed |= n > 0;
                            if decoder.is_done() {
                                let Reading::Body { head, decoder, .. } =
                                    std::mem::replace(&mut self.reading, Reading::Head)
                                else {
                                    unreachable!("matched above")
                                };
                                self.dispatch(shared, *head, decoder.into_body());
                            } else {
                                if head.expect_continue && !*continued {
                                    // The client waits for this before sending the body.
                                    self.outbox
                                        .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                                    *continued = true;
                                    progressed = true;
                                }
                                break;
                            }
                        }
                    }
                }
            }
        }
        self.inbox.consume(used);
        // Bytes of the next, pipelined head are here already: its head
        // timeout runs from now. Left unset, it would only start with the
        // next read, and a client that sent a request plus a few bytes and
        // then nothing would hold the connection for the idle timeout (60 s)
        // instead of the head timeout (10 s).
        if matches!(self.reading, Reading::Head) && !self.inbox.is_empty() {
            self.head_started.get_or_insert(self.clock);
        }
        progressed
    }

    /// Runs the service for a complete request and queues its response.
    fn dispatch(&mut self, shared: &Shared, head: RequestHead, body: Vec<u8>) {
        let started = self.clock;
        let keep_alive = head.keep_alive;
        let mut request = Request::from_head(head, body, self.peer);
        let service = &shared.service;
        let response = match catch_unwind(AssertUnwindSafe(|| service.call(&mut request))) {
            Ok(response) => response,
            Err(panic) => {
                log::error!(
                    "handler for {} {} panicked: {}",
                    request.method,
                    request.path,
                    panic_message(&*panic)
                );
                internal_error(shared)
            }
        };
        // The handler may have taken a while.
        self.clock = Instant::now();
        let answering = Answering {
            head_only: request.method == Method::Head,
            version: request.version,
            keep_alive: keep_alive && !shared.is_shutting_down(),
        };
        self.queue(shared, response, answering, started, Some(&request));
    }

    /// Answers a request that could not be read, then closes.
    fn answer_error(&mut self, shared: &Shared, error: &HttpError, method: Option<Method>) {
        let started = self.clock;
        let response = error_response(shared, error);
        let answering = Answering {
            head_only: method == Some(Method::Head),
            version: crate::http::Version::Http11,
            keep_alive: false,
        };
        self.reading = Reading::Head;
        self.queue(shared, response, answering, started, None);
    }

    fn queue(
        &mut self,
        shared: &Shared,
        response: Response,
        answering: Answering,
        started: Instant,
        request: Option<&Request>,
    ) {
        let head_start = self.outbox.len();
        let encoded = write::encode(response, answering, &mut self.outbox);
        if shared.config.trace {
            let head_end = find_head_end(&self.outbox[head_start..])
                .map_or(self.outbox.len(), |e| head_start + e);
            trace_head("response", self.peer, &self.outbox[head_start..head_end]);
        }
        self.stream = encoded.stream;
        if !encoded.keep_alive {
            self.close_after_output = true;
        }
        log_access(
            self.peer,
            RequestLine(request),
            encoded.status,
            encoded.body_len,
            started,
        );
    }

    /// All output is written and the connection is to close: shut the
    /// write side (the client sees the end of the response) and discard
    /// what the client still sends until it closes too.
    fn start_draining(&mut self) -> Next {
        let _ = self.socket.shutdown(Shutdown::Write);
        self.close_after_output = false;
        self.reading = Reading::Draining { discarded: 0 };
        self.last_progress = self.clock;
        self.inbox.clear();
        self.drain()
    }

    fn drain(&mut self) -> Next {
        let mut buf = [0u8; 4096];
        loop {
            match self.socket.read(&mut buf) {
                Ok(0) => return Next::Close,
                Ok(n) => {
                    if let Reading::Draining { discarded } = &mut self.reading {
                        *discarded += n;
                        if *discarded > DRAIN_MAX {
                            return Next::Close;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Next::Wait,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Next::Close,
            }
        }
    }

    /// Whether the connection has waited too long, and what to send before
    /// closing it (a `408` for a request that stalled).
    pub fn expired(&self, now: Instant, shared: &Shared) -> Option<Expiry> {
        let t = &shared.config.timeouts;
        let quiet = now.saturating_duration_since(self.last_progress);
        match &self.reading {
            Reading::Draining { .. } => (quiet > DRAIN_TIME).then_some(Expiry::Silently),
            _ if self.waiting_to_write => (quiet > t.idle).then_some(Expiry::Silently),
            Reading::Body { .. } => (quiet > t.body_progress).then_some(Expiry::RequestTimeout),
            Reading::Head => match self.head_started {
                Some(started) if now.saturating_duration_since(started) > t.head => {
                    Some(Expiry::RequestTimeout)
                }
                Some(_) => None,
                None if shared.is_shutting_down() => Some(Expiry::Silently),
                None => (quiet > t.idle).then_some(Expiry::Silently),
            },
        }
    }

    /// Closes an expired connection, telling the client why when it was
    /// in the middle of a request.
    ///
    /// After a `408` the connection is handed back, draining: the caller
    /// puts it back under watch, and it closes once the client does (or
    /// after [`DRAIN_TIME`]).
    pub fn close_expired(mut self, expiry: Expiry, shared: &Shared) -> Option<Connection> {
        if expiry != Expiry::RequestTimeout {
            return None;
        }
        // The 408 goes through the service's error page and the response
        // writer like every other error: a hand-written literal here had no
        // `Date` (SPEC §3: every response has one) and logged no duration.
        let error = HttpError::new(Status::REQUEST_TIMEOUT, "request timeout");
        let response = error_response(shared, &error);
        let (head_only, request_line) = match &self.reading {
            Reading::Body { head, .. } => (
                head.method == Method::Head,
                format!("{} {} {}", head.method, head.target, head.version),
            ),
            _ => (false, "-".to_string()),
        };
        let answering = Answering {
            head_only,
            version: crate::http::Version::Http11,
            keep_alive: false,
        };
        let mut out = Vec::new();
        let encoded = write::encode(response, answering, &mut out);
        // One non-blocking write, best effort: the client has stalled, and
        // the supervisor must not wait for it.
        let _ = self.socket.write(&out);
        let started = match self.reading {
            Reading::Body { .. } => self.request_started,
            _ => self.head_started,
        }
        .unwrap_or(self.last_progress);
        log_access(
            self.peer,
            request_line,
            encoded.status,
            encoded.body_len,
            started,
        );
        // Drain, as after every other error (`start_draining`), instead of
        // closing now: a client that timed out in its head is typically
        // still sending (a slowloris is, by definition). Closed now, the
        // socket would answer its next bytes with a TCP reset — and close
        // with a reset at once if some had arrived unread, throwing away
        // any part of the 408 not yet sent — and many client stacks discard
        // a response they have not read yet when the reset comes.
        match self.start_draining() {
            Next::Close => None,
            Next::Wait => Some(self),
        }
    }
}

/// Why an expired connection is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Idle or draining: just close.
    Silently,
    /// A request stalled: answer `408`, then close.
    RequestTimeout,
}

fn internal_error(shared: &Shared) -> Response {
    error_response(
        shared,
        &HttpError::new(Status::INTERNAL_SERVER_ERROR, "internal server error"),
    )
}

/// The service's answer to `error`, or a plain one if that panics.
fn error_response(shared: &Shared, error: &HttpError) -> Response {
    catch_unwind(AssertUnwindSafe(|| shared.service.error(error))).unwrap_or_else(|_| {
        Response::text(format!("{}\n", error.message)).with_status(error.status)
    })
}

/// The text of a panic payload, for the log.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// One line of the access log: client, request line, status, body bytes
/// and time taken (the arguments are only formatted when it is logged).
fn log_access(
    peer: SocketAddr,
    line: impl std::fmt::Display,
    status: Status,
    bytes: u64,
    started: Instant,
) {
    log::info!(
        target: "rung::access",
        "{peer} \"{line}\" {} {} {:.3}ms",
        status.code(),
        bytes,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// The request line for the access log (formatted only when logged).
struct RequestLine<'a>(Option<&'a Request>);

impl std::fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(r) => write!(f, "{} {} {}", r.method, r.target, r.version),
            None => f.write_str("-"),
        }
    }
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

fn trace_head(what: &str, peer: SocketAddr, head: &[u8]) {
    let text = String::from_utf8_lossy(head);
    log::info!(target: "rung::trace", "{what} {peer}\n{}", text.trim_end());
}
