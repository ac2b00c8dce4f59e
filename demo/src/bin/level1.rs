//! Level 1 — a web server is a loop that reads a request and writes a reply.
//!
//! Nothing but the standard library, so every byte is in view. Run it and
//! check it:
//!
//! ```text
//! cargo run -p demo --bin level1                 # http://127.0.0.1:9000/
//! cargo run -p demo --bin check -- 1             # in another terminal
//! curl -v http://127.0.0.1:9000/                 # see the bytes
//! ```
//!
//! What it shows:
//! 1. `TcpListener::bind` asks the kernel for a port; `incoming()` hands us
//!    one connection (a `TcpStream`) per client.
//! 2. A request is text: a request line (`GET / HTTP/1.1`), header lines,
//!    and an empty line. We read until that empty line.
//! 3. A response is text too: a status line, headers — `Content-Length`
//!    tells the browser where the body ends — an empty line, the body.
//! 4. A client can send garbage or hang up half-way. That is *its*
//!    problem: we log it and go on to the next client. (`?` on every
//!    client error inside `main` would end the server for everyone.)
//!
//! What it leaves out: one client at a time — a client that connects and
//! says nothing blocks everyone behind it (level 2 fixes that); no routing
//! (every path says hello; level 3). rung does this job in
//! `core/src/http/conn.rs`, with keep-alive and limits on everything.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// The page every request gets.
const PAGE: &str = "<!doctype html>\n<title>Level 1</title>\n<h1>Hello, world!</h1>\n";

fn main() -> io::Result<()> {
    // `--addr HOST:PORT`, or the course's usual address.
    let args: Vec<String> = std::env::args().collect();
    let addr = match args.iter().position(|a| a == "--addr") {
        Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
        None => "127.0.0.1:9000".to_string(),
    };
    // Failing to bind (the port is taken) is our problem: stop, with `?`.
    let listener = TcpListener::bind(&addr)?;
    println!("level 1: listening on http://{}/", listener.local_addr()?);
    for stream in listener.incoming() {
        // From here on, an error is one client's: report it, keep serving.
        let result = stream.and_then(handle_client);
        if let Err(e) = result {
            eprintln!("client error: {e}");
        }
    }
    Ok(())
}

/// Reads one request and answers it.
fn handle_client(stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(&stream);
    // The request line: `GET /about HTTP/1.1`. `read_line` fails on bytes
    // that are not UTF-8 (garbage), and reads 0 bytes if the client hung up.
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "hung up before a request",
        ));
    }
    // The headers: lines until the empty one. We do not need them yet.
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "hung up in the headers",
            ));
        }
        if header == "\r\n" || header == "\n" {
            break;
        }
    }
    println!("{}", request_line.trim_end());

    // `Content-Length` counts bytes, which is what `str::len` returns.
    let response = format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         \r\n\
         {PAGE}",
        PAGE.len()
    );
    (&stream).write_all(response.as_bytes())
    // Returning drops `stream`, which closes the connection.
}
