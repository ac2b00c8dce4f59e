//! The course: every lesson passes `check` at its own level and fails the
//! next one where that level starts; the demo site passes `check 9`; and
//! servers broken on purpose fail the step that should catch them, with
//! the hint that names the cause.
//!
//! Everything runs the compiled programs (`level1` … `level9`, `check`,
//! `demo`) over real sockets. A broken server is either a tiny server
//! written here, or a correct lesson behind a *faulty proxy*
//! ([`Broken`]): the proxy changes one thing, so exactly one step should
//! notice.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::temp_dir;

/// The lessons, in order: `LESSONS[0]` is level 1.
const LESSONS: [&str; 9] = [
    env!("CARGO_BIN_EXE_level1"),
    env!("CARGO_BIN_EXE_level2"),
    env!("CARGO_BIN_EXE_level3"),
    env!("CARGO_BIN_EXE_level4"),
    env!("CARGO_BIN_EXE_level5"),
    env!("CARGO_BIN_EXE_level6"),
    env!("CARGO_BIN_EXE_level7"),
    env!("CARGO_BIN_EXE_level8"),
    env!("CARGO_BIN_EXE_level9"),
];

/// A server running as a child process, and the directory of its data;
/// killed, and the directory removed, when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    data: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Starts `program --data-dir DIR --addr 127.0.0.1:0` and reads the
/// address it prints after `banner` on stdout; the rest of stdout (the
/// lessons' request log) is drained so the pipe never fills.
fn start(program: &str, name: &str, banner: &str) -> Server {
    let data = temp_dir(name);
    let mut child = Command::new(program)
        .arg("--data-dir")
        .arg(&data)
        .args(["--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("{program} exited before printing its address");
        }
        if let Some((_, rest)) = line.split_once(banner) {
            let url = rest
                .trim()
                .trim_start_matches("http://")
                .trim_end_matches('/');
            addr = Some(url.parse().expect("an address"));
        }
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    Server {
        child,
        addr: addr.unwrap(),
        data,
    }
}

/// Lesson `level` (1–9), storing what it saves in a temporary directory.
fn lesson(level: usize) -> Server {
    start(
        LESSONS[level - 1],
        &format!("level{level}"),
        "listening on ",
    )
}

/// What `check` said.
struct Report {
    passed: bool,
    /// `(step id, hint)` of each failed step, in order.
    failed: Vec<(String, String)>,
    output: String,
}

/// Runs `check LEVEL http://ADDR/`.
fn check(level: u8, addr: SocketAddr) -> Report {
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .args([level.to_string(), format!("http://{addr}/")])
        .output()
        .expect("check runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut failed: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("FAIL ") {
            let id = rest.split(' ').next().unwrap_or("").to_string();
            failed.push((id, String::new()));
        } else if let (Some(hint), Some(last)) =
            (line.trim().strip_prefix("hint: "), failed.last_mut())
        {
            last.1 = hint.to_string();
        }
    }
    Report {
        passed: output.status.success(),
        failed,
        output: text,
    }
}

impl Report {
    /// Asserts that every step passed.
    fn assert_passed(&self) {
        assert!(self.passed && self.failed.is_empty(), "{}", self.output);
        assert!(
            self.output.contains("steps of levels 1-"),
            "{}",
            self.output
        );
    }

    /// Asserts that exactly the steps `ids` failed, the first with a hint
    /// containing `hint`.
    fn assert_failed(&self, ids: &[&str], hint: &str) {
        assert!(!self.passed, "check should fail:\n{}", self.output);
        let failed: Vec<&str> = self.failed.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(failed, ids, "{}", self.output);
        assert!(
            self.failed[0].1.contains(hint),
            "hint of {}: {}",
            ids[0],
            self.output
        );
        // A failure shows what was sent.
        assert!(self.output.contains("     sent ("), "{}", self.output);
    }
}

/// Lesson `level` passes `check level`; `check level+1` fails, and only
/// at steps of level+1, starting with the first.
fn lesson_passes_its_level(level: u8) {
    let server = lesson(level.into());
    check(level, server.addr).assert_passed();
    if level < 9 {
        let next = check(level + 1, server.addr);
        assert!(!next.passed, "{}", next.output);
        let first = &next.failed[0].0;
        assert_eq!(*first, format!("{}.1", level + 1), "{}", next.output);
        let prefix = format!("{}.", level + 1);
        assert!(
            next.failed.iter().all(|(id, _)| id.starts_with(&prefix)),
            "{}",
            next.output
        );
    }
}

