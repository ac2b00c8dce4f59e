//! Static files over real sockets: types, conditional requests, ranges,
//! directories, streaming, and every spelling of path traversal.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use rung::{App, ShutdownHandle};

struct Site {
    addr: std::net::SocketAddr,
    handle: ShutdownHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    dir: PathBuf,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A folder `public/` with files, a secret file beside it, and a symlink
/// inside `public/` pointing at the secret.
fn site() -> Site {
    let dir = std::env::temp_dir().join(format!(
        "rung-files-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let public = dir.join("public");
    std::fs::create_dir_all(public.join("docs")).unwrap();
    std::fs::create_dir_all(public.join("empty")).unwrap();
    std::fs::write(public.join("style.css"), "body { color: red }\n").unwrap();
    std::fs::write(public.join("data.bin"), (0u8..=255).collect::<Vec<u8>>()).unwrap();
    std::fs::write(public.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(public.join("%2e%2e"), "a file literally named %2e%2e").unwrap();
    std::fs::write(dir.join("secret.txt"), "SECRET").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), public.join("link.txt")).unwrap();
    let server = App::empty()
        .files("/static", &public)
        .bind("127.0.0.1:0")
        .unwrap();
    let addr = server.local_addr();
    let (handle, thread) = server.spawn();
    Site {
        addr,
        handle,
        thread: Some(thread),
        dir,
    }
}

/// Sends `target` exactly as written and returns (status, headers, body).
fn get(site: &Site, target: &str, extra: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(site.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{extra}\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head")
        + 4;
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head, raw[split..].to_vec())
}

#[test]
fn files_have_their_type_and_validators() {
    let site = site();
    let (status, head, body) = get(&site, "/static/style.css", "");
    assert_eq!(status, 200);
    assert!(
        head.contains("Content-Type: text/css; charset=utf-8\r\n"),
        "{head}"
    );
    assert!(head.contains("ETag: \""), "{head}");
    assert!(head.contains("Last-Modified: "), "{head}");
    assert!(head.contains("Content-Length: 20\r\n"), "{head}");
    assert_eq!(body, b"body { color: red }\n");
}

#[test]
fn conditional_requests_get_304() {
    let site = site();
    let (_, head, _) = get(&site, "/static/style.css", "");
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("ETag: "))
        .unwrap()
        .to_string();
    let modified = head
        .lines()
        .find_map(|l| l.strip_prefix("Last-Modified: "))
        .unwrap()
        .to_string();
    let (status, head, body) = get(
        &site,
        "/static/style.css",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert!(!head.contains("Content-Length"), "{head}");
    assert_eq!(
        get(
            &site,
            "/static/style.css",
            &format!("If-Modified-Since: {modified}\r\n")
        )
        .0,
        304
    );
    assert_eq!(
        get(&site, "/static/style.css", "If-None-Match: \"other\"\r\n").0,
        200
    );
    assert_eq!(
        get(
            &site,
            "/static/style.css",
            "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
        )
        .0,
        200
    );
}

#[test]
fn ranges_get_206_or_416() {
    let site = site();
    let (status, head, body) = get(&site, "/static/data.bin", "Range: bytes=10-19\r\n");
    assert_eq!(status, 206);
    assert!(
        head.contains("Content-Range: bytes 10-19/256\r\n"),
        "{head}"
    );
    assert_eq!(body, (10u8..20).collect::<Vec<u8>>());
    let (_, head, body) = get(&site, "/static/data.bin", "Range: bytes=-6\r\n");
    assert!(
        head.contains("Content-Range: bytes 250-255/256\r\n"),
        "{head}"
    );
    assert_eq!(body, (250u8..=255).collect::<Vec<u8>>());
    let (_, _, body) = get(&site, "/static/data.bin", "Range: bytes=200-\r\n");
    assert_eq!(body.len(), 56);
    let (status, head, _) = get(&site, "/static/data.bin", "Range: bytes=300-400\r\n");
    assert_eq!(status, 416);
    assert!(head.contains("Content-Range: bytes */256\r\n"), "{head}");
}

#[test]
fn folders_serve_their_index_or_404() {
    let site = site();
    let (status, _, body) = get(&site, "/static/docs/", "");
    assert_eq!(status, 200);
    assert_eq!(body, b"<h1>docs</h1>");
    let (status, head, _) = get(&site, "/static/docs", "");
    assert_eq!(status, 308);
    assert!(head.contains("Location: /static/docs/\r\n"), "{head}");
    assert_eq!(get(&site, "/static/empty/", "").0, 404);
    assert_eq!(get(&site, "/static/missing.css", "").0, 404);
}

#[test]
fn no_spelling_of_traversal_leaves_the_root() {
    let site = site();
    let attempts = [
        "/static/../secret.txt",
        "/static/docs/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/docs%2f..%2f..%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/secret.txt%00.css",
        "/static/%252e%252e/secret.txt",
        "/static/link.txt",
    ];
    for target in attempts {
        let (status, _, body) = get(&site, target, "");
        assert!([400, 403, 404].contains(&status), "{target} gave {status}");
        assert!(
            !String::from_utf8_lossy(&body).contains("SECRET"),
            "{target} leaked the file"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("root:"),
            "{target} leaked /etc/passwd"
        );
    }
    // Double encoding is decoded once: it names a file called `%2e%2e`.
    let (status, _, body) = get(&site, "/static/%252e%252e", "");
    assert_eq!(status, 200);
    assert_eq!(body, b"a file literally named %2e%2e");
}

#[test]
fn head_has_the_length_and_no_body() {
    let site = site();
    let mut s = TcpStream::connect(site.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "HEAD /static/data.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.contains("Content-Length: 256\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\n"), "{raw}");
}
