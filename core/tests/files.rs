//! Static files over real sockets: types, conditional requests, ranges,
//! directories, streaming, gzip (on the fly and precompressed), and every
//! spelling of path traversal.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
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

/// Thirty KiB of CSS: text worth compressing.
fn big_css() -> String {
    (0..1000)
        .map(|i| format!(".c{i} {{ color: red }}\n"))
        .collect()
}

/// A JavaScript file (2.5 KiB) that has a precompressed `app.js.gz` beside
/// it. That copy decompresses to this text, so a test can tell which was
/// sent.
fn app_js() -> String {
    "console.log('from app.js');\n".repeat(100)
}
const FROM_THE_GZ_COPY: &str = "console.log('from app.js.gz');\n";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
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
    std::fs::write(public.join("big.css"), big_css()).unwrap();
    std::fs::write(public.join("app.js"), app_js()).unwrap();
    std::fs::write(public.join("app.js.gz"), gzip(FROM_THE_GZ_COPY.as_bytes())).unwrap();
    // A `.gz` copy older than its file: stale, never sent.
    std::fs::write(public.join("stale.js"), app_js()).unwrap();
    std::fs::write(
        public.join("stale.js.gz"),
        gzip(FROM_THE_GZ_COPY.as_bytes()),
    )
    .unwrap();
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(public.join("stale.js.gz"))
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    // A `.gz` copy that is a symlink out of the folder: never followed.
    std::fs::write(public.join("escape.css"), big_css()).unwrap();
    std::fs::write(dir.join("outside.gz"), gzip(b"SECRET")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside.gz"), public.join("escape.css.gz")).unwrap();
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

/// Sends `GET target` exactly as written and returns (status, headers,
/// body).
fn get(site: &Site, target: &str, extra: &str) -> (u16, String, Vec<u8>) {
    request(site, "GET", target, extra)
}

/// Sends `METHOD target` exactly as written, with the `extra` header
/// lines, and returns (status, headers, body as it came on the wire).
fn request(site: &Site, method: &str, target: &str, extra: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(site.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{extra}\r\n"
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

/// The value of the header `name` in a response head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, value) = line.split_once(": ")?;
        n.eq_ignore_ascii_case(name).then_some(value)
    })
}

/// The body of a chunked response, without its framing.
fn unchunk(mut wire: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = wire.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&wire[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text, 16).unwrap();
        wire = &wire[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&wire[..size]);
        wire = &wire[size + 2..];
    }
}

/// The head without its `Date` line (which may tick between two requests).
/// A response head without the lines that differ from one request to the
/// next: `Date`, and the request id.
fn without_date(head: &str) -> String {
    head.lines()
        .filter(|line| !line.starts_with("Date: ") && !line.starts_with("X-Request-Id: "))
        .collect::<Vec<_>>()
        .join("\r\n")
}

const GZIP: &str = "Accept-Encoding: gzip\r\n";

#[test]
fn text_files_are_gzipped_while_streamed_for_clients_that_accept_it() {
    let site = site();
    let (status, plain_head, plain) = get(&site, "/static/big.css", "");
    assert_eq!(status, 200);
    assert_eq!(plain, big_css().as_bytes());
    assert_eq!(header(&plain_head, "content-encoding"), None);
    assert_eq!(header(&plain_head, "vary"), Some("Accept-Encoding"));

    let (status, head, wire) = get(&site, "/static/big.css", GZIP);
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), Some("gzip"), "{head}");
    assert_eq!(
        header(&head, "content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
    // Compressed while it is read: its length is unknown, so chunked.
    assert_eq!(header(&head, "transfer-encoding"), Some("chunked"));
    let compressed = unchunk(&wire);
    assert!(
        compressed.len() < plain.len() / 4,
        "{} bytes",
        compressed.len()
    );
    assert_eq!(gunzip(&compressed), plain);

    // Its own ETag: the plain one with `-gzip`.
    let plain_etag = header(&plain_head, "etag").unwrap();
    let gzip_etag = header(&head, "etag").unwrap();
    assert_eq!(
        gzip_etag,
        format!("{}-gzip\"", plain_etag.trim_end_matches('"'))
    );

    // Refused with q=0, or a byte range: the plain bytes.
    let (_, head, body) = get(&site, "/static/big.css", "Accept-Encoding: gzip;q=0\r\n");
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, plain);
    let (status, head, body) = get(
        &site,
        "/static/big.css",
        "Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n",
    );
    assert_eq!(status, 206);
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, &plain[..10]);

    // Small text and binary files are sent as they are.
    let (_, head, body) = get(&site, "/static/style.css", GZIP);
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
    assert_eq!(body, b"body { color: red }\n");
    let (_, head, _) = get(&site, "/static/data.bin", GZIP);
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(header(&head, "vary"), None);
}