#[test]
fn level1_passes_check_1() {
    lesson_passes_its_level(1);
}

#[test]
fn level2_passes_check_2() {
    lesson_passes_its_level(2);
}

#[test]
fn level3_passes_check_3() {
    lesson_passes_its_level(3);
}

#[test]
fn level4_passes_check_4() {
    lesson_passes_its_level(4);
}

#[test]
fn level5_passes_check_5() {
    lesson_passes_its_level(5);
}

#[test]
fn level6_passes_check_6() {
    lesson_passes_its_level(6);
}

#[test]
fn level7_passes_check_7() {
    lesson_passes_its_level(7);
}

#[test]
fn level8_passes_check_8() {
    // (`check 9` is not asserted to fail: a thread per client holds
    // 1,000 idle connections too, only at a higher price.)
    let server = lesson(8);
    check(8, server.addr).assert_passed();
}

#[test]
fn level9_passes_check_9() {
    lesson_passes_its_level(9);
}

#[test]
fn the_demo_site_passes_check_9() {
    let demo = start(env!("CARGO_BIN_EXE_demo"), "demo", "rung demo site: ");
    check(9, demo.addr).assert_passed();
}

#[test]
fn check_explains_its_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .arg("10")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("LEVEL must be 1 to 9"));
}

// Broken servers.

/// A one-thread server that reads a little of each request and writes
/// `answer`; it closes the connection after, or `keep_open`.
fn tiny_server(answer: &'static [u8], keep_open: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(answer);
            if keep_open {
                kept.push(stream);
            }
        }
    });
    addr
}

/// Like the course's first Python level: HTTP/1.0, no `Content-Length`,
/// the body ends when the connection closes.
const CLOSING: &[u8] =
    b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Hello, world!</h1>\n";

#[test]
fn a_body_ended_by_closing_passes_level_1() {
    check(1, tiny_server(CLOSING, false)).assert_passed();
}

#[test]
fn a_chunked_body_on_a_connection_kept_open_passes_level_1() {
    let answer =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n\
                   7\r\n<h1>Hel\r\n10\r\nlo, world!</h1>\n\r\n0\r\n\r\n";
    check(1, tiny_server(answer, true)).assert_passed();
}

