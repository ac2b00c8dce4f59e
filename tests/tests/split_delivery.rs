//! Split delivery (SPEC §3, hostile input at scale): every end-to-end case
//! sent whole and then cut into pieces — at every position when short, at
//! random positions and one byte at a time when long — gets the same
//! answer. See `support/split.rs` for the plans.

mod support;

use std::collections::BTreeMap;

use rung::{App, Form, FromRequest, Method, Multipart, Request};
use support::split::{self, Plan, Seen, Split};
use support::{get, post, TestServer};

/// Logs how many plans a case took and how long: the pauses add up, and
/// this file must stay well under a minute.
fn report(name: &str, report: split::Report) {
    eprintln!("{name}: {} plans in {:.2?}", report.plans, report.elapsed);
}

#[test]
fn a_simple_get() {
    let server = TestServer::default_app();
    let raw = "GET /hello?x=1&y=%C3%A9 HTTP/1.1\r\nHost: test\r\nUser-Agent: split\r\n\
               Accept: */*\r\n\r\n";
    report("get", Split::new(server.addr, "simple GET", raw).run());
}

#[test]
fn pipelined_requests() {
    let server = TestServer::default_app();
    let raw = get("/one") + &post("/echo", "two!") + &get("/three");
    report(
        "pipelined",
        Split::new(server.addr, "three pipelined requests", raw)
            .responses(3)
            .run(),
    );
}

#[test]
fn a_content_length_post() {
    let server = TestServer::default_app();
    let raw = post("/echo", "name=value&other=1234567890");
    report(
        "content-length",
        Split::new(server.addr, "Content-Length POST", raw).run(),
    );
}

#[test]
fn a_chunked_post_with_extensions_and_trailers() {
    let server = TestServer::default_app();
    let raw = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
               5;ext=1\r\nhello\r\n\
               1 ; q=\"a b\"\r\n \r\n\
               A\r\n0123456789\r\n\
               0\r\nX-Trailer: yes\r\n\r\n";
    report(
        "chunked",
        Split::new(server.addr, "chunked POST", raw).run(),
    );
}

#[test]
fn expect_100_continue() {
    let server = TestServer::default_app();
    let head = "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 11\r\n\
                Expect: 100-continue\r\n\r\n";
    let body = "hello world";
    // Head and body cut anywhere: a `100 Continue` comes when the head
    // arrived without the whole body, and then always before the 200.
    report(
        "expect (any cut)",
        Split::new(server.addr, "Expect: 100-continue", format!("{head}{body}"))
            .may_continue()
            .run(),
    );

    // A client that waits for the 100 before sending the body, as the
    // header promises: the head cut anywhere still gets the 100 first.
    let mut whole = server.connect();
    whole.send(head);
    assert_eq!(whole.read_response().status, 100);
    let expected = Seen::of(&whole.request(body));
    let started = std::time::Instant::now();
    for cut in 1..head.len() {
        let plan = Plan {
            cuts: vec![cut],
            pause: std::time::Duration::from_millis(1),
        };
        let mut client = server.connect();
        split::send_in_pieces(&mut client, head.as_bytes(), &plan);
        let interim = client.read_response();
        assert_eq!(interim.status, 100, "head cut at {cut}");
        assert!(client.pending().is_empty(), "only the 100 so far");
        let body_plan = Plan {
            cuts: vec![1 + cut % (body.len() - 1)],
            pause: std::time::Duration::from_millis(1),
        };
        split::send_in_pieces(&mut client, body.as_bytes(), &body_plan);
        assert_eq!(
            Seen::of(&client.read_response()),
            expected,
            "head cut at {cut}"
        );
        assert_eq!(client.request(get("/probe")).text(), "GET /probe");
    }
    eprintln!(
        "expect (waiting client): {} plans in {:.2?}",
        head.len() - 1,
        started.elapsed()
    );
}

/// An app with form routes, bound with `App::bind` like a user's.
fn form_app() -> TestServer {
    let app = App::empty()
        .route(&[Method::Post], "/form", |req: &Request| {
            Form::<BTreeMap<String, String>>::from_request(req).map(|Form(f)| format!("{f:?}"))
        })
        .route(&[Method::Post], "/upload", |req: &Request| {
            Multipart::from_request(req).map(|Multipart(parts)| {
                parts
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {:?} {:?} {:?}\n",
                            p.name,
                            p.filename,
                            p.content_type,
                            String::from_utf8_lossy(&p.data)
                        )
                    })
                    .collect::<String>()
            })
        })
        .route(&[Method::Get], "/probe", |_: &Request| "probe");
    TestServer::spawn(app.bind("127.0.0.1:0").expect("bind the form app"))
}

const BOUNDARY: &str = "----splitBoundary7MA4YWxkTrZu0gW";

fn multipart_body() -> String {
    format!(
        "--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"title\"\r\n\r\n\
         A title, with \"quotes\"\r\n\
         --{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"notes\"\r\n\r\n\
         line one\r\nline two\r\n\
         --{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n\
         file contents\r\n--not-the-boundary\r\n\
         --{BOUNDARY}--\r\n"
    )
}

fn multipart_post(target: &str) -> String {
    let body = multipart_body();
    format!(
        "POST {target} HTTP/1.1\r\nHost: test\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_multipart_form_through_an_app() {
    let server = form_app();
    // The answers are what the extractors made of the form, so a body cut
    // differently would show in them.
    let mut client = server.connect();
    let form = client.request(multipart_post("/form"));
    assert_eq!(form.status, 200, "{}", form.text());
    assert!(form
        .text()
        .contains("\"notes\": \"line one\\r\\nline two\""));
    let upload = client.request(multipart_post("/upload"));
    assert_eq!(upload.status, 200, "{}", upload.text());
    assert!(upload.text().contains("file Some(\"a.txt\")"));

    report(
        "multipart Form",
        Split::new(server.addr, "multipart Form", multipart_post("/form")).run(),
    );
    report(
        "multipart Multipart",
        Split::new(server.addr, "Multipart", multipart_post("/upload")).run(),
    );

    // The same form sent chunked, with an extension: a long chunked body
    // one byte at a time goes through every state of the chunk decoder.
    let body = multipart_body();
    let (a, b) = body.split_at(body.len() / 3);
    let chunked = format!(
        "POST /upload HTTP/1.1\r\nHost: test\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Transfer-Encoding: chunked\r\n\r\n\
         {:x};part=1\r\n{a}\r\n{:X}\r\n{b}\r\n0\r\nX-Done: 1\r\n\r\n",
        a.len(),
        b.len()
    );
    assert_eq!(client.request(&chunked).text(), upload.text());
    report(
        "multipart chunked",
        Split::new(server.addr, "chunked Multipart", chunked).run(),
    );
}

#[test]
fn a_rejected_request() {
    let server = TestServer::default_app();
    // Content-Length and Transfer-Encoding together: 400 and close, and
    // the GET hidden after the chunked body is never answered, however
    // the bytes arrive.
    let raw = "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\
               Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
               GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n";
    let mut client = server.connect();
    let response = client.request(raw);
    assert_eq!(response.status, 400);
    assert!(response.says_close());
    report(
        "rejected",
        Split::new(server.addr, "CL+TE", raw).closes().run(),
    );
}
