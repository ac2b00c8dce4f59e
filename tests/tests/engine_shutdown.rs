//! SPEC §3, graceful shutdown: stop accepting, close idle connections, let
//! requests in flight finish, exit 0 — through the handle and on SIGTERM.

mod support;

use std::io::{BufRead, BufReader, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rung::{Config, Timeouts};
use support::{get, join_within, Client, TestServer};

/// Waits until connecting to `addr` is refused (the listener is closed).
fn wait_until_refused(addr: SocketAddr, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return started.elapsed(),
            // Accepted by the kernel just before the listener closed, or
            // reset in the middle of the handshake when it closed: not a
            // clean refusal yet, try again.
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("connecting failed in an unexpected way: {e}"),
        }
        assert!(
            started.elapsed() < limit,
            "new connections still accepted {limit:?} after the shutdown"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn shutdown_finishes_requests_in_flight_and_closes_the_rest() {
    let mut server = TestServer::default_app();
    let addr = server.addr;

    let mut idle = server.connect();
    assert_eq!(idle.request(get("/idle")).status, 200);

    let in_flight = thread::spawn(move || {
        let mut client = Client::connect(addr);
        let response = client.request(get("/slow?ms=2000"));
        client.expect_closed();
        response
    });
    thread::sleep(Duration::from_millis(300)); // the slow handler is running

    let shutdown_at = Instant::now();
    server.handle().shutdown();

    // The idle connection is closed at once, with nothing sent.
    idle.expect_closed();
    let idle_closed = shutdown_at.elapsed();
    assert!(
        idle_closed < Duration::from_secs(1),
        "idle connection closed {idle_closed:?} after the shutdown"
    );
    // New connections are refused, while the slow request still runs.
    let refused = wait_until_refused(addr, Duration::from_secs(1));
    assert!(
        !in_flight.is_finished(),
        "the slow request should still be running (refused after {refused:?})"
    );

    // The request in flight completes, and the connection then closes.
    let response = join_within(in_flight, Duration::from_secs(10));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "slow done");
    assert!(response.says_close(), "{response:?}");

    let result = join_within(server.take_thread(), Duration::from_secs(10));
    assert!(result.is_ok(), "Server::run returned {result:?}");
}

#[test]
fn shutdown_stops_waiting_for_a_request_after_the_grace_period() {
    let config = Config {
        timeouts: Timeouts {
            grace: Duration::from_millis(500),
            ..Timeouts::default()
        },
        ..Config::default()
    };
    let mut server = TestServer::app_with(config);
    let addr = server.addr;
    // Left to finish (or not) on its own: the server does not wait for it.
    let _stuck = thread::spawn(move || {
        let mut client = Client::connect(addr);
        client.send(get("/slow?ms=5000"));
        let _ = client.try_read_response(false);
    });
    thread::sleep(Duration::from_millis(300));
    let shutdown_at = Instant::now();
    server.handle().shutdown();
    let result = join_within(server.take_thread(), Duration::from_secs(10));
    let took = shutdown_at.elapsed();
    assert!(result.is_ok(), "Server::run returned {result:?}");
    assert!(
        took < Duration::from_millis(4000),
        "run returned {took:?} after the shutdown, with a 500 ms grace period"
    );
}

#[test]
fn sigterm_shuts_the_process_down_gracefully_with_exit_code_0() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signal_server"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the signal_server binary");
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", port.trim()).parse().unwrap();

    let mut client = Client::connect(addr);
    assert_eq!(
        client.request(get("/hello")).text(),
        "you asked for /hello\n"
    );

    let in_flight = thread::spawn(move || Client::connect(addr).request(get("/slow")));
    thread::sleep(Duration::from_millis(300));
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());

    // The request in flight still gets its answer.
    let response = join_within(in_flight, Duration::from_secs(10));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "you asked for /slow\n");
    // The idle keep-alive connection is closed.
    client.expect_closed();

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("signal_server did not exit after SIGTERM");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
}
