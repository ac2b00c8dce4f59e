//! SPEC §3, connections: keep-alive, `Connection: close`, HTTP/1.0,
//! pipelining, handler panics and concurrency, over real sockets.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use rung::Config;
use support::{get, Client, TestServer};

#[test]
fn http11_keeps_the_connection_alive_by_default() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    let first = client.request(get("/one"));
    assert_eq!(first.status, 200);
    assert_eq!(first.text(), "GET /one");
    assert!(!first.says_close(), "{first:?}");
    let second = client.request(get("/two"));
    assert_eq!(second.status, 200);
    assert_eq!(second.text(), "GET /two");
    assert!(!second.says_close());
    // Still open: nothing arrives, and a third request works.
    client.expect_silence(Duration::from_millis(200));
    assert_eq!(client.request(get("/three")).text(), "GET /three");
}

#[test]
fn connection_close_is_honoured() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    // A second request pipelined after `Connection: close` is never answered.
    client.send(
        "GET /last HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n\
         GET /never HTTP/1.1\r\nHost: test\r\n\r\n",
    );
    let response = client.read_response();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "GET /last");
    assert!(response.says_close(), "{response:?}");
    client.expect_closed();
}

#[test]
fn http10_closes_unless_keep_alive_is_asked_for() {
    let server = TestServer::default_app();

    let mut client = server.connect();
    let response = client.request("GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "GET /old");
    assert!(response.says_close(), "{response:?}");
    client.expect_closed();

    let mut client = server.connect();
    let keep = "GET /kept HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    let first = client.request(keep);
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("connection").map(str::to_ascii_lowercase),
        Some("keep-alive".to_string())
    );
    let second = client.request(keep);
    assert_eq!(second.text(), "GET /kept");
    // Without the header again, the 1.0 connection ends after this one.
    let third = client.request("GET /end HTTP/1.0\r\n\r\n");
    assert_eq!(third.text(), "GET /end");
    client.expect_closed();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::default_app();
    let mut client = server.connect();
    // Three requests in one write, one of them with a body and a slow one
    // first, so an out-of-order answer would show.
    let mut batch = get("/slow?ms=300");
    batch.push_str(&support::post("/echo", "body-2"));
    batch.push_str(&get("/third"));
    client.send(batch);
    let first = client.read_response();
    let second = client.read_response();
    let third = client.read_response();
    assert_eq!(first.text(), "slow done");
    assert_eq!(second.text(), "body-2");
    assert_eq!(third.text(), "GET /third");
    client.expect_silence(Duration::from_millis(200));
}

#[test]
fn a_handler_panic_is_a_500_and_the_server_goes_on() {
    let server = TestServer::default_app();
    for _ in 0..20 {
        // More panics than there are workers: none of them is lost.
        let mut client = server.connect();
        let response = client.request(get("/panic"));
        assert_eq!(response.status, 500);
        response.assert_well_framed();
        // The connection itself is still usable...
        assert_eq!(client.request(get("/same")).text(), "GET /same");
    }
    // ...and so is the server, on a new connection.
    let mut client = server.connect();
    let response = client.request(get("/after"));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "GET /after");
}

#[test]
fn a_slow_handler_does_not_delay_other_connections() {
    let server = TestServer::default_app();
    let addr = server.addr;
    let slow = thread::spawn(move || {
        let mut client = Client::connect(addr);
        let started = Instant::now();
        let response = client.request(get("/slow?ms=1500"));
        (response, started.elapsed())
    });
    thread::sleep(Duration::from_millis(200)); // the slow request is in its handler
    let mut client = server.connect();
    let started = Instant::now();
    let response = client.request(get("/fast"));
    let fast = started.elapsed();
    assert_eq!(response.text(), "GET /fast");
    assert!(
        fast < Duration::from_millis(700),
        "a fast request waited {fast:?} behind a slow one"
    );
    let (response, slow) = slow.join().unwrap();
    assert_eq!(response.text(), "slow done");
    assert!(slow >= Duration::from_millis(1500));
}

