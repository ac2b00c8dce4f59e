//! SPEC §3, bodies and framing: `Content-Length`, chunked, `Expect:
//! 100-continue`, HEAD, every ambiguous framing rejected with the
//! connection closed, and a body never parsed as the next request.

mod support;

use std::time::{Duration, Instant};

use support::{assert_rejected, get, post, Framing, TestServer};

#[test]
fn a_content_length_body_is_read_exactly() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    let body = "x".repeat(100_000) + "end";
    let response = client.request(post("/echo", &body));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), body);
    // The body was sent in pieces over time: still read exactly.
    client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\n01234");
    std::thread::sleep(Duration::from_millis(100));
    client.send("56789");
    assert_eq!(client.read_response().text(), "0123456789");
    assert_eq!(client.request(get("/next")).text(), "GET /next");
}

#[test]
fn a_chunked_body_with_extensions_and_trailers_is_decoded() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    client.send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         5;name=value\r\nhello\r\n\
         1 ; quoted=\"a b\"\r\n \r\n\
         A\r\n0123456789\r\n\
         0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n",
    );
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "hello 0123456789");
    // The trailers were consumed: the next request is answered normally.
    assert_eq!(client.request(get("/next")).text(), "GET /next");
}

#[test]
fn expect_100_continue_is_answered_before_the_body_is_sent() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    client.send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n",
    );
    // Only the head is out; the interim response must come on its own.
    let interim = client.read_response();
    assert_eq!(interim.status, 100);
    assert_eq!(interim.version, "HTTP/1.1");
    assert_eq!(interim.reason, "Continue");
    assert!(client.pending().is_empty(), "nothing after the 100");
    client.send("hello world");
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "hello world");

    // Chunked too.
    client.send(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\
         Expect: 100-continue\r\n\r\n",
    );
    assert_eq!(client.read_response().status, 100);
    client.send("3\r\nabc\r\n0\r\n\r\n");
    assert_eq!(client.read_response().text(), "abc");

    // A body that is too large is refused instead, without a 100.
    let response = client.request(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\n\
         Expect: 100-continue\r\n\r\n",
    );
    assert_eq!(response.status, 413);
    client.expect_closed();
}

#[test]
fn head_gets_the_headers_with_content_length_and_no_body() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    client.send("HEAD /page HTTP/1.1\r\nHost: test\r\n\r\n");
    let response = client.read_head_response();
    assert_eq!(response.status, 200);
    // The length of the GET body ("HEAD /page" here, as the handler says).
    assert_eq!(response.header("content-length"), Some("10"));
    response.assert_well_framed();
    // No body bytes follow: the next response starts right after the head.
    let next = client.request(get("/next"));
    assert_eq!(next.text(), "GET /next");
    assert!(client.pending().is_empty());
}

#[test]
fn content_length_with_transfer_encoding_is_400_and_close() {
    let server = TestServer::default_app();
    // The smuggled GET after the chunked body must never be answered.
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n",
        400,
    );
}

#[test]
fn a_malformed_content_length_is_400_and_close() {
    let server = TestServer::default_app();
    for value in [
        "+5",
        "-1",
        "0x10",
        "5 5",
        "5, 5",
        "",
        "1_0",
        "99999999999999999999",
        "18446744073709551616",
    ] {
        let raw =
            format!("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {value}\r\n\r\nhello");
        assert_rejected(&server, raw, 400);
    }
}

#[test]
fn differing_repeated_content_lengths_are_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        400,
    );
    // Repeated and equal is accepted.
    let mut client = server.connect();
    let response = client.request(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(response.text(), "hello");
}

#[test]
fn a_transfer_coding_other_than_final_chunked_is_rejected() {
    let server = TestServer::default_app();
    let raw = |te: &str| {
        format!("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: {te}\r\n\r\n0\r\n\r\n")
    };
    assert_rejected(&server, raw("gzip, chunked"), 501);
    assert_rejected(&server, raw("chunked, identity"), 400);
    assert_rejected(&server, raw("gzip"), 400);
    assert_rejected(&server, raw("chunked, chunked"), 400);
    // Split over two lines, `chunked` is still not last.
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\
         Transfer-Encoding: identity\r\n\r\n0\r\n\r\n",
        400,
    );
}

#[test]
fn bad_chunk_framing_is_400_and_close() {
    let server = TestServer::default_app();
    for body in [
        "zz\r\nhello\r\n0\r\n\r\n",
        "+5\r\nhello\r\n0\r\n\r\n",
        "0x5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\nhello\r\n0\r\n\r\n",
        "11111111111111111\r\nx\r\n0\r\n\r\n",
    ] {
        let raw = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n{body}\
             GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n"
        );
        assert_rejected(&server, raw, 400);
    }
}

