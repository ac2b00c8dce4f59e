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
//! event loop. `async`/`await` only let you write each connection's story
//! as straight-line code; here it is written out by hand as a small state
//! machine per connection, [`Connection`]: reading the request, then
//! writing the response, then closed.
//!
//! ```text
//! cargo run -p demo --bin level9
//! cargo run -p demo --bin check -- 9        # 1,000 idle connections, and you still answer
//! ```
//!
//! The price: nothing may block this one thread. A handler that waits
//! holds up every client — try `curl localhost:9000/sleep?ms=3000` and,
//! meanwhile, `curl localhost:9000/`. An async runtime's `sleep` hands the
//! thread back to the loop instead; a server with blocking handlers (like
//! the saving of level 5) runs them on other threads. rung does both:
//! one thread waits on epoll for every connection, and hands only the
//! connections that have a request to a pool of workers
//! (`core/src/server/poller.rs`, `dispatch.rs`, `conn.rs`).

#[allow(dead_code)] // level 8's own `main` and level 2's `serve` go unused here
#[path = "level8.rs"]
mod level8;
pub use level8::*;

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use rustix::buffer::spare_capacity;
use rustix::event::epoll;

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
#[derive(PartialEq)]
pub enum Next {
    /// More bytes of the request.
    Read,
    /// Room in the socket for more of the response.
    Write,
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
                let response = handle(&req);
                println!(
                    "{} \"{} {}\" {}",
                    self.peer, req.method, req.path, response.status
                );
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

fn main() -> io::Result<()> {
    raise_open_files_limit();
    let listener = TcpListener::bind(addr())?;
    listener.set_nonblocking(true)?;
    println!(
        "level 9: one thread, listening on http://{}/",
        listener.local_addr()?
    );

    // The epoll instance: the kernel's list of sockets we wait on, each
    // with a key of ours and what we wait for (IN: readable, OUT: writable).
    let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    epoll::add(
        &epoll,
        &listener,
        epoll::EventData::new_u64(LISTENER),
        epoll::EventFlags::IN,
    )?;
    let mut connections: HashMap<u64, Connection> = HashMap::new();
    let mut next_key = LISTENER + 1;
    let mut events = Vec::with_capacity(256);

    loop {
        // The one place this thread sleeps: until a socket is ready.
        events.clear();
        match epoll::wait(&epoll, spare_capacity(&mut events), None) {
            Err(rustix::io::Errno::INTR) => continue, // a signal; wait again
            result => result?,
        };
        for event in &events {
            // Copied out: the kernel's event struct is packed.
            let data = event.data;
            let key = data.u64();
            if key == LISTENER {
                // Take every client waiting to be accepted.
                loop {
                    let (stream, peer) = match listener.accept() {
                        Ok(client) => client,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => {
                            eprintln!("accept failed: {e}");
                            break;
                        }
                    };
                    stream.set_nonblocking(true)?;
                    epoll::add(
                        &epoll,
                        &stream,
                        epoll::EventData::new_u64(next_key),
                        epoll::EventFlags::IN,
                    )?;
                    let connection = Connection {
                        stream,
                        peer: peer.to_string(),
                        received: Vec::new(),
                        response: Vec::new(),
                        written: 0,
                    };
                    connections.insert(next_key, connection);
                    next_key += 1;
                }
                continue;
            }
            let Some(connection) = connections.get_mut(&key) else {
                continue;
            };
            // Reading until there is a response; then writing it.
            let next = if connection.response.is_empty() {
                connection.readable()
            } else {
                connection.writable()
            };
            match next {
                Ok(Next::Read) => {}
                Ok(Next::Write) => {
                    // The socket's send buffer is full: wait until it has
                    // room (OUT) instead of for more bytes to read (IN).
                    let data = epoll::EventData::new_u64(key);
                    epoll::modify(&epoll, &connection.stream, data, epoll::EventFlags::OUT)?;
                }
                Ok(Next::Close) | Err(_) => {
                    if let Err(e) = next {
                        eprintln!("{}: {e}", connection.peer);
                    }
                    if let Some(connection) = connections.remove(&key) {
                        epoll::delete(&epoll, &connection.stream)?;
                        // Dropping the stream closes the socket.
                    }
                }
            }
        }
    }
}

/// Each connection is an open file; many systems allow 1,024 per process
/// unless it asks for more (`ulimit -n`). Raise the "soft" limit to the
/// "hard" one, which a process may do by itself.
fn raise_open_files_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(soft), Some(hard)) = (limit.current, limit.maximum) {
        if soft < hard {
            limit.current = Some(hard);
            let _ = setrlimit(Resource::Nofile, limit);
        }
    }
}