#[test]
fn verbose_shows_every_exchange() {
    let addr = tiny_server(CLOSING, false);
    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .args(["1", &format!("http://{addr}/"), "--verbose"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.matches("     sent (").count(), 4, "{text}");
    assert!(text.contains("       | HTTP/1.0 200 OK\\r\\n"), "{text}");
}

/// What the client asked, as the faulty proxy read it.
struct Req {
    method: String,
    path: String,
}

/// A correct lesson behind a proxy that breaks one thing.
#[derive(Clone, Copy)]
struct Broken {
    /// Serve one connection at a time.
    sequential: bool,
    /// Take as the body only the bytes that came with the head, whatever
    /// `Content-Length` says.
    body_from_first_read: bool,
    /// Close new connections beyond this many open at once.
    max_open: usize,
    /// An answer instead of the lesson's (empty: close without one).
    answer: fn(&Req, &str) -> Option<Vec<u8>>,
    /// Changes the lesson's answer: its head (status line and headers,
    /// without `Content-Length`) and body; returns the `Content-Length`
    /// to declare, `None` for the true one.
    change: fn(&Req, &mut String, &mut Vec<u8>) -> Option<usize>,
}

impl Default for Broken {
    fn default() -> Broken {
        Broken {
            sequential: false,
            body_from_first_read: false,
            max_open: usize::MAX,
            answer: |_, _| None,
            change: |_, _, _| None,
        }
    }
}

impl Broken {
    /// Starts the proxy in front of `upstream`; returns its address.
    fn start(self, upstream: SocketAddr) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if open.fetch_add(1, Ordering::SeqCst) >= self.max_open {
                    open.fetch_sub(1, Ordering::SeqCst);
                    continue; // dropped: closed at once
                }
                let open = Arc::clone(&open);
                let serve = move || {
                    let _ = self.relay(client, upstream);
                    open.fetch_sub(1, Ordering::SeqCst);
                };
                if self.sequential {
                    serve();
                } else {
                    std::thread::spawn(serve);
                }
            }
        });
        addr
    }

    /// One request from `client`, through the lesson, back, with the fault.
    fn relay(&self, mut client: TcpStream, upstream: SocketAddr) -> std::io::Result<()> {
        let mut received = Vec::new();
        let mut buf = [0; 8192];
        let head_end = loop {
            if let Some(i) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = client.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            received.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
        let mut body = received[head_end..].to_vec();
        let length = header(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while !self.body_from_first_read && body.len() < length {
            let n = client.read(&mut buf)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&buf[..n]);
        }
        let mut words = head.split(' ');
        let req = Req {
            method: words.next().unwrap_or("").to_string(),
            path: words.next().unwrap_or("").to_string(),
        };
        if let Some(answer) = (self.answer)(&req, &head) {
            return client.write_all(&answer);
        }
        // To the lesson, with the body as read.
        let mut lesson = TcpStream::connect(upstream)?;
        lesson.write_all(without_length(&head).as_bytes())?;
        lesson.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())?;
        lesson.write_all(&body)?;
        let mut response = Vec::new();
        lesson.read_to_end(&mut response)?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(response.len(), |i| i + 4);
        let mut head = without_length(&String::from_utf8_lossy(&response[..split]));
        let mut body = response[split..].to_vec();
        let length = (self.change)(&req, &mut head, &mut body).unwrap_or(body.len());
        client.write_all(head.as_bytes())?;
        client.write_all(format!("Content-Length: {length}\r\n\r\n").as_bytes())?;
        client.write_all(&body)
    }
}

/// The value of header `name` in a head.
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    let lines = head.lines().filter_map(|line| line.split_once(':'));
    let mut found = lines.filter(|(n, _)| n.trim().eq_ignore_ascii_case(name));
    found.next().map(|(_, value)| value.trim())
}

/// A head without its `Content-Length` and without the empty last line.
fn without_length(head: &str) -> String {
    let lines = head.split("\r\n").filter(|l| !l.is_empty());
    let kept = lines.filter(|l| !l.to_ascii_lowercase().starts_with("content-length:"));
    kept.map(|l| format!("{l}\r\n")).collect()
}

/// An HTML answer made by the proxy itself.
fn page(extra_headers: &str, body: &str) -> Vec<u8> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n";
    format!(
        "{head}{extra_headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn a_content_length_too_small_fails_step_1_4() {
    let server = lesson(1);
    let broken = Broken {
        change: |_, _, body| Some(body.len() - 5),
        ..Broken::default()
    };
    let report = check(1, broken.start(server.addr));
    report.assert_failed(&["1.4"], "the body must end where Content-Length says");
    assert!(
        report.output.contains("then 5 more came"),
        "{}",
        report.output
    );
}

#[test]
fn one_client_at_a_time_fails_step_2_1() {
    let server = lesson(2);
    let broken = Broken {
        sequential: true,
        ..Broken::default()
    };
    check(2, broken.start(server.addr)).assert_failed(&["2.1"], "on its own thread");
}

#[test]
fn serving_dot_dot_fails_step_3_5() {
    let server = lesson(3);
    let broken = Broken {
        answer: |req, _| {
            let climbs = req.path.contains("..") || req.path.to_ascii_lowercase().contains("%2e");
            climbs.then(|| page("", "[package]\nname = \"demo\"\n"))
        },
        ..Broken::default()
    };
    check(3, broken.start(server.addr)).assert_failed(&["3.5"], "refuse `..` in a path");
}

#[test]
fn ignoring_content_length_fails_step_4_2() {
    let server = lesson(4);
    let broken = Broken {
        body_from_first_read: true,
        ..Broken::default()
    };
    let report = check(4, broken.start(server.addr));
    // Without the body there is no name to decode or escape either.
    report.assert_failed(&["4.2", "4.3", "4.4"], "read the body by Content-Length");
}

