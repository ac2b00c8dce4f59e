//! SPEC §3, timeouts: a head that trickles in (slowloris), an idle
//! keep-alive connection, and a body that stalls. Short timeouts, so the
//! tests take seconds, not minutes.

mod support;

use std::io::{ErrorKind, Write};
use std::time::{Duration, Instant};

use rung::{Config, Timeouts};
use support::{get, TestServer};

fn with_timeouts(timeouts: Timeouts) -> TestServer {
    TestServer::app_with(Config {
        timeouts,
        ..Config::default()
    })
}

#[test]
fn slowloris_head_gets_408_and_close() {
    let server = with_timeouts(Timeouts {
        head: Duration::from_secs(1),
        ..Timeouts::default()
    });
    let mut client = server.connect();
    let head =
        b"GET /slowloris HTTP/1.1\r\nHost: test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let started = Instant::now();
    let mut sent = 0;
    // One byte every 300 ms; the 300 ms are spent waiting for an answer,
    // so the client stops sending as soon as the server speaks.
    let answered = loop {
        assert!(sent < head.len(), "the whole head went out without a 408");
        match client.stream.write(&head[sent..=sent]) {
            Ok(_) => sent += 1,
            Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => {
                break started.elapsed();
            }
            Err(e) => panic!("write failed: {e}"),
        }
        if client
            .fill_within(Duration::from_millis(300))
            .unwrap()
            .is_some()
        {
            break started.elapsed();
        }
    };
    let response = client.read_response();
    assert_eq!(response.status, 408);
    assert!(response.says_close());
    client.expect_closed();
    assert!(
        answered >= Duration::from_millis(900) && answered < Duration::from_secs(4),
        "408 after {answered:?} ({sent} bytes sent), head timeout 1 s"
    );
    // The server is fine: a normal client is served.
    assert_eq!(server.connect().request(get("/ok")).status, 200);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let server = with_timeouts(Timeouts {
        idle: Duration::from_secs(1),
        ..Timeouts::default()
    });
    let mut client = server.connect();
    assert_eq!(client.request(get("/first")).status, 200);
    let started = Instant::now();
    // Still open for a while...
    client.expect_silence(Duration::from_millis(400));
    // ...then closed without a response (an idle connection owes nothing).
    client.expect_closed();
    let closed = started.elapsed();
    assert!(
        closed >= Duration::from_millis(900) && closed < Duration::from_secs(4),
        "closed after {closed:?}, idle timeout 1 s"
    );

    // A connection that never sends anything is idle too.
    let mut silent = server.connect();
    silent.expect_closed();
}

#[test]
fn an_active_connection_is_not_closed_as_idle() {
    let server = with_timeouts(Timeouts {
        idle: Duration::from_secs(1),
        ..Timeouts::default()
    });
    let mut client = server.connect();
    // Requests every 400 ms for 2.4 s: longer than the idle timeout in all,
    // never idle for that long.
    for i in 0..6 {
        assert_eq!(
            client.request(get(&format!("/{i}"))).text(),
            format!("GET /{i}")
        );
        std::thread::sleep(Duration::from_millis(400));
    }
}

#[test]
fn a_stalled_body_is_dropped() {
    let server = with_timeouts(Timeouts {
        body_progress: Duration::from_secs(1),
        ..Timeouts::default()
    });
    let mut client = server.connect();
    client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\n012");
    let started = Instant::now();
    let response = client.read_response();
    let waited = started.elapsed();
    assert_eq!(response.status, 408);
    assert!(response.says_close());
    client.expect_closed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "dropped after {waited:?}, body timeout 1 s"
    );

    // A body that keeps making progress is not dropped, however slow in all.
    let mut client = server.connect();
    client.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\n");
    for b in ["a", "b", "c", "d", "e"] {
        std::thread::sleep(Duration::from_millis(400));
        client.send(b);
    }
    assert_eq!(client.read_response().text(), "abcde");
}

#[test]
fn a_partial_head_pipelined_after_a_request_is_under_the_head_timeout() {
    // A complete request and the first bytes of the next in one write: the
    // next head's first byte has arrived, so the head timeout (not the much
    // longer idle timeout) applies to it.
    let server = with_timeouts(Timeouts {
        head: Duration::from_secs(1),
        idle: Duration::from_secs(60),
        ..Timeouts::default()
    });
    let mut client = server.connect();
    client.send(get("/first") + "GET /second HTTP/1.1\r\nHo");
    let started = Instant::now();
    assert_eq!(client.read_response().text(), "GET /first");
    let response = client.read_response();
    let waited = started.elapsed();
    assert_eq!(response.status, 408);
    client.expect_closed();
    assert!(
        waited < Duration::from_secs(4),
        "408 after {waited:?}, head timeout 1 s"
    );
}
