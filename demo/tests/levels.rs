//! Each lesson runs on its own: `cargo run -p demo --bin level1` … `level4`.
//! These start the compiled lessons and talk to them over a socket.
//!
//! The lessons listen on fixed ports (9001–9004, as their docs say), so
//! each test waits for its port and stops the lesson when done.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A lesson running as a child process; killed when dropped.
struct Lesson(Child);

impl Drop for Lesson {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(binary: &str, port: u16) -> Lesson {
    let child = Command::new(binary)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lesson starts");
    let lesson = Lesson(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{binary} never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    lesson
}

/// Sends `request` and reads until the server closes.
fn exchange(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
}

fn get(port: u16, path: &str) -> String {
    exchange(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: lesson\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn level1_answers_hello_with_std_only() {
    let _lesson = start(env!("CARGO_BIN_EXE_level1"), 9001);
    let response = get(9001, "/");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("Content-Type: text/html; charset=utf-8\r\n"));
    assert!(response.contains("<h1>Hello, world!</h1>"));
}

#[test]
fn level2_serves_a_fast_client_while_a_slow_one_waits() {
    let _lesson = start(env!("CARGO_BIN_EXE_level2"), 9002);
    let slow = std::thread::spawn(|| get(9002, "/sleep?ms=1500"));
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let fast = get(9002, "/");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "the fast client waited for the slow one"
    );
    assert!(fast.contains("<h1>Hello, world!</h1>"), "{fast}");
    assert!(slow.join().unwrap().contains("slept 1500 ms"));
}

#[test]
fn level3_routes_and_serves_typed_files() {
    let _lesson = start(env!("CARGO_BIN_EXE_level3"), 9003);
    assert!(get(9003, "/about").contains("<h1>About</h1>"));
    assert!(get(9003, "/hello/Ada").ends_with("Hello, Ada!\n"));
    let css = get(9003, "/static/style.css");
    assert!(
        css.contains("Content-Type: text/css; charset=utf-8\r\n"),
        "{css}"
    );
    let post = exchange(
        9003,
        "POST /about HTTP/1.1\r\nHost: lesson\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    assert!(post.contains("Allow: GET, HEAD, OPTIONS\r\n"), "{post}");
}

#[test]
fn level4_greets_from_a_form_through_an_escaping_template() {
    let _lesson = start(env!("CARGO_BIN_EXE_level4"), 9004);
    assert!(get(9004, "/").contains("<form method=\"post\" action=\"/greet\">"));
    let body = "name=%3Cb%3EAda%3C%2Fb%3E";
    let greet = exchange(
        9004,
        &format!(
            "POST /greet HTTP/1.1\r\nHost: lesson\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(greet.starts_with("HTTP/1.1 200 OK\r\n"), "{greet}");
    assert!(greet.contains("Hello, &lt;b&gt;Ada&lt;/b&gt;!"), "{greet}");
    let missing = exchange(
        9004,
        "POST /greet HTTP/1.1\r\nHost: lesson\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\nnom=Ada",
    );
    assert!(missing.starts_with("HTTP/1.1 422 "), "{missing}");
}