#[test]
fn not_escaping_fails_step_4_4() {
    let server = lesson(4);
    let broken = Broken {
        change: |req, _, body| {
            if req.method == "POST" {
                let text = String::from_utf8_lossy(body)
                    .replace("&lt;", "<")
                    .replace("&gt;", ">");
                *body = text.into_bytes();
            }
            None
        },
        ..Broken::default()
    };
    check(4, broken.start(server.addr)).assert_failed(&["4.4"], "escape what a visitor typed");
}

#[test]
fn not_saving_fails_step_5_1() {
    let server = lesson(5);
    let broken = Broken {
        answer: |req, _| {
            (req.path == "/messages").then(|| page("", "<h1>Messages</h1>\n<ol></ol>\n"))
        },
        ..Broken::default()
    };
    check(5, broken.start(server.addr)).assert_failed(&["5.1"], "save each message");
}

#[test]
fn an_unsigned_cookie_fails_step_6_3() {
    let server = lesson(6);
    // A counter in a plain cookie: `visits=3`, believed as sent.
    let broken = Broken {
        answer: |req, head| {
            (req.path == "/").then(|| {
                let cookie = header(head, "cookie").unwrap_or("");
                let visits = cookie
                    .strip_prefix("visits=")
                    .and_then(|v| v.parse::<u64>().ok());
                let n = visits.unwrap_or(0) + 1;
                let body = format!("<h1>Hello, world!</h1>\n<span id=\"visits\">{n}</span>\n");
                page(&format!("Set-Cookie: visits={n}\r\n"), &body)
            })
        },
        ..Broken::default()
    };
    check(6, broken.start(server.addr)).assert_failed(&["6.3"], "sign the cookie");
}

#[test]
fn answering_400_for_any_content_type_fails_step_7_4() {
    let server = lesson(7);
    let broken = Broken {
        change: |_, head, _| {
            *head = head.replace("415 Unsupported Media Type", "400 Bad Request");
            None
        },
        ..Broken::default()
    };
    check(7, broken.start(server.addr)).assert_failed(&["7.4"], "415 Unsupported Media Type");
}

#[test]
fn a_panic_that_drops_the_connection_fails_step_8_4() {
    let server = lesson(8);
    let broken = Broken {
        answer: |req, _| (req.path == "/boom").then(Vec::new),
        ..Broken::default()
    };
    check(8, broken.start(server.addr)).assert_failed(&["8.4"], "answer a `500` HTML page");
}

#[test]
fn a_cap_on_connections_fails_step_9_1() {
    let server = lesson(9);
    let broken = Broken {
        max_open: 200,
        ..Broken::default()
    };
    check(9, broken.start(server.addr)).assert_failed(&["9.1"], "epoll");
}

/// `GET path` on a new connection: the whole response, and how long it took.
fn timed_get(addr: SocketAddr, path: &str) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    (response, started.elapsed())
}

/// `/sleep?ms=1500` answers after 1.5 s, while `/` is answered at once:
/// with a thread per client (level 2), and from one thread with a timer
/// in the event loop (level 9).
fn a_slow_client_does_not_hold_up_others(level: usize) {
    let server = lesson(level);
    let addr = server.addr;
    let slow = std::thread::spawn(move || timed_get(addr, "/sleep?ms=1500"));
    std::thread::sleep(Duration::from_millis(100));
    let (fast, took) = timed_get(addr, "/");
    assert!(fast.contains("Hello, world!"), "{fast}");
    assert!(took < Duration::from_millis(1000), "/ took {took:?}");
    let (slow, took) = slow.join().unwrap();
    assert!(slow.starts_with("HTTP/1.1 200 OK\r\n"), "{slow}");
    assert!(slow.ends_with("slept 1500 ms\n"), "{slow}");
    assert!(took >= Duration::from_millis(1500), "/sleep took {took:?}");
    let (refused, _) = timed_get(addr, "/sleep?ms=5001");
    assert!(refused.starts_with("HTTP/1.1 400 "), "{refused}");
}

#[test]
fn level2_sleeps_on_its_own_thread() {
    a_slow_client_does_not_hold_up_others(2);
}

#[test]
fn level9_sleeps_on_a_timer_of_its_loop() {
    a_slow_client_does_not_hold_up_others(9);
}
