//! One client connection: the HTTP/1.1 state machine that turns the bytes
//! a client sends into requests, hands each to the layer above, and writes
//! the responses back — keep-alive, pipelining, `100 Continue`, draining
//! after an error, and the head, body and idle timeouts.
//!
//! It knows nothing of sockets, threads or handlers. It reads and writes
//! any non-blocking [`Transport`] (a `TcpStream` in the server, a byte
//! buffer in the tests below), and asks a [`Dispatch`] for everything
//! else: the settings, the time (so the tests can move the clock), the
//! answer to a request, and where to log it. The server's dispatcher
//! (`server/dispatcher.rs`) calls the handler, catches its panics and
//! writes the access log.
//!
//! The worker calls [`Connection::on_ready`] when the kernel says the
//! socket is ready; it does all it can without waiting (read, answer every
//! complete request, write) and then says what the connection waits for
//! next, or that it is finished.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::body::BodyDecoder;
use super::head::{self, Parsed, RequestHead};
use super::io::{InBuffer, Scratch, READ_CHUNK};
use super::write::{self, Answering, StreamBody};
use super::{HttpError, Limits, Method, Request, Response, Status, Timeouts, Version};

/// Stop answering pipelined requests and write once this much output is
/// waiting: a client that sends requests without reading the answers must
/// not make the server buffer without bound.
const FLUSH_AT: usize = 64 * 1024;

/// A connection being closed after an error reads and discards what the
/// client still sends, at most this much, so that closing does not reset
/// the connection before the client has read the error response.
const DRAIN_MAX: usize = 256 * 1024;

/// How long a closing connection waits for the client to finish.
pub(crate) const DRAIN_TIME: Duration = Duration::from_secs(2);

/// A byte stream a connection runs over: non-blocking, so that a read with
/// nothing to give fails with `WouldBlock` instead of waiting.
pub(crate) trait Transport: Read + Write {
    /// Closes the sending half: the client sees the end of the responses,
    /// while what it still sends can be read (and discarded).
    fn shutdown_write(&mut self) -> io::Result<()>;
}

impl Transport for TcpStream {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

/// What a connection needs to know of the server.
#[derive(Clone, Debug, Default)]
pub(crate) struct Settings {
    /// What one request may send.
    pub limits: Limits,
    /// How long a client may take.
    pub timeouts: Timeouts,
    /// Log each raw request and response head on the `rung::trace` target.
    pub trace: bool,
}

/// Everything a connection asks of the layer above it.
pub(crate) trait Dispatch {
    /// The limits, timeouts and tracing of the server.
    fn settings(&self) -> &Settings;

    /// The time now. The connection reads no clock of its own, so that
    /// its timeouts can be tested without waiting.
    fn now(&self) -> Instant;

    /// Answers a complete request. Must not panic (the dispatcher turns a
    /// handler's panic into a `500`).
    fn call(&self, request: &mut Request) -> Response;

    /// Answers bytes that never became a request (the connection closes
    /// after this response).
    fn reject(&self, error: &HttpError) -> Response;

    /// A response has been queued: for the access log.
    fn answered(&self, exchange: &Exchange<'_>);

    /// Whether the server is shutting down: responses then close their
    /// connection, and an idle one closes at once.
    fn shutting_down(&self) -> bool;
}

/// One request and its answer, as the access log tells it.
#[derive(Debug)]
pub(crate) struct Exchange<'a> {
    /// The client.
    pub peer: SocketAddr,
    /// The request, as far as it was read.
    pub request: RequestLine<'a>,
    /// The status sent.
    pub status: Status,
    /// Body bytes sent (or to be streamed).
    pub bytes: u64,
    /// When the first byte of the request came.
    pub started: Instant,
    /// When the answer was queued. (Two instants rather than a duration:
    /// the log works out the difference only when it writes a line.)
    pub answered: Instant,
}

/// The request an answer was for, as far as it was read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RequestLine<'a> {
    /// A whole request, answered by the layer above.
    Request(&'a Request),
    /// A head whose body never came whole (a `408`).
    Head(&'a RequestHead),
    /// Bytes that never became a request head.
    None,
}

impl fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestLine::Request(r) => write!(f, "{} {} {}", r.method, r.target, r.version),
            RequestLine::Head(h) => write!(f, "{} {} {}", h.method, h.target, h.version),
            RequestLine::None => f.write_str("-"),
        }
    }
}

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
pub(crate) enum Next {
    /// Park it until the kernel reports something new on its socket (what
    /// it waits for — room to write, or bytes — is in `waiting_to_write`).
    Wait,
    /// Close it.
    Close,
}

