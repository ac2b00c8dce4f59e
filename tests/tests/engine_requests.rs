//! SPEC §3, the request head: `Host`, version, method, size limits, the
//! target, and garbage — each refused with its status and a close.

mod support;

use std::net::Shutdown;
use std::time::Duration;

use rung::{Config, Timeouts};
use support::{assert_rejected, get, TestServer};

#[test]
fn http11_without_host_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET / HTTP/1.1\r\n\r\n", 400);
    // HTTP/1.0 may leave it out.
    let mut client = server.connect();
    assert_eq!(client.request("GET /old HTTP/1.0\r\n\r\n").status, 200);
}

#[test]
fn two_host_headers_are_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
}

#[test]
fn an_unsupported_version_is_505() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET / HTTP/2.0\r\nHost: test\r\n\r\n", 505);
    assert_rejected(&server, "GET / HTTP/1.2\r\nHost: test\r\n\r\n", 505);
    // Not a version at all: just malformed.
    assert_rejected(&server, "GET / HTXP/1.1\r\nHost: test\r\n\r\n", 400);
}

#[test]
fn an_unknown_method_is_501_whatever_the_path() {
    let server = TestServer::default_app();
    assert_rejected(&server, "BREW /pot HTTP/1.1\r\nHost: test\r\n\r\n", 501);
    assert_rejected(&server, "BREW * HTTP/1.1\r\nHost: test\r\n\r\n", 501);
    // Methods are case-sensitive: `get` is not `GET`.
    assert_rejected(&server, "get / HTTP/1.1\r\nHost: test\r\n\r\n", 501);
}

#[test]
fn an_unsupported_expectation_is_417_and_close() {
    let server = TestServer::default_app();
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nExpect: tea\r\n\r\nabc",
        417,
    );
}

#[test]
fn a_head_over_16_kib_is_431() {
    let server = TestServer::default_app();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
        "a".repeat(17 * 1024)
    );
    assert_rejected(&server, raw, 431);
    // Many small headers adding up to more than 16 KiB, too.
    let many: String = (0..90)
        .map(|i| format!("X-{i}: {}\r\n", "v".repeat(200)))
        .collect();
    assert_rejected(
        &server,
        format!("GET / HTTP/1.1\r\nHost: test\r\n{many}\r\n"),
        431,
    );
    // A head that never ends is cut off at the limit, not buffered forever.
    let mut client = server.connect();
    client.send_lossy(format!(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Endless: {}",
        "a".repeat(40_000)
    ));
    let response = client.read_response();
    assert_eq!(response.status, 431);
    client.expect_closed();
}

#[test]
fn a_uri_over_16_kib_is_414() {
    let server = TestServer::default_app();
    let raw = format!(
        "GET /{} HTTP/1.1\r\nHost: test\r\n\r\n",
        "a".repeat(17 * 1024)
    );
    assert_rejected(&server, raw, 414);
    // Just under the limit is served.
    let target = format!("/{}", "a".repeat(16 * 1024 - 100));
    let mut client = server.connect();
    assert_eq!(client.request(get(&target)).text(), format!("GET {target}"));
}

#[test]
fn more_than_100_headers_is_431() {
    let server = TestServer::default_app();
    // Host plus 100 more: 101 fields.
    let many: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_rejected(
        &server,
        format!("GET / HTTP/1.1\r\nHost: test\r\n{many}\r\n"),
        431,
    );
    // Exactly 100 is fine.
    let many: String = (0..99).map(|i| format!("X-{i}: v\r\n")).collect();
    let mut client = server.connect();
    let response = client.request(format!("GET /ok HTTP/1.1\r\nHost: test\r\n{many}\r\n"));
    assert_eq!(response.status, 200);
}

#[test]
fn limits_are_configurable() {
    let mut config = Config::default();
    config.limits.max_head = 1024;
    config.limits.max_headers = 5;
    config.limits.max_body = 10;
    let server = TestServer::app_with(config);
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: test\r\nX: {}\r\n\r\n",
        "a".repeat(1100)
    );
    assert_rejected(&server, raw, 431);
    let raw = format!("GET /{} HTTP/1.1\r\nHost: test\r\n\r\n", "a".repeat(1100));
    assert_rejected(&server, raw, 414);
    let many: String = (0..5).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_rejected(
        &server,
        format!("GET / HTTP/1.1\r\nHost: test\r\n{many}\r\n"),
        431,
    );
    assert_rejected(&server, support::post("/echo", "eleven byte"), 413);
    let mut client = server.connect();
    assert_eq!(
        client.request(support::post("/echo", "ten bytes!")).text(),
        "ten bytes!"
    );
}

#[test]
fn nul_in_the_target_is_400() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET /a%00b HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(&server, "GET /a?q=%00 HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(&server, b"GET /a\0b HTTP/1.1\r\nHost: test\r\n\r\n", 400);
}

#[test]
fn bad_percent_encoding_in_the_target_is_400() {
    let server = TestServer::default_app();
    for target in ["/%zz", "/a%2", "/a%", "/?q=%g1", "/?q=%"] {
        assert_rejected(&server, get(target), 400);
    }
}

