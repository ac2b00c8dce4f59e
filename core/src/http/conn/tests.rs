//! The connection state machine, driven without a socket or a thread: a
//! byte buffer stands for the socket, and a fake dispatcher answers each
//! request, records the access log and holds a clock the tests move.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::*;
use crate::http::io::Scratch;

/// The client's side of an in-memory connection.
#[derive(Default)]
struct Wire {
    /// Bytes the client sent that the server has not read yet.
    incoming: VecDeque<u8>,
    /// The client closed its sending half: reads end after `incoming`.
    client_closed: bool,
    /// Everything the server wrote.
    written: Vec<u8>,
    /// How many more bytes the server may write before the "socket" is
    /// full (`None`: no limit).
    room: Option<usize>,
    /// The server shut its sending half.
    shut: bool,
}

/// The server's handle on the wire: what the connection owns.
#[derive(Clone, Default)]
struct Socket(Rc<RefCell<Wire>>);

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut wire = self.0.borrow_mut();
        if wire.incoming.is_empty() {
            return if wire.client_closed {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = buf.len().min(wire.incoming.len());
        for (slot, byte) in buf.iter_mut().zip(wire.incoming.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut wire = self.0.borrow_mut();
        if wire.shut {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let n = match wire.room {
            Some(0) => return Err(io::ErrorKind::WouldBlock.into()),
            Some(room) => room.min(buf.len()),
            None => buf.len(),
        };
        if let Some(room) = &mut wire.room {
            *room -= n;
        }
        wire.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for Socket {
    fn shutdown_write(&mut self) -> io::Result<()> {
        self.0.borrow_mut().shut = true;
        Ok(())
    }
}

/// Answers `METHOD TARGET` (and the body, if any) for every request,
/// keeps the access log, and tells the time the test sets.
struct Fake {
    settings: Settings,
    now: Cell<Instant>,
    shutting_down: Cell<bool>,
    /// `"GET /a"` for each request the connection handed over.
    calls: RefCell<Vec<String>>,
    /// `"GET /a HTTP/1.1 200"` for each response logged.
    log: RefCell<Vec<String>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            settings: Settings::default(),
            now: Cell::new(Instant::now()),
            shutting_down: Cell::new(false),
            calls: RefCell::default(),
            log: RefCell::default(),
        }
    }

    fn advance(&self, by: Duration) {
        self.now.set(self.now.get() + by);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }
}

impl Dispatch for Fake {
    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn now(&self) -> Instant {
        self.now.get()
    }

    fn call(&self, request: &mut Request) -> Response {
        let mut seen = format!("{} {}", request.method(), request.target());
        if !request.body().is_empty() {
            seen.push(' ');
            seen.push_str(&String::from_utf8_lossy(request.body()));
        }
        self.calls.borrow_mut().push(seen.clone());
        Response::text(seen)
    }

    fn reject(&self, error: &HttpError) -> Response {
        // Not the message: "HTTP/1.1" in a body would confuse `statuses`.
        Response::text("rejected").with_status(error.status)
    }

    fn answered(&self, exchange: &Exchange<'_>) {
        let line = format!("{} {}", exchange.request, exchange.status.code());
        self.log.borrow_mut().push(line);
    }

    fn shutting_down(&self) -> bool {
        self.shutting_down.get()
    }
}

/// A connection over an in-memory wire, with its fake dispatcher.
struct Harness {
    wire: Socket,
    conn: Option<Connection<Socket>>,
    fake: Fake,
    scratch: Scratch,
}

impl Harness {
    fn new() -> Harness {
        Harness::with(Fake::new())
    }

    fn with(fake: Fake) -> Harness {
        let wire = Socket::default();
        let peer = "127.0.0.1:4000".parse().unwrap();
        let conn = Connection::new(wire.clone(), peer, fake.now());
        Harness {
            wire,
            conn: Some(conn),
            fake,
            scratch: Scratch::default(),
        }
    }

    /// The client sends `bytes`, and the connection handles the event.
    fn send(&mut self, bytes: impl AsRef<[u8]>) -> Next {
        self.wire.0.borrow_mut().incoming.extend(bytes.as_ref());
        self.ready()
    }

    /// The connection handles a readiness event.
    fn ready(&mut self) -> Next {
        let conn = self.conn.as_mut().expect("the connection is open");
        conn.on_ready(&self.fake, &mut self.scratch, false)
    }

    /// What the server wrote since the last call, as text.
    fn output(&self) -> String {
        let written = std::mem::take(&mut self.wire.0.borrow_mut().written);
        String::from_utf8(written).expect("responses are text here")
    }

    fn shut(&self) -> bool {
        self.wire.0.borrow().shut
    }

    fn expired(&self) -> Option<Expiry> {
        let conn = self.conn.as_ref().expect("the connection is open");
        conn.expired(self.fake.now(), &self.fake)
    }
}

/// The status codes of the responses in `output`, in order.
fn statuses(output: &str) -> Vec<u16> {
    output
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| output[i + 9..i + 12].parse().unwrap())
        .collect()
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n")
}

#[test]
fn a_connection_is_kept_alive_between_requests() {
    let mut h = Harness::new();
    assert_eq!(h.send(get("/a")), Next::Wait);
    let first = h.output();
    assert_eq!(statuses(&first), [200]);
    assert!(first.ends_with("GET /a"), "{first}");
    assert!(!first.contains("Connection: close"));
    assert!(!h.shut());
    assert_eq!(h.send(get("/b")), Next::Wait);
    assert!(h.output().ends_with("GET /b"));
    assert_eq!(h.fake.calls(), ["GET /a", "GET /b"]);
    // The client hangs up: the connection is over.
    h.wire.0.borrow_mut().client_closed = true;
    assert_eq!(h.ready(), Next::Close);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let mut h = Harness::new();
    let three = format!("{}{}{}", get("/1"), get("/2"), get("/3"));
    // Cut anywhere, even inside a head, the answers are the same.
    let (start, rest) = three.split_at(50);
    h.send(start);
    h.send(rest);
    let out = h.output();
    assert_eq!(statuses(&out), [200, 200, 200]);
    assert_eq!(h.fake.calls(), ["GET /1", "GET /2", "GET /3"]);
    let order: Vec<usize> = ["GET /1", "GET /2", "GET /3"]
        .iter()
        .map(|body| out.find(body).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
}

#[test]
fn http10_closes_after_its_response_unless_asked() {
    let mut h = Harness::new();
    assert_eq!(h.send("GET / HTTP/1.0\r\n\r\n"), Next::Wait);
    let out = h.output();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(h.shut(), "the response ends the connection");
    h.wire.0.borrow_mut().client_closed = true;
    assert_eq!(h.ready(), Next::Close);
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let mut h = Harness::new();
    h.send("POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(h.output(), "HTTP/1.1 100 Continue\r\n\r\n");
    assert!(h.fake.calls().is_empty(), "no call before the body");
    h.send("hel");
    assert_eq!(h.output(), "", "100 Continue is sent once");
    h.send("lo");
    assert!(h.output().ends_with("POST /up hello"));
}

#[test]
fn a_body_the_handler_ignores_is_never_read_as_a_request() {
    let mut h = Harness::new();
    let hidden = get("/smuggled");
    let post = format!(
        "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{hidden}",
        hidden.len()
    );
    h.send(format!("{post}{}", get("/next")));
    assert_eq!(statuses(&h.output()), [200, 200]);
    let calls = h.fake.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[0].starts_with("POST /form GET /smuggled"));
    assert_eq!(calls[1], "GET /next");
}

#[test]
fn after_an_error_the_rest_is_drained_and_never_answered() {
    let mut h = Harness::new();
    let big = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\n\r\n";
    assert_eq!(h.send(format!("{big}xxxx{}", get("/after"))), Next::Wait);
    let out = h.output();
    assert_eq!(statuses(&out), [413]);
    assert!(out.contains("Connection: close"));
    assert!(h.shut());
    // More bytes are read and thrown away, until the client closes.
    assert_eq!(h.send(get("/later")), Next::Wait);
    assert_eq!(h.output(), "");
    h.wire.0.borrow_mut().client_closed = true;
    assert_eq!(h.ready(), Next::Close);
    assert!(h.fake.calls().is_empty());
    assert_eq!(*h.fake.log.borrow(), ["- 413"]);
}

#[test]
fn a_client_that_never_stops_sending_is_cut_off_while_draining() {
    let mut h = Harness::new();
    h.send("garbage\r\n\r\n");
    assert_eq!(statuses(&h.output()), [400]);
    let flood = vec![b'x'; DRAIN_MAX / 2];
    assert_eq!(h.send(&flood), Next::Wait);
    assert_eq!(h.send(&flood), Next::Wait);
    assert_eq!(h.send(&flood), Next::Close);
}

#[test]
fn every_bad_request_gets_its_status_then_close() {
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: h\r\n\r\n", "a".repeat(20_000));
    let many_headers = format!(
        "GET / HTTP/1.1\r\nHost: h\r\n{}\r\n",
        "X: y\r\n".repeat(101)
    );
    let cases: Vec<(String, u16)> =
        vec![
        ("\x16\x03\x01\x02\x00\x01\x00\x01\x03\x03\r\n\r\n".into(), 400),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n".into(), 505),
        ("GET / HTTP/01.1\r\nHost: h\r\n\r\n".into(), 400),
        ("BREW / HTTP/1.1\r\nHost: h\r\n\r\n".into(), 501),
        (format!("{} / HTTP/1.1\r\n", "X".repeat(100)), 400),
        ("GET / HTTP/1.1\r\n\r\n".into(), 400),
        ("GET / HTTP/1.1\r\nHost:\r\n\r\n".into(), 400),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n".into(), 400),
        (long_target, 414),
        (many_headers, 431),
        ("GET / HTTP/1.1\r\nHost: h\r\nExpect: gold\r\n\r\n".into(), 417),
        (
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                .into(),
            400,
        ),
        (
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".into(),
            501,
        ),
        (
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;bad[=x\r\nhello\r\n"
                .into(),
            400,
        ),
        (
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".into(),
            400,
        ),
    ];
    for (request, status) in cases {
        let mut h = Harness::new();
        h.send(format!("{request}{}", get("/after")));
        let out = h.output();
        assert_eq!(statuses(&out), [status], "{request:?}: {out}");
        assert!(out.contains("Connection: close"), "{request:?}");
        assert!(h.shut(), "{request:?}");
        assert!(h.fake.calls().is_empty(), "{request:?}");
    }
}

#[test]
fn a_head_that_takes_too_long_gets_408() {
    let mut h = Harness::new();
    h.send("GET / HTTP/1.1\r\nHo");
    h.fake.advance(Duration::from_secs(9));
    h.send("st: h\r\n"); // progress does not reset the head timeout
    assert_eq!(h.expired(), None);
    h.fake.advance(Duration::from_secs(2));
    assert_eq!(h.expired(), Some(Expiry::RequestTimeout));
    let conn = h.conn.take().unwrap();
    let draining = conn.close_expired(Expiry::RequestTimeout, &h.fake);
    assert!(draining.is_some(), "it drains what the client still sends");
    assert_eq!(statuses(&h.output()), [408]);
    assert!(h.shut());
    assert_eq!(*h.fake.log.borrow(), ["- 408"]);
}

#[test]
fn a_body_that_stops_coming_gets_408() {
    let mut h = Harness::new();
    h.send("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
    h.fake.advance(Duration::from_secs(29));
    h.send("def"); // progress resets the body timeout
    h.fake.advance(Duration::from_secs(29));
    assert_eq!(h.expired(), None);
    h.fake.advance(Duration::from_secs(2));
    assert_eq!(h.expired(), Some(Expiry::RequestTimeout));
    let conn = h.conn.take().unwrap();
    conn.close_expired(Expiry::RequestTimeout, &h.fake);
    assert_eq!(statuses(&h.output()), [408]);
    assert_eq!(*h.fake.log.borrow(), ["POST /slow HTTP/1.1 408"]);
}

#[test]
fn an_idle_connection_is_closed_quietly() {
    let mut h = Harness::new();
    h.send(get("/"));
    h.output();
    h.fake.advance(Duration::from_secs(59));
    assert_eq!(h.expired(), None);
    h.fake.advance(Duration::from_secs(2));
    assert_eq!(h.expired(), Some(Expiry::Silently));
    let conn = h.conn.take().unwrap();
    assert!(conn.close_expired(Expiry::Silently, &h.fake).is_none());
    assert_eq!(h.output(), "", "nothing is sent to an idle client");
}

#[test]
fn on_shutdown_an_idle_connection_closes_at_once_and_answers_close() {
    let mut h = Harness::new();
    h.send(get("/"));
    assert!(!h.output().contains("Connection: close"));
    h.fake.shutting_down.set(true);
    assert_eq!(h.expired(), Some(Expiry::Silently));
    // A request that arrives meanwhile is still answered, then closes.
    h.send(get("/last"));
    let out = h.output();
    assert!(out.contains("Connection: close") && out.ends_with("GET /last"));
    assert!(h.shut());
}

#[test]
fn a_full_socket_waits_and_the_response_goes_on_later() {
    let mut h = Harness::new();
    h.wire.0.borrow_mut().room = Some(10);
    assert_eq!(h.send(get("/a")), Next::Wait);
    assert_eq!(h.output().len(), 10);
    // Waiting to write, it is not idle, and a slow reader has the idle
    // timeout to take the rest.
    h.fake.advance(Duration::from_secs(30));
    assert_eq!(h.expired(), None);
    h.wire.0.borrow_mut().room = None;
    assert_eq!(h.ready(), Next::Wait);
    assert!(h.output().ends_with("GET /a"));
}

#[test]
fn head_requests_get_headers_only() {
    let mut h = Harness::new();
    h.send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
    let out = h.output();
    assert!(out.contains("Content-Length: 7\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\n"), "no body: {out}");
}

#[test]
fn idle_connections_hold_no_buffers() {
    let mut h = Harness::new();
    h.send(get("/"));
    let conn = h.conn.as_ref().unwrap();
    assert_eq!(conn.inbox.capacity(), 0);
    assert_eq!(conn.outbox.capacity(), 0);
    // Mid-request, just the bytes received.
    h.send("GET / HTTP/1.1\r\n");
    let conn = h.conn.as_ref().unwrap();
    assert_eq!(conn.inbox.data(), b"GET / HTTP/1.1\r\n");
    assert!(conn.inbox.capacity() < 64);
}