/// Reports the kernel gives in one batch are shared out through a queue;
/// one queued behind a slow handler must still be taken by a free worker.
/// Slow and fast requests arrive together and interleaved, in one write
/// per round where possible, so batches mix them.
#[test]
fn requests_arriving_with_slow_ones_are_not_held_behind_them() {
    let config = Config {
        workers: 4,
        ..Config::default()
    };
    let server = TestServer::app_with(config);
    // Per round: slow, fast, fast, slow, fast, fast, fast, fast: two slow
    // requests for four workers, so two workers are always free.
    let pattern = [true, false, false, true, false, false, false, false];
    let mut clients: Vec<Client> = pattern.iter().map(|_| server.connect()).collect();
    for round in 0..8 {
        for (client, slow) in clients.iter_mut().zip(pattern) {
            client.send(get(if slow { "/slow?ms=400" } else { "/fast" }));
        }
        let started = Instant::now();
        for (client, slow) in clients.iter_mut().zip(pattern) {
            if !slow {
                assert_eq!(client.read_response().text(), "GET /fast");
            }
        }
        let fast = started.elapsed();
        assert!(
            fast < Duration::from_millis(300),
            "round {round}: fast requests took {fast:?} beside two slow ones (4 workers)"
        );
        for (client, slow) in clients.iter_mut().zip(pattern) {
            if slow {
                assert_eq!(client.read_response().text(), "slow done");
            }
        }
    }
}

/// Raises the soft limit on open files to what `want` connections need
/// (both ends are in this process), up to the hard limit.
fn raise_open_file_limit(want: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft < want) {
        let raised = rustix::process::Rlimit {
            current: Some(limit.maximum.map_or(want, |hard| hard.min(want))),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, raised).expect("raise RLIMIT_NOFILE");
    }
    let now = getrlimit(Resource::Nofile).current;
    assert!(
        now.is_none_or(|soft| soft >= want),
        "RLIMIT_NOFILE is {now:?}, {want} needed: raise the hard limit (ulimit -Hn)"
    );
}

#[test]
fn two_thousand_idle_keep_alive_connections_do_not_stop_a_new_client() {
    const IDLE: usize = 2000;
    raise_open_file_limit(2 * IDLE as u64 + 256);
    let server = TestServer::default_app();
    println!("VmRSS before the idle connections: {}", support::vm_rss());
    let started = Instant::now();
    let mut idle: Vec<Client> = Vec::with_capacity(IDLE);
    for i in 0..IDLE {
        let mut client = server.connect();
        let response = client.request(get(&format!("/idle/{i}")));
        assert_eq!(response.status, 200);
        assert!(!response.says_close());
        idle.push(client);
    }
    println!(
        "{IDLE} keep-alive connections opened in {:?}; VmRSS with {IDLE} idle connections: {}",
        started.elapsed(),
        support::vm_rss()
    );

    let started = Instant::now();
    let mut fresh = server.connect();
    let response = fresh.request(get("/fresh"));
    let waited = started.elapsed();
    assert_eq!(response.text(), "GET /fresh");
    assert!(
        waited < Duration::from_secs(2),
        "a new client waited {waited:?} with {IDLE} idle connections open"
    );
    println!("a fresh client was answered in {waited:?}");

    // The idle connections are all still open and still served.
    for i in [0, 1, IDLE / 2, IDLE - 1] {
        let response = idle[i].request(get(&format!("/again/{i}")));
        assert_eq!(response.text(), format!("GET /again/{i}"));
    }
    drop(idle);
    drop(fresh);
    server.stop();
}

#[test]
fn a_thousand_pipelined_requests_are_answered_in_order() {
    // More answers than fit in the server's output buffer: the server must
    // pause reading while the client is not reading, then go on.
    const N: usize = 1000;
    let server = TestServer::default_app();
    let mut client = server.connect();
    let mut writer = client.stream.try_clone().unwrap();
    let batch: String = (0..N)
        .map(|i| match i % 3 {
            0 => get(&format!("/p/{i}")),
            1 => support::post("/echo", &format!("body {i}")),
            _ => get("/stream"),
        })
        .collect();
    let sender = thread::spawn(move || {
        use std::io::Write;
        writer.write_all(batch.as_bytes()).unwrap();
    });
    for i in 0..N {
        let response = client.read_response();
        let expected = match i % 3 {
            0 => format!("GET /p/{i}").into_bytes(),
            1 => format!("body {i}").into_bytes(),
            _ => support::STREAMED.to_vec(),
        };
        assert_eq!(response.body, expected, "response {i}");
    }
    sender.join().unwrap();
    client.expect_silence(Duration::from_millis(100));
}