/// A client connection and everything it has sent or is owed.
pub(crate) struct Connection<T> {
    io: T,
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

impl<T: Transport> Connection<T> {
    /// A connection for a freshly accepted client, at time `now`.
    pub fn new(io: T, peer: SocketAddr, now: Instant) -> Connection<T> {
        Connection {
            io,
            peer,
            reading: Reading::Head,
            inbox: InBuffer::default(),
            outbox: Vec::new(),
            written: 0,
            stream: None,
            close_after_output: false,
            head_started: None,
            request_started: None,
            last_progress: now,
            clock: now,
            waiting_to_write: false,
        }
    }

    /// The transport, to register it with the poller.
    pub fn io(&self) -> &T {
        &self.io
    }

    /// Handles readiness of the socket: reads, answers and writes as much
    /// as possible without blocking.
    ///
    /// With `trust_short_reads`, a read that returns less than it could is
    /// taken to mean the socket is empty for now, and the read that would
    /// only say "nothing yet" is skipped: the poller reports the next bytes.
    pub fn on_ready(
        &mut self,
        dispatch: &dyn Dispatch,
        scratch: &mut Scratch,
        trust_short_reads: bool,
    ) -> Next {
        scratch.lend(&mut self.inbox, &mut self.outbox);
        self.clock = dispatch.now();
        let next = self.run(dispatch, trust_short_reads);
        scratch.take_back(&mut self.inbox, &mut self.outbox);
        next
    }

