//! The floor: the least a server can do for these benchmarks. One thread,
//! edge-triggered epoll, and a canned response for every request head it
//! reads (each `\r\n\r\n`), with no parsing, routing or allocation per
//! request. No real server can beat it, so every run reports each server
//! against it. (It assumes a read holds whole heads, as wrk sends them.)

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::mem::MaybeUninit;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsFd;

use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};

const PLAINTEXT: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\
Date: Fri, 27 Nov 2026 12:00:00 GMT\r\n\r\nHello, World!";
const JSON: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\
Date: Fri, 27 Nov 2026 12:00:00 GMT\r\n\r\n{\"message\":\"Hello, World!\"}";

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8085".into());
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let poll = epoll::create(CreateFlags::CLOEXEC)?;
    let ready = EventFlags::IN | EventFlags::ET;
    epoll::add(&poll, listener.as_fd(), EventData::new_u64(0), ready)?;
    let mut conns: HashMap<u64, TcpStream> = HashMap::new();
    let (mut next_id, mut buf, mut out) = (1u64, vec![0u8; 64 * 1024], Vec::new());
    let mut events = [MaybeUninit::<Event>::uninit(); 256];
    loop {
        let (ready_events, _) = epoll::wait(&poll, &mut events[..], None)?;
        for event in ready_events.iter() {
            let id = event.data.u64();
            if id == 0 {
                while let Ok((stream, _)) = listener.accept() {
                    stream.set_nonblocking(true)?;
                    stream.set_nodelay(true)?;
                    epoll::add(&poll, stream.as_fd(), EventData::new_u64(next_id), ready)?;
                    conns.insert(next_id, stream);
                    next_id += 1;
                }
                continue;
            }
            let Some(stream) = conns.get_mut(&id) else {
                continue;
            };
            let mut open = true;
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => {
                        open = false;
                        break;
                    }
                    Ok(n) => {
                        answer(&buf[..n], &mut out);
                        if n < buf.len() {
                            break; // a short read: the socket is empty for now
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        open = false;
                        break;
                    }
                }
            }
            if open && !out.is_empty() && stream.write_all(&out).is_err() {
                open = false;
            }
            out.clear();
            if !open {
                conns.remove(&id);
            }
        }
    }
}

/// Appends one canned response per request head in `data`: JSON for a
/// path starting with `/j`, plain text for any other.
fn answer(data: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    while let Some(end) = data[start..].windows(4).position(|w| w == b"\r\n\r\n") {
        let json = data[start..].starts_with(b"GET /j");
        out.extend_from_slice(if json { JSON } else { PLAINTEXT });
        start += end + 4;
    }
}
