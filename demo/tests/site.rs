//! Every row of the demo site's table (SPEC §4), over real sockets.
//!
//! Each test starts the real app (`demo::build_app`) in-process on a free
//! port of 127.0.0.1 with a fresh data directory, and talks to it with a
//! tiny HTTP/1.1 client written on `TcpStream` below: one request per
//! connection, no redirects followed, no cookies kept unless a test passes
//! them on — so every byte that matters is visible in the test.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rung::ShutdownHandle;
use serde_json::{json, Value};
use support::{page_ids, temp_dir};

// ---------------------------------------------------------------------------
// A running site and a minimal client.

struct Site {
    addr: SocketAddr,
    handle: ShutdownHandle,
    thread: JoinHandle<std::io::Result<()>>,
}

fn options(dir: &Path) -> demo::Options {
    let mut options = demo::Options::new(dir.join("data"));
    options.workers = 8;
    options.secrets = vec!["test secret".into()];
    options.admin_token = Some("let-me-in".into());
    options
}

impl Site {
    fn start(options: &demo::Options) -> Site {
        let server = demo::build_app(options)
            .expect("open the store")
            .bind("127.0.0.1:0")
            .expect("build and bind");
        let addr = server.local_addr();
        let (handle, thread) = server.spawn();
        Site {
            addr,
            handle,
            thread,
        }
    }

    fn stop(self) {
        self.handle.shutdown();
        self.thread.join().unwrap().unwrap();
    }

    fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], b"")
    }

    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, headers, b"")
    }

    fn post_json(&self, path: &str, body: &Value) -> Reply {
        let body = body.to_string();
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    fn post_form(&self, path: &str, fields: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if let Some(cookie) = cookie {
            headers.push(("Cookie", cookie));
        }
        self.send("POST", path, &headers, body.as_bytes())
    }

    /// Sends one request on a new connection and reads the whole answer.
    fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Reply::parse(&raw, method == "HEAD")
    }
}