    fn run(&mut self, dispatch: &dyn Dispatch, trust_short_reads: bool) -> Next {
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
            if self.answer_buffered(dispatch) {
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
        let n = self.inbox.read_from(&mut self.io)?;
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
                match self.io.write(&self.outbox[self.written..]) {
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
    fn answer_buffered(&mut self, dispatch: &dyn Dispatch) -> bool {
        let settings = dispatch.settings();
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
                    match head::parse(input, &settings.limits) {
                        Ok(Parsed::Partial) => break,
                        Err(error) => {
                            self.answer_error(dispatch, &error, None);
                            progressed = true;
                        }
                        Ok(Parsed::Complete { head, len }) => {
                            if settings.trace {
                                trace_head("request", self.peer, &input[..len]);
                            }
                            used += len;
                            progressed = true;
                            self.request_started = self.head_started.take();
                            match BodyDecoder::new(head.framing, settings.limits.max_body) {
                                None => self.dispatch(dispatch, head, Vec::new()),
                                Some(decoder) => {
                                    self.reading = Reading::Body {
                                        head: Box::new(head),
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
                            let error = error.for_target(&head.target);
                            self.answer_error(dispatch, &error, Some(method));
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
                                self.dispatch(dispatch, *head, decoder.into_body());
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

    /// Hands a complete request to the layer above and queues its response.
    fn dispatch(&mut self, dispatch: &dyn Dispatch, head: RequestHead, body: Vec<u8>) {
        let started = self.clock;
        let keep_alive = head.keep_alive;
        let mut request = Request::from_head(head, body, self.peer);
        let response = dispatch.call(&mut request);
        // The handler may have taken a while.
        self.clock = dispatch.now();
        let answering = Answering {
            head_only: request.method == Method::Head,
            version: request.version,
            keep_alive: keep_alive && !dispatch.shutting_down(),
            now: self.clock,
        };
        let line = RequestLine::Request(&request);
        self.queue(dispatch, response, answering, started, line);
    }

    /// Answers a request that could not be read, then closes.
    fn answer_error(&mut self, dispatch: &dyn Dispatch, error: &HttpError, method: Option<Method>) {
        let started = self.clock;
        let response = dispatch.reject(error);
        let answering = Answering {
            head_only: method == Some(Method::Head),
            version: Version::Http11,
            keep_alive: false,
            now: self.clock,
        };
        self.reading = Reading::Head;
        self.queue(dispatch, response, answering, started, RequestLine::None);
    }

    fn queue(
        &mut self,
        dispatch: &dyn Dispatch,
        response: Response,
        answering: Answering,
        started: Instant,
        request: RequestLine<'_>,
    ) {
        let head_start = self.outbox.len();
        let mut encoded = write::encode(response, answering, &mut self.outbox);
        if dispatch.settings().trace {
            let head_end = find_head_end(&self.outbox[head_start..])
                .map_or(self.outbox.len(), |e| head_start + e);
            trace_head("response", self.peer, &self.outbox[head_start..head_end]);
        }
        self.stream = encoded.stream.take();
        if !encoded.keep_alive {
            self.close_after_output = true;
        }
        self.log(dispatch, request, &encoded, started);
    }

    /// Tells the layer above that a response was queued, for the log.
    fn log(
        &self,
        dispatch: &dyn Dispatch,
        request: RequestLine<'_>,
        encoded: &write::Encoded,
        started: Instant,
    ) {
        dispatch.answered(&Exchange {
            peer: self.peer,
            request,
            status: encoded.status,
            bytes: encoded.body_len,
            started,
            answered: self.clock,
        });
    }

    /// All output is written and the connection is to close: shut the
    /// write side (the client sees the end of the response) and discard
    /// what the client still sends until it closes too.
    fn start_draining(&mut self) -> Next {
        let _ = self.io.shutdown_write();
        self.close_after_output = false;
        self.reading = Reading::Draining { discarded: 0 };
        self.last_progress = self.clock;
        self.inbox.clear();
        self.drain()
    }

    fn drain(&mut self) -> Next {
        let mut buf = [0u8; 4096];
        loop {
            match self.io.read(&mut buf) {
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
    pub fn expired(&self, now: Instant, dispatch: &dyn Dispatch) -> Option<Expiry> {
        let t = &dispatch.settings().timeouts;
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
                None if dispatch.shutting_down() => Some(Expiry::Silently),
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
    pub fn close_expired(mut self, expiry: Expiry, dispatch: &dyn Dispatch) -> Option<Self> {
        if expiry != Expiry::RequestTimeout {
            return None;
        }
        self.clock = dispatch.now();
        // The 408 goes through the layer above and the response writer
        // like every other error: a hand-written literal here had no `Date`
        // (SPEC §3: every response has one) and logged no duration.
        let mut error = HttpError::new(Status::REQUEST_TIMEOUT, "request timeout");
        if let Reading::Body { head, .. } = &self.reading {
            error = error.for_target(&head.target);
        }
        let response = dispatch.reject(&error);
        let (head_only, started) = match &self.reading {
            Reading::Body { head, .. } => (head.method == Method::Head, self.request_started),
            _ => (false, self.head_started),
        };
        let answering = Answering {
            head_only,
            version: Version::Http11,
            keep_alive: false,
            now: self.clock,
        };
        let mut out = Vec::new();
        let encoded = write::encode(response, answering, &mut out);
        // One non-blocking write, best effort: the client has stalled, and
        // the supervisor must not wait for it.
        let _ = self.io.write(&out);
        let request = match &self.reading {
            Reading::Body { head, .. } => RequestLine::Head(head),
            _ => RequestLine::None,
        };
        let started = started.unwrap_or(self.last_progress);
        self.log(dispatch, request, &encoded, started);
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
pub(crate) enum Expiry {
    /// Idle or draining: just close.
    Silently,
    /// A request stalled: answer `408`, then close.
    RequestTimeout,
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

#[cfg(test)]
mod tests;
