//! Level 1 — a web server is a loop that reads a request and writes a reply.
//!
//! This lesson uses nothing but the standard library, so every byte is in
//! view. Run it with `cargo run -p demo --bin level1` and open
//! <http://127.0.0.1:9001/>, or try `curl -v http://127.0.0.1:9001/`.
//!
//! What it shows:
//! 1. `TcpListener::bind` asks the kernel for a port; `incoming()` hands us
//!    one connection (a `TcpStream`) per client.
//! 2. A request is text: a request line (`GET / HTTP/1.1`), header lines,
//!    and an empty line. We read until that empty line.
//! 3. A response is text too: a status line, headers — `Content-Length`
//!    tells the browser where the body ends — an empty line, the body.
//!
//! What it leaves out (the later levels, and rung itself, add it): one
//! client at a time, no routing, no limits on what a client may send, no
//! keep-alive. Compare with `core/src/server/conn.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:9001")?;
    println!("level 1: listening on http://127.0.0.1:9001/");
    for stream in listener.incoming() {
        let mut stream = stream?;
        // Read the request head: lines until the empty line that ends it.
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
                break;
            }
        }
        println!("{}", request_line.trim_end());

        let body = "<!doctype html>\n<title>Level 1</title>\n<h1>Hello, world!</h1>\n";
        let response = format!(
            "HTTP/1.1 200 OK\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\n\
             Connection: close\r\n\
             \r\n\
             {body}",
            body.len()
        );
        stream.write_all(response.as_bytes())?;
        // Dropping `stream` closes the connection.
    }
    Ok(())
}
