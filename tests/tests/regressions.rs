//! Known bug classes of HTTP/1.1 servers, one named test each (SPEC §3).
//!
//! Every test says in its doc comment which class of bug it guards
//! against. Most of them are request smuggling in one spelling or another:
//! a proxy in front of rung and rung itself must never disagree about
//! where a request ends, so wherever the framing is in doubt the answer is
//! an error *and a closed connection* (`assert_rejected`), and the request
//! hidden after the doubtful part is never answered. Some overlap the
//! `engine_*` tests on purpose: this file is the list to read.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use rung::{App, Config, Method, Request, Response, Timeouts};
use support::{assert_rejected, get, post, TestServer};

/// A request pipelined after a doubtful one: it must never be answered.
const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";

/// A chunked POST to `/echo` whose body is `body`, then [`SMUGGLED`].
fn chunked(body: &str) -> String {
    format!(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n{body}{SMUGGLED}"
    )
}

/// A GET of `/` with these extra header lines (each ending in CRLF).
fn get_with(lines: &str) -> String {
    format!("GET / HTTP/1.1\r\nHost: test\r\n{lines}\r\n")
}

/// A small `App`, bound like a user's: `/path` shows how it was routed.
fn app_server() -> TestServer {
    let app = App::empty()
        .route(&[Method::Get], "/", |_: &Request| "root")
        .route(&[Method::Get, Method::Post], "/path", |req: &Request| {
            format!("routed {} {:?}", req.path(), req.query())
        })
        .route(&[Method::Get], "/close", |_: &Request| {
            Response::text("bye").with_header("Connection", "close")
        });
    TestServer::spawn(app.bind("127.0.0.1:0").expect("bind the app"))
}

/// Guards: request smuggling via an ambiguous chunk size. A size that a
/// language's integer parser reads but the grammar (`1*HEXDIG`) forbids —
/// `+5` and `0x5` (Rust's `from_str_radix` takes a `+`; Python's `int(s, 16)`
/// takes `0x` and `_`), spaces before or after it — lets a lenient server
/// and a strict proxy cut the body differently (cf. CVE-2023-38697 in
/// protocol-http1, and advisories in several other HTTP servers).
#[test]
fn chunk_size_with_sign_underscore_spaces_or_0x_is_400_and_close() {
    let server = TestServer::default_app();
    for size in [
        "+5", "-5", "0x5", "0X5", "5_0", "1_0", " 5", "5 ", "\t5", "5\t", "5 5", "٥",
    ] {
        assert_rejected(
            &server,
            chunked(&format!("{size}\r\nhello\r\n0\r\n\r\n")),
            400,
        );
    }
    // Whitespace before an extension is allowed by the grammar (BWS), and
    // upper-case hex is hex.
    let mut client = server.connect();
    let ok = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
              5 ;a=b\r\nhello\r\nA\t;c\r\n0123456789\r\n0\r\n\r\n";
    assert_eq!(client.request(ok).text(), "hello0123456789");
}

/// Guards: an empty `Content-Length` read as 0 by one server and as an
/// error (or as "no length") by another — the body then becomes the next
/// request on one of them (cf. Puma's zero-length Content-Length smuggling,
/// CVE-2023-40175).
#[test]
fn an_empty_content_length_is_400_and_close() {
    let server = TestServer::default_app();
    for value in ["", " ", "\t", ","] {
        let raw = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length:{value}\r\n\r\n{SMUGGLED}"
        );
        assert_rejected(&server, raw, 400);
    }
}

/// Guards: smuggling through a `Transfer-Encoding` list that one parser
/// reads as chunked and another does not: an empty element (`,chunked`),
/// `chunked` not last (`chunked, identity`: the body then has no length),
/// or a look-alike of `chunked` (cf. the Transfer-Encoding obfuscations of
/// Kettle's "HTTP Desync Attacks", and Node's CVE-2022-32213/32215).
#[test]
fn transfer_encoding_not_exactly_chunked_is_rejected_and_closed() {
    let server = TestServer::default_app();
    let raw = |te: &str| {
        format!("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: {te}\r\n\r\n0\r\n\r\n{SMUGGLED}")
    };
    for te in [
        ",chunked",
        "chunked,",
        ", chunked",
        "chunked, identity",
        "chunked, chunked",
        "identity",
        "xchunked",
        "chunked-x",
        "\"chunked\"",
        "chunked;q=1",
    ] {
        assert_rejected(&server, raw(te), 400);
    }
    // A real coding rung does not implement before `chunked`.
    assert_rejected(&server, raw("gzip, chunked"), 501);
}

