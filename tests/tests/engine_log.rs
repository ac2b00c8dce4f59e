//! SPEC §2/§3, the access log: one line per request through the `log`
//! facade, with client address, request line, status, bytes and duration.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rung::{Config, Timeouts};
use support::{get, post, TestServer};

/// Collects every line logged to the `rung::access` target.
struct Collector;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static COLLECTOR: Collector = Collector;

impl log::Log for Collector {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.target() == "rung::access"
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

fn install_logger() {
    // Several tests call this; only the first installs it.
    if log::set_logger(&COLLECTOR).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// The access lines of one client (each test uses its own connections, so
/// tests running in parallel do not see each other's lines), waiting up to
/// a second for `count` of them.
fn lines_of(client: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let lines: Vec<String> = LINES
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(&format!("{client} ")))
            .cloned()
            .collect();
        if lines.len() >= count || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Splits `127.0.0.1:1234 "GET / HTTP/1.1" 200 5 0.123ms ID` into its
/// parts (the request id is checked by [`id_of`]).
fn fields(line: &str) -> (String, String, u16, u64, f64) {
    let (addr, rest) = line
        .split_once(" \"")
        .expect("address, then quoted request line");
    let (request_line, rest) = rest.split_once("\" ").expect("closing quote");
    let mut rest = rest.split(' ');
    let status = rest.next().unwrap().parse().expect("status");
    let bytes = rest.next().unwrap().parse().expect("bytes");
    let duration = rest.next().expect("duration");
    let ms = duration
        .strip_suffix("ms")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("duration in ms: {duration:?}"));
    assert!(rest.next().is_some(), "a request id: {line:?}");
    assert!(rest.next().is_none(), "nothing after the id: {line:?}");
    (
        addr.to_string(),
        request_line.to_string(),
        status,
        bytes,
        ms,
    )
}

/// The request id at the end of an access line (`-` when none).
fn id_of(line: &str) -> &str {
    line.rsplit(' ').next().unwrap()
}

#[test]
fn one_access_line_per_request() {
    install_logger();
    let server = TestServer::default_app();
    let mut client = server.connect();
    let me = client.local_addr().to_string();

    let first = client.request(get("/logged?x=1"));
    client.request(post("/echo", "twelve bytes"));
    client.request(get("/panic"));
    client.send("HEAD /head HTTP/1.1\r\nHost: test\r\n\r\n");
    client.read_head_response();
    client.request(get("/slow?ms=50"));

    let lines = lines_of(&me, 5);
    assert_eq!(lines.len(), 5, "{lines:#?}");
    let parsed: Vec<_> = lines.iter().map(|l| fields(l)).collect();
    let expected = [
        (
            "GET /logged?x=1 HTTP/1.1",
            200,
            "GET /logged?x=1".len() as u64,
        ),
        ("POST /echo HTTP/1.1", 200, 12),
        ("GET /panic HTTP/1.1", 500, 0),
        ("HEAD /head HTTP/1.1", 200, "HEAD /head".len() as u64),
        ("GET /slow?ms=50 HTTP/1.1", 200, "slow done".len() as u64),
    ];
    for ((addr, line, status, bytes, _), (want_line, want_status, want_bytes)) in
        parsed.iter().zip(expected)
    {
        assert_eq!(addr, &me);
        assert_eq!(line, want_line);
        assert_eq!(*status, want_status, "{line}");
        if want_status != 500 {
            assert_eq!(*bytes, want_bytes, "{line}");
        }
    }
    let slow_ms = parsed[4].4;
    assert!(slow_ms >= 50.0, "the slow request took {slow_ms} ms");
    // Each line ends with the request's id, the one the response echoed.
    assert_eq!(Some(id_of(&lines[0])), first.header("x-request-id"));
    let mut ids: Vec<&str> = lines.iter().map(|l| id_of(l)).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5, "one id per request: {lines:#?}");
}

#[test]
fn a_sane_incoming_request_id_is_logged_and_echoed() {
    install_logger();
    let server = TestServer::default_app();
    let mut client = server.connect();
    let me = client.local_addr().to_string();
    let response =
        client.request("GET /traced HTTP/1.1\r\nHost: test\r\nX-Request-Id: nginx-7f3a\r\n\r\n");
    assert_eq!(response.header("x-request-id"), Some("nginx-7f3a"));
    let lines = lines_of(&me, 1);
    assert_eq!(id_of(&lines[0]), "nginx-7f3a");
}

#[test]
fn rejected_and_timed_out_requests_are_logged_too() {
    install_logger();
    let server = TestServer::app_with(Config {
        timeouts: Timeouts {
            head: Duration::from_millis(500),
            body_progress: Duration::from_millis(500),
            ..Timeouts::default()
        },
        ..Config::default()
    });

    let mut bad = server.connect();
    let me = bad.local_addr().to_string();
    let response = bad.request("GET / HTTP/1.1\r\n\r\n");
    assert_eq!(response.status, 400);
    let lines = lines_of(&me, 1);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let (_, _, status, bytes, _) = fields(&lines[0]);
    assert_eq!(status, 400);
    assert_eq!(bytes, response.body.len() as u64);
    assert_eq!(id_of(&lines[0]), "-", "bytes that never became a request");

    let mut slow = server.connect();
    let me = slow.local_addr().to_string();
    slow.send("GET / HTTP/1.1\r\n");
    let response = slow.read_response();
    assert_eq!(response.status, 408);
    let lines = lines_of(&me, 1);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let (_, line, status, bytes, ms) = fields(&lines[0]);
    assert_eq!(line, "-");
    assert_eq!(status, 408);
    assert_eq!(bytes, response.body.len() as u64);
    assert!(ms >= 500.0, "the head was timed out after {ms} ms");

    // A body that stalls: the request line is known by then.
    let mut stalled = server.connect();
    let me = stalled.local_addr().to_string();
    stalled.send("PUT /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 9\r\n\r\nabc");
    let response = stalled.read_response();
    assert_eq!(response.status, 408);
    let lines = lines_of(&me, 1);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let (_, line, status, _, ms) = fields(&lines[0]);
    assert_eq!(line, "PUT /upload HTTP/1.1");
    assert_eq!(status, 408);
    assert!(ms >= 500.0, "the body was timed out after {ms} ms");
}
