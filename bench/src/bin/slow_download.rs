//! The big-file check: download a file slowly while sampling the server's
//! memory. `slow_download ADDR PATH SERVER_PID BYTES_PER_SEC` prints
//! `key=value` lines for run.sh.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = &args[1];
    let path = &args[2];
    let pid = &args[3];
    let rate: u64 = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(50 << 20);

    let before = rss_kib(pid);
    let mut s = TcpStream::connect(addr).unwrap();
    // A small receive buffer makes the client slow at the TCP level too.
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut total: u64 = 0;
    let mut peak = before;
    let mut buf = vec![0u8; 16 * 1024];
    let mut next_sample = Instant::now();
    loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
        // Keep to `rate` bytes per second.
        let due = Duration::from_secs_f64(total as f64 / rate as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        if Instant::now() >= next_sample {
            peak = peak.max(rss_kib(pid));
            next_sample += Duration::from_millis(100);
        }
    }
    println!("rss_before_kib={before}");
    println!("rss_peak_kib={peak}");
    println!("rss_growth_kib={}", peak.saturating_sub(before));
    println!("bytes={total}");
    println!("secs={:.1}", started.elapsed().as_secs_f64());
}