#[test]
fn invalid_utf8_in_the_target_is_400() {
    let server = TestServer::default_app();
    // After percent-decoding...
    assert_rejected(&server, get("/%ff"), 400);
    assert_rejected(&server, get("/%c3%28"), 400);
    assert_rejected(&server, get("/?q=%ff"), 400);
    // ...and raw on the wire.
    assert_rejected(&server, b"GET /\xff HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(
        &server,
        b"GET /\xc3\x28 HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
    // Valid UTF-8 percent-encoded is served; raw, even valid, it is not a
    // target (RFC 9112 §3.2: visible ASCII only; clients encode the rest).
    let mut client = server.connect();
    assert_eq!(client.request(get("/caf%C3%A9")).status, 200);
    assert_rejected(
        &server,
        "GET /café HTTP/1.1\r\nHost: test\r\n\r\n".as_bytes(),
        400,
    );
}

#[test]
fn a_target_byte_outside_visible_ascii_is_400_and_close() {
    let server = TestServer::default_app();
    for raw in [
        &b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: test\r\n\r\n"[..],
        b"GET /a\x7fb HTTP/1.1\r\nHost: test\r\n\r\n",
        b"GET /a\x01b HTTP/1.1\r\nHost: test\r\n\r\n",
        b"GET /?q=\xe2\x82\xac HTTP/1.1\r\nHost: test\r\n\r\n",
    ] {
        assert_rejected(&server, raw, 400);
    }
}

#[test]
fn a_malformed_version_is_400_and_a_foreign_one_505() {
    let server = TestServer::default_app();
    for bad in ["HTTP/1", "HTTP/01.1", "http/1.1", "HTTP/1.1.1", "HTTP/1.x"] {
        let raw = format!("GET / {bad}\r\nHost: test\r\n\r\n");
        assert_rejected(&server, raw, 400);
    }
    let raw = "GET / HTTP/2.0\r\nHost: test\r\n\r\n";
    assert_rejected(&server, raw, 505);
}

#[test]
fn a_100_kb_method_is_400_without_waiting_for_the_rest() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    // Only the first 64 bytes of a 100 KB method, and no more: the answer
    // must come anyway (a server that buffered the whole line would wait).
    client.send_lossy([b'X'; 64]);
    let response = client
        .try_read_response(false)
        .expect("a 400 before the rest of the method");
    assert_eq!(response.status, 400);
    assert!(response.says_close());
    // And the whole 100 KB line gets the same answer, not a 414.
    let raw = format!("{} / HTTP/1.1\r\nHost: test\r\n\r\n", "X".repeat(100_000));
    assert_rejected(&server, raw, 400);
}

#[test]
fn an_empty_host_on_a_path_target_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost:  \r\n\r\n", 400);
    // With the host in the target itself, an empty Host is what RFC 9112
    // §3.2 asks a client to send.
    let mut client = server.connect();
    let response = client.request(b"GET http://test/ HTTP/1.1\r\nHost:\r\n\r\n");
    assert_eq!(response.status, 200);
}

#[test]
fn garbage_is_400_and_close() {
    let server = TestServer::default_app();
    // A TLS ClientHello sent to the plain-text port.
    assert_rejected(
        &server,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        400,
    );
    assert_rejected(&server, "hello there\r\n\r\n", 400);
    assert_rejected(&server, "GET\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\nHost: test\n\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost : test\r\n\r\n", 400);
    assert_rejected(
        &server,
        "GET / HTTP/1.1\r\nHost: test\r\nX: \x01\r\n\r\n",
        400,
    );
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn no_garbage_takes_a_worker_or_the_server_down() {
    let config = Config {
        workers: 2, // a lost worker would show at once
        timeouts: Timeouts {
            head: Duration::from_secs(1),
            ..Timeouts::default()
        },
        ..Config::default()
    };
    let server = TestServer::app_with(config);
    let pieces: [&[u8]; 12] = [
        b"GET / HTTP/1.1\r\n",
        b"Host: test\r\n",
        b"Content-Length: 5\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"\r\n",
        b"0\r\n\r\n",
        b"%00%ff%zz",
        b"\xff\xfe\x00",
        b"POST /echo HTTP/1.0\r\n",
        b"Expect: 100-continue\r\n",
        b"5\r\nhello\r\n",
        b" \t:;,",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    for _ in 0..300 {
        let mut raw = Vec::new();
        for _ in 0..(rng.next() % 8 + 1) {
            if rng.next() % 3 == 0 {
                let n = (rng.next() % 40) as usize;
                raw.extend((0..n).map(|_| rng.next() as u8));
            } else {
                raw.extend_from_slice(pieces[(rng.next() % pieces.len() as u64) as usize]);
            }
        }
        let mut client = server.connect();
        client.send_lossy(&raw);
        // Half-close: the server sees the end of the request and must
        // answer or close, never hang or crash.
        let _ = client.stream.shutdown(Shutdown::Write);
        let _ = client.read_to_close();
    }
    // Both workers still serve.
    for _ in 0..4 {
        let mut client = server.connect();
        assert_eq!(client.request(get("/still-here")).text(), "GET /still-here");
    }
}