#[test]
fn head_answers_with_the_headers_of_get_when_gzipped() {
    let site = site();
    for file in ["/static/big.css", "/static/app.js", "/static/style.css"] {
        for extra in ["", GZIP] {
            let (_, get_head, _) = request(&site, "GET", file, extra);
            let (status, head_head, body) = request(&site, "HEAD", file, extra);
            assert_eq!(status, 200);
            assert!(body.is_empty());
            assert_eq!(
                without_date(&head_head),
                without_date(&get_head),
                "{file} {extra}"
            );
        }
    }
}

#[test]
fn the_gzip_etag_gets_its_304() {
    let site = site();
    for file in ["/static/big.css", "/static/app.js"] {
        let (_, head, _) = get(&site, file, GZIP);
        let etag = header(&head, "etag").unwrap().to_string();
        assert!(etag.ends_with("-gzip\""), "{etag}");
        let (status, head, body) = get(&site, file, &format!("{GZIP}If-None-Match: {etag}\r\n"));
        assert_eq!(status, 304, "{file}");
        assert!(body.is_empty());
        assert_eq!(header(&head, "etag"), Some(etag.as_str()));
        assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
        // Among others, or weak, it still matches.
        let list = format!("{GZIP}If-None-Match: \"other\", W/{etag}\r\n");
        assert_eq!(get(&site, file, &list).0, 304);

        // The plain form's ETag does not stand for the gzip form.
        let (_, plain_head, _) = get(&site, file, "");
        let plain_etag = header(&plain_head, "etag").unwrap();
        assert_ne!(plain_etag, etag);
        let (status, _, _) = get(
            &site,
            file,
            &format!("{GZIP}If-None-Match: {plain_etag}\r\n"),
        );
        assert_eq!(status, 200);
        let (status, _, _) = get(&site, file, &format!("If-None-Match: {plain_etag}\r\n"));
        assert_eq!(status, 304);
    }
}

#[test]
fn a_precompressed_copy_is_sent_as_it_is() {
    let site = site();
    let (status, head, body) = get(&site, "/static/app.js", GZIP);
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&head, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(header(&head, "vary"), Some("Accept-Encoding"));
    // The file's own bytes, with their length: no chunks.
    let copy = gzip(FROM_THE_GZ_COPY.as_bytes());
    assert_eq!(
        header(&head, "content-length"),
        Some(copy.len().to_string().as_str())
    );
    assert_eq!(body, copy);
    assert_eq!(gunzip(&body), FROM_THE_GZ_COPY.as_bytes());
    assert!(header(&head, "etag").unwrap().ends_with("-gzip\""));

    // A client without gzip gets the file.
    let (_, head, body) = get(&site, "/static/app.js", "");
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, app_js().as_bytes());

    // A copy older than its file is stale: the file, compressed on the fly.
    let (_, head, wire) = get(&site, "/static/stale.js", GZIP);
    assert_eq!(header(&head, "content-encoding"), Some("gzip"));
    assert_eq!(header(&head, "transfer-encoding"), Some("chunked"));
    assert_eq!(gunzip(&unchunk(&wire)), app_js().as_bytes());

    // A copy whose real place is outside the folder is not used.
    let (_, head, wire) = get(&site, "/static/escape.css", GZIP);
    assert_eq!(header(&head, "transfer-encoding"), Some("chunked"));
    assert_eq!(gunzip(&unchunk(&wire)), big_css().as_bytes());

    // The copy is also a file of its own.
    let (status, head, body) = get(&site, "/static/app.js.gz", GZIP);
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-encoding"), None);
    assert_eq!(body, copy);
}
