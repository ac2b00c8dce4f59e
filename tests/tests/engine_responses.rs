//! SPEC §3, responses: `Date` and framing on every response, whoever made
//! it, and no response splitting whatever a handler puts in a header.

mod support;

use std::time::Duration;

use rung::{Config, Timeouts};
use support::{get, post, TestServer};

#[test]
fn every_response_has_date_and_framing() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    // From handlers: text, echo, empty body, 204, a stream, a panic.
    for raw in [
        get("/text"),
        post("/echo", "abc"),
        post("/echo", ""),
        get("/no-content"),
        get("/stream"),
        get("/panic"),
        "OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n".to_string(),
    ] {
        let response = client.request(&raw);
        response.assert_well_framed();
        assert!(!response.says_close(), "{raw:?}: {response:?}");
    }
    // HEAD.
    client.send("HEAD /text HTTP/1.1\r\nHost: test\r\n\r\n");
    client.read_head_response().assert_well_framed();
    // HTTP/1.0, kept alive.
    let response = client.request("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    response.assert_well_framed();
    assert_eq!(response.version, "HTTP/1.1");

    // From the engine itself: errors (checked inside `assert_rejected`).
    support::assert_rejected(&server, "GET / HTTP/1.1\r\n\r\n", 400);
    support::assert_rejected(
        &server,
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 9999999\r\n\r\n",
        413,
    );
}

#[test]
fn the_408_of_a_stalled_head_has_date_and_framing() {
    let config = Config {
        timeouts: Timeouts {
            head: Duration::from_millis(500),
            ..Timeouts::default()
        },
        ..Config::default()
    };
    let server = TestServer::app_with(config);
    let mut client = server.connect();
    client.send("GET / HTTP/1.1\r\nHost: te");
    let response = client.read_response();
    assert_eq!(response.status, 408);
    assert!(response.says_close());
    response.assert_well_framed();
    client.expect_closed();
}

/// A handler that puts CR, LF or NUL in a header value (or name) gets a
/// `500` instead of a split response: no injected header, and the
/// connection stays in sync.
#[test]
fn a_header_with_cr_or_lf_cannot_split_the_response() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    for path in [
        "/evil-crlf",
        "/evil-cr",
        "/evil-lf",
        "/evil-nul",
        "/evil-name",
    ] {
        let response = client.request(get(path));
        assert_eq!(response.status, 500, "{path}: {response:?}");
        assert!(response.header("set-cookie").is_none(), "{path}");
        assert!(response.header("x-evil").is_none(), "{path}");
        assert!(!response.text().contains("injected"), "{path}");
        response.assert_well_framed();
        // The next response on the same connection is the next request's.
        assert_eq!(client.request(get("/next")).text(), "GET /next");
        assert!(client.pending().is_empty());
    }
}

#[test]
fn a_real_client_agrees_on_the_framing() {
    // ureq is an independent HTTP/1.1 implementation: if it reads the same
    // bodies, the framing is not only self-consistent.
    let server = TestServer::default_app();
    let base = format!("http://{}", server.addr);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let text = agent.get(&format!("{base}/a?b=c")).call().unwrap();
    assert!(text.header("date").is_some());
    assert_eq!(text.into_string().unwrap(), "GET /a?b=c");
    let stream = agent.get(&format!("{base}/stream")).call().unwrap();
    assert_eq!(stream.header("transfer-encoding"), Some("chunked"));
    assert_eq!(stream.into_string().unwrap().as_bytes(), support::STREAMED);
    let echo = agent.post(&format!("{base}/echo")).send_string("posted");
    assert_eq!(echo.unwrap().into_string().unwrap(), "posted");
    match agent.get(&format!("{base}/panic")).call() {
        Err(ureq::Error::Status(500, _)) => {}
        other => panic!("expected a 500, got {other:?}"),
    }
    // The same agent reuses its pooled connection after the 500.
    let after = agent.get(&format!("{base}/after")).call().unwrap();
    assert_eq!(after.into_string().unwrap(), "GET /after");
}