/// Guards: bare LF as a line ending. httparse accepts it in a head, and a
/// chunked decoder that looks for LF alone accepts it in chunk lines; a
/// proxy that only knows CRLF then sees one request where rung sees two
/// (cf. Node's CVE-2022-32214, and chunk extensions holding a bare LF in
/// CVE-2023-38697).
#[test]
fn bare_lf_line_endings_are_400_and_close() {
    let server = TestServer::default_app();
    // In the head: after the request line, after a field, at the end.
    for raw in [
        "GET / HTTP/1.1\nHost: test\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: test\nX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: test\r\n\n",
        "GET / HTTP/1.1\nHost: test\n\n",
    ] {
        assert_rejected(&server, format!("{raw}{SMUGGLED}"), 400);
    }
    // In the chunks: size line, after data, in an extension, last chunk,
    // trailer field, end of the trailers.
    for body in [
        "5\nhello\r\n0\r\n\r\n",
        "5\r\nhello\n0\r\n\r\n",
        "5;a\nb\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\n\r\n",
        "5\r\nhello\r\n0\r\nX: y\n\r\n",
        "5\r\nhello\r\n0\r\n\n",
    ] {
        assert_rejected(&server, chunked(body), 400);
    }
}

/// Guards: CR or NUL inside a header value. A bare CR is a line ending to
/// some parsers (cf. llhttp's CVE-2023-30589), and a NUL ends a C string
/// early: either lets a field hide another one, or a whole request.
#[test]
fn cr_or_nul_inside_a_header_value_is_400_and_close() {
    let server = TestServer::default_app();
    for line in [
        "X: a\rb\r\n",
        "X: a\rTransfer-Encoding: chunked\r\n",
        "X: a\0b\r\n",
        "X: \0\r\n",
        "X: a\r\r\n",
    ] {
        assert_rejected(&server, get_with(line), 400);
    }
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost: te\rst\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost: te\0st\r\n\r\n", 400);
}

/// Guards: whitespace between a field name and its colon. RFC 9112 §5.1
/// says to reject it: `Transfer-Encoding : chunked` is chunked to a lenient
/// server and an unknown field to a strict proxy (a classic of Kettle's
/// "HTTP Desync Attacks"). A field line starting with whitespace is a
/// continuation (obs-fold) of the line before, rejected too.
#[test]
fn whitespace_between_header_name_and_colon_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost : test\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1\r\nHost\t: test\r\n\r\n", 400);
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length : 5\r\n\r\nhello",
        400,
    );
    assert_rejected(
        &server,
        format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding : chunked\r\n\r\n\
             0\r\n\r\n{SMUGGLED}"
        ),
        400,
    );
    assert_rejected(&server, "GET / HTTP/1.1\r\n Host: test\r\n\r\n", 400);
    assert_rejected(
        &server,
        "GET / HTTP/1.1\r\nHost: test\r\n Transfer-Encoding: chunked\r\n\r\n",
        400,
    );
}

/// Guards: whitespace other than SP and HTAB trimmed off a value. Rust's
/// `str::trim` removes every Unicode space, so `Transfer-Encoding:
/// \u{a0}chunked` (a no-break space, which httparse lets through as
/// obs-text) became `chunked` to rung and stayed an unknown coding to a
/// proxy; a vertical tab or form feed (`\x0bchunked`) is the same trick
/// one byte long (Kettle's "HTTP Desync Attacks").
#[test]
fn only_spaces_and_tabs_are_trimmed_off_header_values() {
    let server = TestServer::default_app();
    for te in [
        "\u{a0}chunked",
        "chunked\u{a0}",
        "\u{2003}chunked",
        "\u{85}chunked",
    ] {
        let raw = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: {te}\r\n\r\n\
             0\r\n\r\n{SMUGGLED}"
        );
        assert_rejected(&server, raw, 400);
    }
    for te in ["\x0bchunked", "\x0cchunked", "chunked\x0b"] {
        let raw = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: {te}\r\n\r\n\
             0\r\n\r\n{SMUGGLED}"
        );
        assert_rejected(&server, raw, 400);
    }
    for cl in ["\u{a0}5", "5\u{a0}", "\u{3000}5"] {
        let raw = format!("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {cl}\r\n\r\nhello");
        assert_rejected(&server, raw, 400);
    }
    // Spaces and tabs around a value are optional whitespace: trimmed.
    let mut client = server.connect();
    let raw = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: \t chunked \t\r\n\r\n\
               3\r\nabc\r\n0\r\n\r\n";
    assert_eq!(client.request(raw).text(), "abc");
}

