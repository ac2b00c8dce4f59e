//! The connection-scale check: hold many idle keep-alive connections to a
//! server, then time a fresh client, then use every held connection again.
//!
//! `idle_check ADDR COUNT SERVER_PID` prints `key=value` lines for run.sh.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const REQUEST: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: bench\r\n\r\n";

/// Sends one request and reads one response (Content-Length framed).
/// `Ok(false)` when the server had closed the connection.
fn round_trip(stream: &mut TcpStream) -> std::io::Result<bool> {
    stream.write_all(REQUEST)?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(false);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Ok(true);
            }
        }
    }
}

fn status_field(pid: &str, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args.get(1).map(String::as_str).unwrap_or("127.0.0.1:8080");
    let count: usize = args.get(2).and_then(|c| c.parse().ok()).unwrap_or(10_000);
    let pid = args.get(3).cloned().unwrap_or_default();

    println!(
        "rss_before_kib={}",
        status_field(&pid, "VmRSS:").trim_end_matches(" kB")
    );
    let started = Instant::now();
    let mut held = Vec::with_capacity(count);
    for i in 0..count {
        let mut s = match TcpStream::connect(addr) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("connection {i} failed: {e}");
                break;
            }
        };
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        match round_trip(&mut s) {
            Ok(true) => held.push(s),
            other => eprintln!("first request on connection {i} failed: {other:?}"),
        }
    }
    println!("held={}", held.len());
    println!("open_secs={:.1}", started.elapsed().as_secs_f64());
    std::thread::sleep(Duration::from_secs(1));
    println!(
        "rss_held_kib={}",
        status_field(&pid, "VmRSS:").trim_end_matches(" kB")
    );
    println!("threads={}", status_field(&pid, "Threads:"));

    // A fresh client while they are held: the worst of 20 tries.
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert!(round_trip(&mut s).unwrap(), "fresh client not answered");
        worst = worst.max(t.elapsed());
    }
    println!("fresh_client_worst_ms={:.2}", worst.as_secs_f64() * 1000.0);

    // Every held connection again.
    let (mut answered, mut closed) = (0, 0);
    for s in held.iter_mut() {
        match round_trip(s) {
            Ok(true) => answered += 1,
            _ => closed += 1,
        }
    }
    println!("second_request_answered={answered}");
    println!("second_request_closed={closed}");
}
