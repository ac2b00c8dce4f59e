//! Level 9 — many connections, one thread: an event loop on epoll.
//!
//! Level 2 gave each client a thread, blocked in `read` until its client
//! speaks. A thousand idle clients are a thousand sleeping threads, each
//! with its own stack. Here a single thread serves them all: the sockets
//! are *non-blocking* (a `read` with nothing to read returns `WouldBlock`
//! at once instead of waiting), and one system call, `epoll_wait`, sleeps
//! until *any* of them is ready, and says which.
//!
//! This is what Python's `asyncio` (and Rust's tokio) run underneath: an
//! event loop. `async`/`await` let you write each connection's story as
//! straight-line code; here it is written out by hand as a small state
//! machine per connection, [`Connection`]: reading the request, then
//! writing the response, then closed. Each connection is still an open
//! file, and `ulimit -n` says how many a process may have (often 1,024).
//!
//! ```text
//! cargo run -p demo --bin level9
//! cargo run -p demo --bin check -- 9     # 1,000 idle connections, and you still answer
//! curl 'localhost:9000/sleep?ms=3000' &  # a timer in the loop, not a blocked thread:
//! curl localhost:9000/                   # answered at once
//! ```
//!
//! The rule of an event loop: nothing may block its one thread, or every
//! client waits. So `/sleep` cannot call `thread::sleep` here: the
//! connection is parked with a wake-up time, and `epoll_wait` is told to
//! return by then — what `await asyncio.sleep(3)` does. (Saving a message,
//! level 5, does block for an fsync; real servers hand such work to other
//! threads.) rung mixes both models: every worker thread waits on epoll,
//! takes the connections that are ready, and may block in a handler while
//! the others go on (`core/src/server/mod.rs`, `poller.rs`, `conn.rs`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 8's own `main` and level 2's `serve` go unused here
#[path = "level8.rs"]
mod level8;
pub use level8::*;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::event::Timespec;

/// The key epoll gives back for the listening socket; connections get 1, 2, ...
const LISTENER: u64 = 0;

/// The most a request may take: a head and the largest body level 4 allows.
const MAX_REQUEST: usize = MAX_BODY + 64 * 1024;

/// One client, and how far its one request has got.
pub struct Connection {
    stream: TcpStream,
    peer: String,
    /// Bytes read so far (until they make a whole request).
    received: Vec<u8>,
    /// The response, once there is one, and how much of it was written.
    response: Vec<u8>,
    written: usize,
}

/// What a connection waits for next.
pub enum Next {
    /// More bytes of the request.
    Read,
    /// Room in the socket for more of the response.
    Write,
    /// A time: `/sleep?ms=N` answers in N milliseconds.
    Sleep(u64),
    /// Nothing: close it.
    Close,
}

impl Connection {
    /// The socket has bytes for us (or was closed): read what is there,
    /// and answer once the request is whole.
    fn readable(&mut self) -> io::Result<Next> {
        let mut buf = [0; 16 * 1024];
        let n = match self.stream.read(&mut buf) {
            Ok(0) => return Ok(Next::Close), // hung up before a whole request
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Next::Read),
            Err(e) => return Err(e),
        };
        self.received.extend_from_slice(&buf[..n]);
        // Level 4's `read_request` reads from any `BufRead`, a byte slice
        // too. `UnexpectedEof` means: not all there yet, wait for more.
        // (Parsing again from the start each time is simple, not fast.)
        let response = match read_request(&mut &self.received[..]) {
            Ok(req) => {
                if let Some(ms) = sleep_ms(&req) {
                    return Ok(Next::Sleep(ms));
                }
                let (response, method, path) = (handle(&req), &req.method, &req.path);
                println!("{} \"{method} {path}\" {}", self.peer, response.status);
                response
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof && self.received.len() < MAX_REQUEST => {
                return Ok(Next::Read);
            }
            Err(e) => {
                println!("{} bad request: {e}", self.peer);
                Response::new(400, TEXT, "bad request\n")
            }
        };
        self.response = response.to_bytes();
        self.writable()
    }

    /// The socket has room: write as much of the response as it takes.
    fn writable(&mut self) -> io::Result<Next> {
        while self.written < self.response.len() {
            match self.stream.write(&self.response[self.written..]) {
                Ok(n) => self.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Next::Write),
                Err(e) => return Err(e),
            }
        }
        Ok(Next::Close)
    }
}

/// `GET /sleep?ms=N`, N from 0 to 5000: N. (Other values go to level 2's
/// `sleep`, which answers 400.)
fn sleep_ms(req: &Request) -> Option<u64> {
    let ms = req.query.strip_prefix("ms=")?.parse().ok()?;
    (req.method == "GET" && req.path == "/sleep" && ms <= 5000).then_some(ms)
}

/// The loop and all it watches.
struct EventLoop {
    /// The kernel's list of sockets we wait on, each with a key of ours and
    /// what we wait for (IN: readable, OUT: writable).
    epoll: OwnedFd,
    listener: TcpListener,
    connections: HashMap<u64, Connection>,
    next_key: u64,
    /// Connections in `/sleep`: when to answer, the key, the N of `ms=N`.
    sleepers: Vec<(Instant, u64, u64)>,
}