#[test]
fn a_malformed_chunk_extension_is_400_and_close() {
    let server = TestServer::default_app();
    for size_line in ["5;", "5;bad[=x", "5;a=", "5;a=\"open", "5 ; ", "5;=v"] {
        let raw = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
             {size_line}\r\nhello\r\n0\r\n\r\n\
             GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n"
        );
        assert_rejected(&server, raw, 400);
    }
    // Well-formed extensions are read past: a token, or a quoted string.
    let mut client = server.connect();
    let response = client.request(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;name;q=\"a \\\" b\"\r\nhello\r\n0\r\n\r\n",
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello");
}

#[test]
fn an_obs_folded_header_is_400_and_close() {
    let server = TestServer::default_app();
    assert_rejected(
        &server,
        "GET / HTTP/1.1\r\nHost: test\r\nX-Folded: a\r\n b\r\n\r\n",
        400,
    );
    assert_rejected(
        &server,
        "GET / HTTP/1.1\r\nHost: test\r\nX-Folded: a\r\n\tb\r\n\r\n",
        400,
    );
}

#[test]
fn a_body_over_the_limit_is_413_before_the_body_is_sent() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    let started = Instant::now();
    // Only the head: the server must decide from Content-Length alone.
    client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1048577\r\n\r\n");
    let response = client.read_response();
    let waited = started.elapsed();
    assert_eq!(response.status, 413);
    assert!(response.says_close());
    assert!(
        waited < Duration::from_secs(2),
        "the 413 took {waited:?}: did the server wait for the body?"
    );
    client.expect_closed();

    // Exactly the limit is fine.
    let body = "b".repeat(1024 * 1024);
    let mut client = server.connect();
    assert_eq!(client.request(post("/echo", &body)).body.len(), body.len());

    // A chunked body that grows over the limit is refused too.
    let chunk = format!("100000\r\n{}\r\n", "c".repeat(0x100000));
    let raw = format!(
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}1\r\nc\r\n0\r\n\r\n"
    );
    assert_rejected(&server, raw, 413);
}

#[test]
fn an_unread_body_is_never_parsed_as_the_next_request() {
    let server = TestServer::default_app();
    let smuggled = "GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";

    // The handler of `/ignores-body` does not look at the body; the
    // pipelined GET after it gets the second response.
    let mut client = server.connect();
    let mut raw = post("/ignores-body", "some form data the handler ignores");
    raw.push_str(&get("/second"));
    client.send(raw);
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    assert_eq!(client.read_response().text(), "GET /second");
    client.expect_silence(Duration::from_millis(200));

    // A body made of a request yields exactly one response...
    let mut client = server.connect();
    client.send(post("/ignores-body", smuggled));
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    client.expect_silence(Duration::from_millis(300));
    // ...and the next response belongs to the next real request.
    assert_eq!(client.request(get("/after")).text(), "GET /after");

    // The same with a chunked body.
    let mut client = server.connect();
    client.send(format!(
        "POST /ignores-body HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{smuggled}\r\n0\r\n\r\n",
        smuggled.len()
    ));
    assert_eq!(client.read_response().text(), "POST /ignores-body");
    client.expect_silence(Duration::from_millis(300));
    assert_eq!(client.request(get("/after")).text(), "GET /after");
}

#[test]
fn a_streamed_body_of_unknown_length_is_chunked_for_11_and_close_delimited_for_10() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    let response = client.request(get("/stream"));
    assert_eq!(response.status, 200);
    assert_eq!(response.framing, Framing::Chunked);
    assert_eq!(response.body, support::STREAMED);
    response.assert_well_framed();
    assert!(!response.says_close());
    assert_eq!(client.request(get("/next")).text(), "GET /next");

    // HTTP/1.0 has no chunked encoding: the end of the body is the close,
    // even when the client asked for keep-alive.
    let mut client = server.connect();
    let response = client.request("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(response.status, 200);
    assert_eq!(response.framing, Framing::Close);
    assert!(response.says_close());
    assert!(response.header("transfer-encoding").is_none());
    assert_eq!(response.body, support::STREAMED);
}

#[test]
fn a_chunk_size_that_overflows_the_body_total_is_413() {
    let server = TestServer::default_app();
    // 1 byte, then a chunk of 2^64 - 1 bytes: the running total overflows
    // a u64, which must not wrap around below the limit.
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         1\r\na\r\nffffffffffffffff\r\naaaaaaaaaaaaaaaaaaaa",
        413,
    );
    // The largest size on its own is refused as well.
    assert_rejected(
        &server,
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
         ffffffffffffffff\r\naaaaaaaaaaaaaaaaaaaa",
        413,
    );
}

#[test]
fn a_413_is_readable_even_when_the_client_sends_the_body_anyway() {
    // Like `curl -d @big` without `Expect`: the body follows the head at
    // once. The server answers 413 from the head and must not reset the
    // connection before the client can read that answer.
    let server = TestServer::default_app();
    let mut client = server.connect();
    let body = vec![b'z'; 2 * 1024 * 1024];
    let mut raw = format!(
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    client.send_lossy(raw);
    let response = client.read_response();
    assert_eq!(response.status, 413);
    assert!(response.says_close());
}