/// Percent-encodes a form value (everything but unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8], head_only: bool) -> Reply {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = std::str::from_utf8(&raw[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        let mut reply = Reply {
            status,
            headers,
            body: raw[end + 4..].to_vec(),
        };
        if head_only {
            assert!(reply.body.is_empty());
        } else if reply.header("transfer-encoding") == Some("chunked") {
            reply.body = dechunk(&reply.body);
        } else if let Some(len) = reply.header("content-length") {
            assert_eq!(
                reply.body.len(),
                len.parse::<usize>().unwrap(),
                "body length"
            );
        }
        reply
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    fn json(&self) -> Value {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        serde_json::from_slice(&self.body).unwrap()
    }

    fn is_html(&self) -> bool {
        self.header("content-type") == Some("text/html; charset=utf-8")
    }

    /// The session cookie as a `Cookie` header value, from `Set-Cookie`.
    fn session_cookie(&self) -> String {
        let set = self
            .headers
            .iter()
            .find(|(n, v)| n == "set-cookie" && v.starts_with("rung_session="))
            .map(|(_, v)| v.as_str())
            .expect("a session cookie");
        set.split(';').next().unwrap().to_string()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

fn message(text: &str) -> Value {
    json!({ "name": "Tester", "message": text })
}

// ---------------------------------------------------------------------------
// GET /  (Level 1)

#[test]
fn home_says_hello_and_counts_visits_with_the_cookie() {
    let dir = temp_dir("home");
    let site = Site::start(&options(&dir));
    let first = site.get("/");
    assert_eq!(first.status, 200);
    assert!(first.is_html(), "{first:?}");
    let page = first.text();
    assert!(page.contains("<h1>Hello, world!</h1>"), "{page}");
    for link in ["href=\"/about\"", "href=\"/contact\"", "href=\"/messages\""] {
        assert!(page.contains(link), "missing {link}");
    }
    assert!(page.contains("<span id=\"visits\">1</span>"), "{page}");
    assert!(!page.contains("Welcome back"));

    let mut cookie = first.session_cookie();
    for n in 2..=4 {
        let reply = site.get_with("/", &[("Cookie", &cookie)]);
        assert!(
            reply
                .text()
                .contains(&format!("<span id=\"visits\">{n}</span>")),
            "visit {n}"
        );
        cookie = reply.session_cookie();
    }
    // Without the cookie, a new visitor.
    assert!(site
        .get("/")
        .text()
        .contains("<span id=\"visits\">1</span>"));
    // A tampered cookie is a fresh session, not an error.
    let tampered = format!("{}x", cookie);
    let reply = site.get_with("/", &[("Cookie", &tampered)]);
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("<span id=\"visits\">1</span>"));
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn home_welcomes_back_after_the_contact_form_escaped() {
    let dir = temp_dir("welcome");
    let site = Site::start(&options(&dir));
    let cookie = site.get("/").session_cookie();
    let sent = site.post_form(
        "/contact",
        &[("name", "<b>Ada</b>"), ("message", "Hello there")],
        Some(&cookie),
    );
    assert_eq!(sent.status, 200);
    let cookie = sent.session_cookie();
    let home = site.get_with("/", &[("Cookie", &cookie)]).text();
    assert!(
        home.contains("Welcome back, &lt;b&gt;Ada&lt;/b&gt;"),
        "{home}"
    );
    assert!(!home.contains("<b>Ada"));
    // The visit counter went on through the form post.
    assert!(home.contains("<span id=\"visits\">2</span>"), "{home}");
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /sleep  (Level 2)

#[test]
fn sleep_waits_and_refuses_bad_durations() {
    let dir = temp_dir("sleep");
    let site = Site::start(&options(&dir));
    let started = Instant::now();
    let reply = site.get("/sleep?ms=300");
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(site.get("/sleep?ms=0").status, 200);
    for bad in [
        "/sleep?ms=5001",
        "/sleep?ms=-1",
        "/sleep?ms=abc",
        "/sleep?ms=1.5",
        "/sleep",
    ] {
        assert_eq!(site.get(bad).status, 400, "{bad}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_slow_client_does_not_hold_up_the_others() {
    let dir = temp_dir("slow");
    let site = Site::start(&options(&dir));
    std::thread::scope(|s| {
        let slow: Vec<_> = (0..3)
            .map(|_| s.spawn(|| site.get("/sleep?ms=2000").status))
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        assert_eq!(site.get("/").status, 200);
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "the home page waited for the slow ones: {:?}",
            started.elapsed()
        );
        for handle in slow {
            assert_eq!(handle.join().unwrap(), 200);
        }
    });
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /about, GET /static/{*path}  (Level 3)

#[test]
fn every_answer_has_the_safe_defaults_and_a_server_timing() {
    let dir = temp_dir("defaults");
    let site = Site::start(&options(&dir));
    for path in [
        "/",
        "/about",
        "/static/style.css",
        "/nowhere",
        "/api/nowhere",
    ] {
        let reply = site.get(path);
        for (name, value) in rung::SECURITY_HEADERS {
            let name = name.to_ascii_lowercase();
            assert_eq!(reply.header(&name), Some(value), "{name} on {path}");
        }
        assert_eq!(
            reply.header("content-security-policy"),
            Some("default-src 'self'"),
            "{path}"
        );
        let timing = reply
            .header("server-timing")
            .unwrap_or_else(|| panic!("{path}"));
        let ms: f64 = timing.strip_prefix("app;dur=").unwrap().parse().unwrap();
        assert!((0.0..10_000.0).contains(&ms), "{timing}");
        assert!(reply.header("x-request-id").is_some(), "{path}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn about_page() {
    let dir = temp_dir("about");
    let site = Site::start(&options(&dir));
    let reply = site.get("/about");
    assert_eq!(reply.status, 200);
    assert!(reply.is_html());
    assert!(reply.text().contains("About rung"));
    let head = site.send("HEAD", "/about", &[], b"");
    assert_eq!(head.status, 200);
    assert!(head.is_html());
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn static_files() {
    let dir = temp_dir("static");
    let site = Site::start(&options(&dir));
    let css = site.get("/static/style.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let on_disk = std::fs::read(format!("{}/style.css", demo::PUBLIC_DIR)).unwrap();
    assert_eq!(css.body, on_disk);
    let logo = site.get("/static/logo.svg");
    assert_eq!(logo.status, 200);
    assert!(logo
        .header("content-type")
        .unwrap()
        .starts_with("image/svg+xml"));
    assert!(logo.text().contains("<svg"));
    // Served by rung's file mount: a second fetch can be a 304.
    let etag = css.header("etag").expect("an ETag");
    let again = site.get_with("/static/style.css", &[("If-None-Match", etag)]);
    assert_eq!(again.status, 304);
    assert_eq!(site.get("/static/nope.css").status, 404);
    for escape in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2fsrc%2flib.rs",
        "/static/..%5cCargo.toml",
    ] {
        let status = site.get(escape).status;
        assert!(
            matches!(status, 400 | 403 | 404),
            "{escape} answered {status}"
        );
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn pages_and_styles_are_gzipped_for_browsers() {
    let dir = temp_dir("gzip");
    let site = Site::start(&options(&dir));
    let browser = [("Accept-Encoding", "gzip, deflate, br, zstd")];
    let gunzip = |reply: &Reply| {
        assert_eq!(reply.header("content-encoding"), Some("gzip"), "{reply:?}");
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&reply.body[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    for path in ["/", "/about", "/static/style.css"] {
        // A first visit each time, so the visit counts match.
        let plain = site.get(path);
        assert_eq!(plain.header("content-encoding"), None);
        let gzipped = site.get_with(path, &browser);
        assert_eq!(gzipped.status, 200);
        assert!(gzipped.body.len() < plain.body.len(), "{path}");
        assert_eq!(gunzip(&gzipped), plain.body, "{path}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /contact, POST /contact  (Level 4)

#[test]
fn contact_form() {
    let dir = temp_dir("contact-form");
    let site = Site::start(&options(&dir));
    let reply = site.get("/contact");
    assert_eq!(reply.status, 200);
    assert!(reply.is_html());
    let page = reply.text();
    assert!(
        page.contains("<form method=\"post\" action=\"/contact\""),
        "{page}"
    );
    for field in ["name=\"name\"", "name=\"email\"", "name=\"message\""] {
        assert!(page.contains(field), "missing {field}");
    }
    assert!(!page.contains("class=\"error\""));
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn contact_valid_post_thanks_and_stores() {
    let dir = temp_dir("contact-valid");
    let site = Site::start(&options(&dir));
    let reply = site.post_form(
        "/contact",
        &[
            ("name", "Ada & <Co>"),
            ("email", "ada@example.org"),
            ("message", "  Hi!  "),
        ],
        None,
    );
    assert_eq!(reply.status, 200);
    assert!(reply.is_html());
    let page = reply.text();
    assert!(page.contains("Thank you, Ada &amp; &lt;Co&gt;!"), "{page}");
    let list = site.get("/api/messages").json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Ada & <Co>");
    assert_eq!(list[0]["email"], "ada@example.org");
    assert_eq!(list[0]["message"], "Hi!");

    // Blank name: anonymous.
    let reply = site.post_form("/contact", &[("name", " "), ("message", "x")], None);
    assert!(reply.text().contains("Thank you, anonymous!"));
    let list = site.get("/api/messages").json();
    assert_eq!(list[1]["name"], "anonymous");
    assert_eq!(list[1]["email"], Value::Null);
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn contact_invalid_post_shows_the_form_again_and_stores_nothing() {
    let dir = temp_dir("contact-invalid");
    let site = Site::start(&options(&dir));
    let long_name = format!("<i>{}", "n".repeat(100));
    let reply = site.post_form(
        "/contact",
        &[
            ("name", &long_name),
            ("email", "\"><script>x</script>"),
            ("message", "   "),
        ],
        None,
    );
    assert_eq!(reply.status, 422);
    assert!(reply.is_html());
    let page = reply.text();
    for id in ["name-error", "email-error", "message-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "missing {id}");
    }
    assert!(page.contains("<form method=\"post\" action=\"/contact\""));
    // The values as typed, escaped.
    assert!(page.contains("value=\"&lt;i&gt;nnn"), "{page}");
    assert!(
        page.contains("value=\"&quot;&gt;&lt;script&gt;x&lt;"),
        "{page}"
    );
    assert!(!page.contains("<script>x"));
    assert!(!page.contains("<i>nnn"));

    // One bad field: only its error; the good values are kept.
    let reply = site.post_form(
        "/contact",
        &[("name", "Bob"), ("email", "bob@"), ("message", "kept text")],
        None,
    );
    assert_eq!(reply.status, 422);
    let page = reply.text();
    assert!(page.contains("id=\"email-error\""));
    assert!(!page.contains("id=\"message-error\""));
    assert!(!page.contains("id=\"name-error\""));
    assert!(page.contains("value=\"Bob\""));
    assert!(page.contains(">kept text</textarea>"));

    // No message field at all.
    let reply = site.post_form("/contact", &[("name", "Bob")], None);
    assert_eq!(reply.status, 422);
    assert!(reply.text().contains("id=\"message-error\""));

    assert_eq!(site.get("/api/messages").json(), json!([]));
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn contact_multipart_post() {
    let dir = temp_dir("contact-multipart");
    let site = Site::start(&options(&dir));
    let boundary = "----rungBoundary7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (name, value) in [
        ("name", "Multi <Part>"),
        ("email", ""),
        ("message", "line one\r\nline two"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = site.send(
        "POST",
        "/contact",
        &[("Content-Type", &content_type)],
        body.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("Thank you, Multi &lt;Part&gt;!"));
    let list = site.get("/api/messages").json();
    assert_eq!(list[0]["name"], "Multi <Part>");
    assert_eq!(list[0]["email"], Value::Null);
    assert_eq!(list[0]["message"], "line one\r\nline two");

    // Invalid multipart: 422 too, nothing stored.
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let reply = site.send(
        "POST",
        "/contact",
        &[("Content-Type", &content_type)],
        body.as_bytes(),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        site.get("/api/messages").json().as_array().unwrap().len(),
        1
    );
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /messages

#[test]
fn messages_page_lists_every_message_escaped() {
    let dir = temp_dir("messages");
    let site = Site::start(&options(&dir));
    let empty = site.get("/messages");
    assert_eq!(empty.status, 200);
    assert!(empty.is_html());
    assert!(empty.text().contains("No messages yet"));

    let hostile = json!({
        "name": "\"Q\" & 'A' <img src=x>",
        "email": "evil<x>@example.com",
        "message": "<script>alert(1)</script>",
    });
    // That email is not plausible ("<" and ">"): refused.
    assert_eq!(site.post_json("/api/messages", &hostile).status, 422);
    let hostile = json!({
        "name": "\"Q\" & 'A' <img src=x>",
        "email": "o'neil&co@example.com",
        "message": "<script>alert(1)</script>",
    });
    assert_eq!(site.post_json("/api/messages", &hostile).status, 201);
    assert_eq!(
        site.post_json("/api/messages", &message("second one"))
            .status,
        201
    );
    let page = site.get("/messages").text();
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("<img src=x>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;"), "{page}");
    assert!(page.contains("&quot;Q&quot; &amp; &#39;A&#39; &lt;img src=x&gt;"));
    assert!(page.contains("o&#39;neil&amp;co@example.com"));
    assert!(page.contains("second one"));
    // Newest first.
    assert!(page.find("message-2").unwrap() < page.find("message-1").unwrap());
    assert!(!page.contains("Older messages"), "one page only");
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn messages_pages_hold_50_newest_first_with_a_link_to_older_ones() {
    let dir = temp_dir("pages");
    let site = Site::start(&options(&dir));
    for i in 1..=120 {
        let reply = site.post_json("/api/messages", &message(&format!("m{i}")));
        assert_eq!(reply.status, 201);
    }
    // A deleted message leaves a gap; pages go on across it.
    let auth = [("Authorization", "Bearer let-me-in")];
    assert_eq!(
        site.send("DELETE", "/api/messages/60", &auth, b"").status,
        204
    );

    let first = site.get("/messages").text();
    assert_eq!(page_ids(&first), (71..=120).rev().collect::<Vec<u64>>());
    assert!(first.contains("href=\"/messages?before=71\""), "{first}");
    assert!(!first.contains("Newest messages"));

    let second = site.get("/messages?before=71").text();
    let mut expected: Vec<u64> = (20..=70).rev().filter(|&id| id != 60).collect();
    expected.truncate(50);
    assert_eq!(page_ids(&second), expected);
    assert!(second.contains("href=\"/messages?before=20\""), "{second}");
    assert!(second.contains("href=\"/messages\""));

    let last = site.get("/messages?before=20").text();
    assert_eq!(page_ids(&last), (1..=19).rev().collect::<Vec<u64>>());
    assert!(!last.contains("Older messages"), "{last}");

    let beyond = site.get("/messages?before=1");
    assert_eq!(beyond.status, 200);
    assert!(beyond.text().contains("No older messages"));
    for bad in ["/messages?before=abc", "/messages?before=-1"] {
        assert_eq!(site.get(bad).status, 400, "{bad}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /api/messages

#[test]
fn api_list_with_limit_and_offset() {
    let dir = temp_dir("api-list");
    let site = Site::start(&options(&dir));
    let reply = site.get("/api/messages");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!([]));
    for i in 1..=5 {
        assert_eq!(
            site.post_json("/api/messages", &message(&format!("m{i}")))
                .status,
            201
        );
    }
    assert_eq!(ids(&site.get("/api/messages").json()), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&site.get("/api/messages?limit=2").json()), [1, 2]);
    assert_eq!(ids(&site.get("/api/messages?offset=3").json()), [4, 5]);
    assert_eq!(
        ids(&site.get("/api/messages?limit=2&offset=1").json()),
        [2, 3]
    );
    assert_eq!(ids(&site.get("/api/messages?limit=0").json()), [0u64; 0]);
    assert_eq!(ids(&site.get("/api/messages?offset=99").json()), [0u64; 0]);
    assert_eq!(ids(&site.get("/api/messages?limit=1000").json()).len(), 5);
    for bad in [
        "/api/messages?limit=1001",
        "/api/messages?limit=-1",
        "/api/messages?limit=abc",
        "/api/messages?limit=99999999999999999999999",
        "/api/messages?offset=-1",
        "/api/messages?offset=x",
        "/api/messages?limit=2&offset=-5",
    ] {
        let reply = site.get(bad);
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.json()["error"].is_string(), "{bad}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// POST /api/messages

#[test]
fn api_post_creates_with_location() {
    let dir = temp_dir("api-post");
    let site = Site::start(&options(&dir));
    let reply = site.post_json("/api/messages", &json!({ "message": "  Hello API  " }));
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("location"), Some("/api/messages/1"));
    let created = reply.json();
    assert_eq!(created["id"], 1);
    assert_eq!(created["name"], "anonymous");
    assert_eq!(created["email"], Value::Null);
    assert_eq!(created["message"], "Hello API");
    let at = created["created_at"].as_str().unwrap();
    assert!(
        at.len() == 20 && at.ends_with('Z') && &at[10..11] == "T",
        "{at}"
    );
    assert_eq!(
        created.as_object().unwrap().len(),
        5,
        "exactly the 5 fields"
    );

    let reply = site.post_json(
        "/api/messages",
        &json!({ "name": "Ada", "email": "ada@example.org", "message": "2nd", "extra": 1 }),
    );
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("location"), Some("/api/messages/2"));
    let fetched = site.get("/api/messages/2");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), reply.json());
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn api_post_errors_400_415_422() {
    let dir = temp_dir("api-errors");
    let site = Site::start(&options(&dir));
    let json_header = [("Content-Type", "application/json")];

    // Bad JSON: 400 {"error": ...}
    for bad in [
        &b"{\"message\": "[..],
        b"not json",
        b"",
        b"{\"message\": \"x\"} trailing",
    ] {
        let reply = site.send("POST", "/api/messages", &json_header, bad);
        assert_eq!(reply.status, 400, "{:?}", String::from_utf8_lossy(bad));
        assert!(reply.json()["error"].is_string());
    }

    // Not a JSON content type: 415 {"error": ...}
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|ct| vec![("Content-Type", ct)])
            .unwrap_or_default();
        let reply = site.send("POST", "/api/messages", &headers, br#"{"message":"hi"}"#);
        assert_eq!(reply.status, 415, "{content_type:?}");
        assert!(reply.json()["error"].is_string());
    }

    // Invalid fields: 422 {"error": ..., "fields": {FIELD: MESSAGE}}
    let cases = [
        (json!({}), vec!["message"]),
        (json!({ "message": "   " }), vec!["message"]),
        (json!({ "message": "x".repeat(2001) }), vec!["message"]),
        (json!({ "message": 5 }), vec!["message"]),
        (json!({ "message": "ok", "email": "nope" }), vec!["email"]),
        (json!({ "message": "ok", "email": 7 }), vec!["email"]),
        (
            json!({ "message": "ok", "name": "n".repeat(101) }),
            vec!["name"],
        ),
        (
            json!({ "name": ["x"], "email": "a@b", "message": null }),
            vec!["email", "message", "name"],
        ),
    ];
    for (body, fields) in cases {
        let reply = site.post_json("/api/messages", &body);
        assert_eq!(reply.status, 422, "{body}");
        let answer = reply.json();
        assert!(answer["error"].is_string(), "{answer}");
        let got: Vec<&str> = answer["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                assert!(v.is_string());
                k.as_str()
            })
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    // Valid JSON that is not an object: 422 too.
    let reply = site.post_json("/api/messages", &json!(["message"]));
    assert_eq!(reply.status, 422);
    assert!(reply.json()["error"].is_string());

    // Nothing was stored by any of those.
    assert_eq!(site.get("/api/messages").json(), json!([]));
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /api/messages/{id}, DELETE /api/messages/{id}

#[test]
fn api_get_unknown_is_a_json_404() {
    let dir = temp_dir("api-404");
    let site = Site::start(&options(&dir));
    for path in [
        "/api/messages/1",
        "/api/messages/999999",
        "/api/messages/abc",
        "/api/messages/-1",
    ] {
        let reply = site.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.json()["error"].is_string(), "{path}");
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn api_delete_needs_the_admin_token() {
    let dir = temp_dir("api-delete");
    let site = Site::start(&options(&dir));
    assert_eq!(
        site.post_json("/api/messages", &message("doomed")).status,
        201
    );
    let delete = |headers: &[(&str, &str)]| site.send("DELETE", "/api/messages/1", headers, b"");

    let reply = delete(&[]);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert!(reply.json()["error"].is_string());
    for wrong in [
        "Bearer wrong",
        "Bearer let-me-i",
        "Bearer let-me-inn",
        "Basic let-me-in",
        "let-me-in",
    ] {
        let reply = delete(&[("Authorization", wrong)]);
        assert_eq!(reply.status, 401, "{wrong}");
        assert!(reply.json()["error"].is_string());
    }
    assert_eq!(site.get("/api/messages/1").status, 200, "still there");

    let reply = delete(&[("Authorization", "Bearer let-me-in")]);
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert_eq!(site.get("/api/messages/1").status, 404);
    let again = delete(&[("Authorization", "Bearer let-me-in")]);
    assert_eq!(again.status, 404);
    assert!(again.json()["error"].is_string());
    assert_eq!(site.get("/api/messages").json(), json!([]));
    site.stop();

    // The deletion survives a restart, and the id is not reused.
    let site = Site::start(&options(&dir));
    assert_eq!(site.get("/api/messages/1").status, 404);
    let reply = site.post_json("/api/messages", &message("next"));
    assert_eq!(reply.json()["id"], 2);
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn api_delete_without_a_configured_token_is_forbidden() {
    let dir = temp_dir("api-delete-403");
    let mut options = options(&dir);
    options.admin_token = None;
    let site = Site::start(&options);
    assert_eq!(
        site.post_json("/api/messages", &message("kept")).status,
        201
    );
    for headers in [
        vec![],
        vec![("Authorization", "Bearer let-me-in")],
        vec![("Authorization", "Bearer ")],
    ] {
        let reply = site.send("DELETE", "/api/messages/1", &headers, b"");
        assert_eq!(reply.status, 403, "{headers:?}");
        assert!(reply.json()["error"].is_string());
    }
    assert_eq!(site.get("/api/messages/1").status, 200);
    site.stop();

    // An empty token is no token.
    options.admin_token = Some(String::new());
    let site = Site::start(&options);
    let reply = site.send(
        "DELETE",
        "/api/messages/1",
        &[("Authorization", "Bearer ")],
        b"",
    );
    assert_eq!(reply.status, 403);
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// GET /boom, anything else

#[test]
fn boom_is_a_500_page_and_the_server_goes_on() {
    let dir = temp_dir("boom");
    let site = Site::start(&options(&dir));
    for _ in 0..3 {
        let reply = site.get("/boom");
        assert_eq!(reply.status, 500);
        assert!(reply.is_html());
        let page = reply.text();
        assert!(page.contains("500"), "{page}");
        assert!(page.contains("/static/style.css"), "in the site's layout");
        assert_eq!(site.get("/").status, 200);
    }
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unknown_paths_are_404_html_or_json_under_api() {
    let dir = temp_dir("unknown");
    let site = Site::start(&options(&dir));
    for path in ["/nope", "/about/more", "/contact/x", "/%3Cscript%3E"] {
        let reply = site.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.is_html(), "{path}");
        let page = reply.text();
        assert!(page.contains("404 Not Found"), "{page}");
        assert!(page.contains("/static/style.css"), "in the site's layout");
        assert!(!page.contains("<script>"), "{page}");
    }
    for path in ["/api/unknown", "/api/messages/1/more", "/api/", "/api"] {
        let reply = site.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.json()["error"].is_string(), "{path}");
    }
    // A known path with another method: 405 with Allow, JSON under /api.
    let reply = site.send("PUT", "/api/messages", &[], b"");
    assert_eq!(reply.status, 405);
    assert!(reply.header("allow").unwrap().contains("POST"));
    assert!(reply.json()["error"].is_string());
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------
// Durability

#[test]
fn messages_and_sessions_survive_a_restart() {
    let dir = temp_dir("restart");
    let options = options(&dir);
    let site = Site::start(&options);
    assert_eq!(site.post_json("/api/messages", &message("one")).status, 201);
    let sent = site.post_form("/contact", &[("name", "Ann"), ("message", "two")], None);
    assert_eq!(sent.status, 200);
    let cookie = sent.session_cookie();
    site.stop();

    // A new app on the same data dir, with the same secret.
    let site = Site::start(&options);
    let list = site.get("/api/messages").json();
    assert_eq!(ids(&list), [1, 2]);
    assert_eq!(list[0]["message"], "one");
    assert_eq!(list[1]["name"], "Ann");
    assert!(site.get("/messages").text().contains("two"));
    let home = site.get_with("/", &[("Cookie", &cookie)]).text();
    assert!(home.contains("Welcome back, Ann"), "{home}");
    let third = site.post_json("/api/messages", &message("three")).json();
    assert_eq!(third["id"], 3);
    site.stop();
    assert!(dir.join("data").join("messages.jsonl").is_file());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn many_concurrent_posters_lose_nothing() {
    let dir = temp_dir("concurrent");
    let site = Site::start(&options(&dir));
    let created: Vec<u64> = std::thread::scope(|s| {
        let posters: Vec<_> = (0..8)
            .map(|t| {
                let site = &site;
                s.spawn(move || {
                    (0..15)
                        .filter_map(|i| {
                            let text = format!("{t}-{i}");
                            if i % 3 == 0 {
                                let reply = site.post_form("/contact", &[("message", &text)], None);
                                assert_eq!(reply.status, 200);
                                None
                            } else {
                                let reply = site.post_json("/api/messages", &message(&text));
                                assert_eq!(reply.status, 201);
                                reply.json()["id"].as_u64()
                            }
                        })
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        posters
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect()
    });
    let mut unique = created.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), created.len(), "ids are unique");
    let all = site.get("/api/messages?limit=1000").json();
    assert_eq!(ids(&all), (1..=120).collect::<Vec<u64>>());
    site.stop();
    let site = Site::start(&options(&dir));
    assert_eq!(ids(&site.get("/api/messages?limit=1000").json()).len(), 120);
    site.stop();
    std::fs::remove_dir_all(dir).unwrap();
}