impl EventLoop {
    /// A loop watching `listener` for clients.
    fn new(listener: TcpListener) -> io::Result<EventLoop> {
        listener.set_nonblocking(true)?;
        let event_loop = EventLoop {
            epoll: epoll::create(epoll::CreateFlags::CLOEXEC)?,
            listener,
            connections: HashMap::new(),
            next_key: LISTENER + 1,
            sleepers: Vec::new(),
        };
        event_loop.watch(&event_loop.listener, LISTENER, EventFlags::IN)?;
        Ok(event_loop)
    }

    /// Adds a socket to epoll's list, with our key for it and what to wait for.
    fn watch(&self, socket: impl AsFd, key: u64, flags: EventFlags) -> io::Result<()> {
        let data = EventData::new_u64(key);
        Ok(epoll::add(&self.epoll, socket, data, flags)?)
    }

    /// Waits for events and handles them, forever.
    fn run(&mut self) -> io::Result<()> {
        let mut events = Vec::with_capacity(256);
        loop {
            // The one place this thread waits: until a socket is ready, or
            // the first sleeper's time comes.
            let first_wake = self.sleepers.iter().map(|(at, _, _)| *at).min();
            let left = first_wake.map(|at| at.saturating_duration_since(Instant::now()));
            let timeout = left.and_then(|left| Timespec::try_from(left).ok());
            events.clear();
            match epoll::wait(&self.epoll, spare_capacity(&mut events), timeout.as_ref()) {
                Err(rustix::io::Errno::INTR) => continue, // a signal; wait again
                result => result?,
            };
            for event in &events {
                // Copied out first: the kernel's event struct is packed.
                let data = event.data;
                match data.u64() {
                    LISTENER => self.accept_all()?,
                    key => self.ready(key)?,
                }
            }
            self.wake_sleepers()?;
        }
    }

    /// Takes every client waiting to be accepted.
    fn accept_all(&mut self) -> io::Result<()> {
        loop {
            let (stream, peer) = match self.listener.accept() {
                Ok(client) => client,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    return Ok(());
                }
            };
            stream.set_nonblocking(true)?;
            let key = self.next_key;
            self.watch(&stream, key, EventFlags::IN)?;
            let (peer, received, response) = (peer.to_string(), Vec::new(), Vec::new());
            let connection = Connection {
                stream,
                peer,
                received,
                response,
                written: 0,
            };
            self.connections.insert(key, connection);
            self.next_key += 1;
        }
    }

    /// Connection `key` is ready: read (until there is a response) or write.
    fn ready(&mut self, key: u64) -> io::Result<()> {
        let Some(connection) = self.connections.get_mut(&key) else {
            return Ok(());
        };
        let next = if connection.response.is_empty() {
            connection.readable()
        } else {
            connection.writable()
        };
        let (epoll, stream) = (&self.epoll, &connection.stream);
        match next {
            Ok(Next::Read) => {}
            // The send buffer is full: wait for room (OUT), not for bytes (IN).
            Ok(Next::Write) => {
                epoll::modify(epoll, stream, EventData::new_u64(key), EventFlags::OUT)?
            }
            // Off the list: it waits on the clock now, not on its socket.
            Ok(Next::Sleep(ms)) => {
                epoll::delete(epoll, stream)?;
                let at = Instant::now() + Duration::from_millis(ms);
                self.sleepers.push((at, key, ms));
            }
            Ok(Next::Close) | Err(_) => {
                if let Err(e) = next {
                    eprintln!("{}: {e}", connection.peer);
                }
                // Dropping the stream closes the socket, which also takes
                // it off epoll's list.
                self.connections.remove(&key);
            }
        }
        Ok(())
    }

    /// Answers the sleepers whose time has come. (A big server keeps its
    /// timers sorted, in a heap, instead of looking at each.)
    fn wake_sleepers(&mut self) -> io::Result<()> {
        let now = Instant::now();
        let (due, later) = self.sleepers.drain(..).partition(|(at, _, _)| *at <= now);
        self.sleepers = later;
        for (_, key, ms) in due {
            let Some(connection) = self.connections.get_mut(&key) else {
                continue;
            };
            println!("{} \"GET /sleep\" 200 after {ms} ms", connection.peer);
            let response = Response::new(200, TEXT, format!("slept {ms} ms\n"));
            connection.response = response.to_bytes();
            if let Ok(Next::Write) = connection.writable() {
                // Back on the list, to write the rest when there is room.
                self.watch(&self.connections[&key].stream, key, EventFlags::OUT)?;
            } else {
                self.connections.remove(&key);
            }
        }
        Ok(())
    }
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind(addr())?;
    let addr = listener.local_addr()?;
    println!("level 9: one thread, listening on http://{addr}/");
    EventLoop::new(listener)?.run()
}
