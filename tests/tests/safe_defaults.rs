//! Safe defaults over real sockets (SPEC §2): the security headers and
//! the app's error pages reach even the answers the engine makes for
//! requests it could not read whole (a 413 decided from the headers, a
//! body that stalled), and only bytes that never became a request get
//! the engine's plain answer.

mod support;

use std::time::Duration;

use rung::{App, Config, Method, Request, Timeouts};
use support::{assert_rejected, TestServer};

fn server() -> TestServer {
    let app = App::empty()
        .api_prefix("/api")
        .route(&[Method::Post], "/api/upload", |req: &Request| {
            format!("{} bytes", req.body().len())
        })
        .route(&[Method::Post], "/upload", |req: &Request| {
            format!("{} bytes", req.body().len())
        })
        .after(|_, response| {
            response.headers_mut().insert("X-After-Hook", "ran");
        })
        .config(Config {
            timeouts: Timeouts {
                body_progress: Duration::from_millis(300),
                ..Timeouts::default()
            },
            ..Config::default()
        });
    TestServer::spawn(app.bind("127.0.0.1:0").expect("bind"))
}

fn assert_security_headers(response: &support::RawResponse) {
    for (name, value) in rung::SECURITY_HEADERS {
        assert_eq!(response.header(name), Some(value), "{name}: {response:?}");
    }
}

#[test]
fn a_413_under_the_api_prefix_is_json_with_the_safe_defaults() {
    let server = server();
    let raw = "POST /api/upload HTTP/1.1\r\nHost: test\r\nContent-Length: 99999999\r\n\r\n";
    let response = assert_rejected(&server, raw, 413);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("too large"),
        "{body}"
    );
    assert_security_headers(&response);
    assert_eq!(response.header("x-after-hook"), Some("ran"));
}

#[test]
fn a_413_elsewhere_is_the_html_error_page() {
    let server = server();
    let raw = "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 99999999\r\n\r\n";
    let response = assert_rejected(&server, raw, 413);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(response.text().contains("<h1>413"), "{}", response.text());
    assert_security_headers(&response);
}

#[test]
fn a_431_under_the_api_prefix_is_json() {
    let server = server();
    let raw = format!(
        "GET /api/upload HTTP/1.1\r\nHost: test\r\n{}\r\n",
        "X-Filler: y\r\n".repeat(101)
    );
    let response = assert_rejected(&server, raw, 431);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_security_headers(&response);
    assert_eq!(response.header("x-after-hook"), Some("ran"));
}

#[test]
fn a_stalled_body_gets_the_408_page_of_its_path() {
    let server = server();
    let mut client = server.connect();
    client.send("POST /api/upload HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc");
    let response = client.read_response();
    assert_eq!(response.status, 408);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_security_headers(&response);
}

#[test]
fn bad_chunk_framing_gets_the_400_page_of_its_path() {
    let server = server();
    let raw = "POST /api/upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
               zz\r\nhello\r\n0\r\n\r\n";
    let response = assert_rejected(&server, raw, 400);
    assert_eq!(response.header("content-type"), Some("application/json"));
}

#[test]
fn bytes_that_never_became_a_request_get_a_plain_answer_with_the_headers() {
    let server = server();
    let response = assert_rejected(&server, "\x16\x03\x01 garbage\r\n\r\n", 400);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_security_headers(&response);
    assert_eq!(
        response.header("x-after-hook"),
        None,
        "no request, no hooks"
    );
}

#[test]
fn every_answer_has_a_request_id() {
    let server = server();
    let mut client = server.connect();
    let ok = client.request("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi");
    assert_eq!(ok.text(), "2 bytes");
    let id = ok.header("x-request-id").expect("an id");
    assert!(!id.is_empty() && id.len() <= 64, "{id}");
    let missing = client.request("GET /nowhere HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(missing.status, 404);
    assert_ne!(
        missing.header("x-request-id"),
        Some(id),
        "one id per request"
    );
    assert_security_headers(&missing);
}