/// Guards: two `Host` fields. A proxy routes (or checks access) by one,
/// the server by the other — host-header injection, cache poisoning.
/// RFC 9112 §3.2: 400.
#[test]
fn a_duplicate_host_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, get_with("Host: evil\r\n"), 400);
    assert_rejected(&server, get_with("Host: test\r\n"), 400);
    assert_rejected(&server, get_with("HOST: test\r\n"), 400);
    assert_rejected(
        &server,
        "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nhost: b\r\n\r\n",
        400,
    );
}

/// Guards: a `Host` that is not a host. Userinfo (`user@host`) or a path
/// in it confuses whatever builds URLs from it (password-reset links,
/// redirects) and routers that match on it; RFC 9112 §3.2 says 400.
#[test]
fn a_host_with_userinfo_or_a_path_is_400_and_close() {
    let server = TestServer::default_app();
    for host in [
        "user@test",
        "user:pass@test",
        "test/path",
        "test/../admin",
        "test?q",
        "test#f",
        "test\\path",
        "te st",
    ] {
        assert_rejected(
            &server,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
            400,
        );
    }
    // A host and a port, or an IP literal, are fine.
    let mut client = server.connect();
    for host in [
        "test:8080",
        "127.0.0.1:1",
        "[::1]:8080",
        "xn--bcher-kva.example",
    ] {
        let response = client.request(format!("GET /h HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        assert_eq!(response.status, 200, "Host: {host}");
    }
}

/// Guards: absolute-form targets (`GET http://host/path`), which every
/// HTTP/1.1 server must accept (RFC 9112 §3.2.2): refused, they break
/// clients configured to use rung as a proxy; passed on as they are, they
/// match no route or slip past a prefix check on the path. They are routed
/// by their path; userinfo in them is refused.
#[test]
fn an_absolute_form_target_is_routed_by_its_path() {
    let server = app_server();
    let mut client = server.connect();
    let response = client.request("GET http://test/path?x=1 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "routed /path Some(\"x=1\")");
    let response = client.request(
        "POST HTTP://Other-Host:8080/path HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(response.text(), "routed /path None");
    // `http://host` alone is the root.
    let response = client.request("GET http://test HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(response.text(), "root");
    assert_rejected(
        &server,
        "GET http://user@test/path HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
    assert_rejected(
        &server,
        "GET http:///path HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
    assert_rejected(
        &server,
        "GET ftp://test/path HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
}

/// Guards: `OPTIONS *` (asterisk-form, RFC 9112 §3.2.4) — a target that is
/// not a path, which a router that expects a leading `/` mishandles (404,
/// or a panic on slicing). Through an App it is `204` with every method in
/// `Allow`; `*` with any other method is 400.
#[test]
fn options_star_is_204_with_allow_through_an_app() {
    let server = app_server();
    let mut client = server.connect();
    let response = client.request("OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(response.status, 204);
    response.assert_well_framed();
    let allow = response.header("allow").expect("an Allow header");
    for method in ["GET", "HEAD", "POST", "OPTIONS"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    assert!(client.pending().is_empty(), "204 has no body");
    assert_eq!(client.request(get("/path")).text(), "routed /path None");
    assert_rejected(&server, "GET * HTTP/1.1\r\nHost: test\r\n\r\n", 400);
}

/// Guards: memory exhaustion by one huge header field. A server that
/// buffers a head until its end is found can be made to hold any amount of
/// memory per connection; the head limit (16 KiB) must cut it off with 431
/// and close, whatever follows.
#[test]
fn a_100_kb_header_value_is_431_and_close() {
    let server = TestServer::default_app();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    assert_rejected(&server, raw, 431);
    // The same without an end: cut off at the limit, not buffered on.
    let mut client = server.connect();
    client.send_lossy(format!(
        "GET / HTTP/1.1\r\nHost: test\r\nX-Big: {}",
        "a".repeat(100 * 1024)
    ));
    assert_eq!(client.read_response().status, 431);
    client.expect_closed();
}

/// Guards: answering requests that follow a response with `Connection:
/// close`. After it the server must read no further request on the
/// connection (RFC 9112 §9.6): answering one would desynchronise a proxy
/// that reuses connections, which has already given the connection up.
#[test]
fn requests_after_a_connection_close_response_are_never_answered() {
    let server = TestServer::default_app();
    for first in [
        "GET /last HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        "GET /last HTTP/1.1\r\nHost: test\r\nConnection: keep-alive, Close\r\n\r\n",
        "GET /last HTTP/1.0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
    ] {
        let mut client = server.connect();
        client.send(format!("{first}{SMUGGLED}"));
        let response = client.read_response();
        assert_eq!(response.status, 200);
        assert!(response.says_close(), "{response:?}");
        client.expect_closed();
    }
    // The handler asking for the close counts too.
    let server = app_server();
    let mut client = server.connect();
    client.send(format!("{}{SMUGGLED}", get("/close")));
    let response = client.read_response();
    assert_eq!(response.text(), "bye");
    assert!(response.says_close());
    client.expect_closed();
}

/// Guards: a body on a method that usually has none (GET, HEAD, DELETE,
/// OPTIONS). A server that assumes "GET has no body" leaves the body in
/// the buffer and parses it as the next request: the textbook smuggling
/// of a request inside a GET's body. The body is framed like any other
/// (RFC 9112 §6.3), read and discarded, and the next request is the real
/// next one.
#[test]
fn a_body_on_get_is_read_and_discarded_per_its_framing() {
    let server = TestServer::default_app();
    let next = get("/next");
    for (method, framing, body) in [
        (
            "GET",
            format!("Content-Length: {}", SMUGGLED.len()),
            SMUGGLED.to_string(),
        ),
        (
            "GET",
            "Transfer-Encoding: chunked".to_string(),
            format!("{:x}\r\n{SMUGGLED}\r\n0\r\n\r\n", SMUGGLED.len()),
        ),
        (
            "DELETE",
            format!("Content-Length: {}", SMUGGLED.len()),
            SMUGGLED.to_string(),
        ),
        (
            "OPTIONS",
            format!("Content-Length: {}", SMUGGLED.len()),
            SMUGGLED.to_string(),
        ),
    ] {
        let mut client = server.connect();
        client.send(format!(
            "{method} /with-body HTTP/1.1\r\nHost: test\r\n{framing}\r\n\r\n{body}{next}"
        ));
        assert_eq!(
            client.read_response().text(),
            format!("{method} /with-body")
        );
        assert_eq!(client.read_response().text(), "GET /next");
        client.expect_silence(Duration::from_millis(100));
    }
    // HEAD: the answer has no body, and the request's body is still read.
    let mut client = server.connect();
    client.send(format!(
        "HEAD /with-body HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{SMUGGLED}{next}",
        SMUGGLED.len()
    ));
    assert_eq!(client.read_head_response().status, 200);
    assert_eq!(client.read_response().text(), "GET /next");
    client.expect_silence(Duration::from_millis(100));
}

/// Guards: an unread body taken for the next request. When a handler does
/// not read the body, the server must still skip it by its framing (or
/// close): a body made of a request must get exactly one response, and
/// the request pipelined after it the next one (SPEC §3).
#[test]
fn an_unread_body_followed_by_a_pipelined_request() {
    let server = TestServer::default_app();
    // In one write; then with the end of the body arriving later, in the
    // same write as the next request.
    let mut client = server.connect();
    client.send(post("/ignores-body", SMUGGLED) + &get("/second"));
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    assert_eq!(client.read_response().text(), "GET /second");
    client.expect_silence(Duration::from_millis(100));

    let mut client = server.connect();
    let raw = post("/ignores-body", SMUGGLED);
    let (head_and_some, rest) = raw.split_at(raw.len() - 10);
    client.send(head_and_some);
    std::thread::sleep(Duration::from_millis(50));
    client.send(format!("{rest}{}", get("/second")));
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    assert_eq!(client.read_response().text(), "GET /second");
    client.expect_silence(Duration::from_millis(100));

    // An Expect: 100-continue body the handler ignores: the client sends
    // it after the 100, and it is still skipped.
    let mut client = server.connect();
    client.send(format!(
        "POST /ignores-body HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n\
         Content-Length: {}\r\n\r\n",
        SMUGGLED.len()
    ));
    assert_eq!(client.read_response().status, 100);
    client.send(format!("{SMUGGLED}{}", get("/second")));
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    assert_eq!(client.read_response().text(), "GET /second");
    client.expect_silence(Duration::from_millis(100));
}

/// Guards: bytes 0x80–0xFF in the target or a header value. httparse lets
/// them through (as obs-text), without checking that they form UTF-8;
/// rung's target and headers are `str`, so invalid UTF-8 must be a 400,
/// never a panic or a lossy path that differs from what a proxy checked.
#[test]
fn bytes_0x80_to_0xff_are_checked_in_the_target_and_header_values() {
    let server = TestServer::default_app();
    assert_rejected(&server, b"GET /\xff HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(&server, b"GET /a?\xc3 HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(
        &server,
        b"GET / HTTP/1.1\r\nHost: test\r\nX: \x80\r\n\r\n",
        400,
    );
    assert_rejected(&server, b"GET / HTTP/1.1\r\nHost: t\xe9st\r\n\r\n", 400);
    // Valid UTF-8 is fine in a header value; in the target it must be
    // percent-encoded (RFC 9112 §3.2).
    let mut client = server.connect();
    let response =
        client.request("GET /caf%C3%A9 HTTP/1.1\r\nHost: test\r\nX: \u{e9}t\u{e9}\r\n\r\n");
    assert_eq!(response.text(), "GET /caf%C3%A9");
    assert_rejected(
        &server,
        "GET /caf\u{e9} HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
}

/// Guards: a request line with more than two spaces. A server that takes
/// the version after the *last* space and the target before it reads
/// `GET /a b HTTP/1.1` as the target `/a b` (or answers 505 for a version
/// that is fine); the line is simply malformed: 400 (RFC 9112 §3).
#[test]
fn a_space_inside_the_request_target_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(&server, "GET /a b HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(
        &server,
        "GET /a HTTP/1.1 HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
    assert_rejected(&server, "GET  / HTTP/1.1\r\nHost: test\r\n\r\n", 400);
    assert_rejected(&server, "GET / HTTP/1.1 \r\nHost: test\r\n\r\n", 400);
}

/// Guards: a timeout answer lost to a reset. When a server closes a socket
/// while the client is still sending, the kernel answers the client's next
/// bytes with a TCP reset (and resets at once, dropping unsent output, if
/// bytes are waiting unread); many client stacks then discard the `408`
/// they have not read yet, and a slow client never learns why it was cut
/// off. After the 408 the server must read and discard for a while, as it
/// does after every other error (the "lingering close" of Apache httpd):
/// the client's writes go on being accepted, and it reads the 408 and then
/// a clean end of stream, not a reset.
#[test]
fn a_408_is_readable_by_a_client_that_is_still_sending() {
    let server = TestServer::app_with(Config {
        timeouts: Timeouts {
            head: Duration::from_secs(1),
            ..Timeouts::default()
        },
        ..Config::default()
    });
    let mut client = server.connect();
    client.send("GET /slow HTTP/1.1\r\nHost: test\r\nX-Slow: ");
    // One byte every 20 ms for 2 s, without reading: the head timeout (1 s)
    // fires in the middle of it, and the server drains for 2 s after it.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        if let Err(e) = client.stream.write_all(b"a") {
            panic!(
                "write refused after {:?} ({e}): the server closed instead of draining",
                started.elapsed()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let response = client.read_response();
    assert_eq!(response.status, 408);
    assert!(response.says_close());
    response.assert_well_framed();
    match client.fill() {
        Ok(0) => {}
        other => panic!("expected a clean end of stream after the 408, got {other:?}"),
    }
}
