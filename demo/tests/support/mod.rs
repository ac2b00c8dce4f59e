//! Helpers shared by the demo's test files (each file is its own test
//! binary and uses only some of them).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A path under the system temp dir that nothing uses: unique to this
/// process and call (`rung-demo-{name}-PID-N`), and removed if it was left
/// by an earlier run. Not created: a server creates its own data folder.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("rung-demo-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Like [`temp_dir`], but created, empty.
pub fn empty_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The ids of the messages on a `/messages` page, in page order.
pub fn page_ids(page: &str) -> Vec<u64> {
    page.split("id=\"message-")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// A response read whole, on a connection the server closed.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The status line and header fields.
    pub head: String,
    /// The body, as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON (panics, with the response, if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.head, self.body))
    }

    /// The first header field called `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The `name=value` of the `Set-Cookie` header.
    pub fn cookie(&self) -> Option<String> {
        let value = self.header("set-cookie")?;
        Some(value.split(';').next().unwrap().to_string())
    }
}

/// One request on a new connection; `None` when the connection fails.
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &str,
    body: &str,
) -> Option<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}
