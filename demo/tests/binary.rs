//! The `demo` program itself: its options, its banner, signals, and
//! messages that survive `kill -9`.
//!
//! These run the compiled binary (`CARGO_BIN_EXE_demo`) as a child
//! process, as `cargo run -p demo` would.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::temp_dir;

struct Running {
    child: Child,
    addr: SocketAddr,
    /// Everything printed on stdout up to and including the route table.
    banner: String,
    _stdout: BufReader<ChildStdout>,
    /// Reads stderr all along (a full pipe would block the server's log).
    stderr: Option<std::thread::JoinHandle<String>>,
}

/// A test that fails half-way must not leave its server running.
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `demo --addr 127.0.0.1:0 ARGS...` (from another working
/// directory, to show that templates are found anyway) and reads its banner.
fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_demo"));
    command
        .args(["--addr", "127.0.0.1:0", "--workers", "4"])
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("RUNG_SECRET")
        .env_remove("RUNG_ADMIN_TOKEN")
        .env_remove("DATABASE_URL")
        .env_remove("GLIBC_TUNABLES")
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start demo");
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let mut addr = None;
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("demo exited early; printed:\n{banner}");
        }
        banner.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix("rung demo site: http://") {
            addr = Some(rest.trim_end_matches('/').parse().unwrap());
        }
        // The banner ends with where the messages are kept.
        if line.starts_with("messages in ") {
            break;
        }
    }
    Running {
        child,
        addr: addr.expect("the URL in the banner"),
        banner,
        _stdout: stdout,
        stderr: Some(stderr),
    }
}

/// One request on a new connection: `(status, body)`; `None` if the
/// server is gone.
fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &str,
    body: &str,
) -> Option<(u16, String)> {
    support::send(addr, method, target, headers, body).map(|reply| (reply.status, reply.body))
}

fn post_message(addr: SocketAddr, text: &str) -> Option<(u16, String)> {
    let body = serde_json::json!({ "message": text }).to_string();
    send(
        addr,
        "POST",
        "/api/messages",
        "Content-Type: application/json\r\n",
        &body,
    )
}

/// `GET /` as a new visitor: the `name=value` of the session cookie.
fn first_visit_cookie(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let line = raw
        .lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: "))
        .expect("a session cookie");
    line.split(';').next().unwrap().to_string()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("demo did not exit");
}

/// Everything the (exited) server wrote on stderr.
fn stderr_of(demo: &mut Running) -> String {
    demo.stderr.take().unwrap().join().unwrap()
}

fn data_dir(dir: &Path) -> String {
    dir.join("data").display().to_string()
}

#[test]
fn prints_url_and_route_table_and_exits_0_on_sigterm_and_sigint() {
    for sig in ["TERM", "INT"] {
        let dir = temp_dir("banner");
        let mut demo = start(&["--data-dir", &data_dir(&dir)], &[]);
        assert!(demo.banner.contains("METHOD"), "{}", demo.banner);
        // Handlers by name, with the file:line of their route attribute.
        assert!(
            demo.banner.contains("demo::pages::home") && demo.banner.contains("demo/src/pages.rs:"),
            "{}",
            demo.banner
        );
        for row in [
            "/api/messages/{id}",
            "/contact",
            "/messages",
            "/sleep",
            "/about",
        ] {
            assert!(demo.banner.contains(row), "{row} in\n{}", demo.banner);
        }
        // The data dir was created, and the templates were found although
        // the working directory is elsewhere.
        assert!(dir.join("data").is_dir());
        let (status, body) = send(demo.addr, "GET", "/", "", "").unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("<h1>Hello, world!</h1>"));
        signal(&demo.child, sig);
        assert_eq!(wait_exit(&mut demo.child).code(), Some(0), "SIG{sig}");
        let log = stderr_of(&mut demo);
        // The access log is on by default.
        assert!(log.contains("\"GET / HTTP/1.1\" 200"), "{log}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn trace_prints_the_heads() {
    let dir = temp_dir("trace");
    let mut demo = start(&["--data-dir", &data_dir(&dir), "--trace"], &[]);
    send(demo.addr, "GET", "/about?x=1", "X-Probe: yes\r\n", "").unwrap();
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);
    let log = stderr_of(&mut demo);
    assert!(log.contains("GET /about?x=1 HTTP/1.1"), "{log}");
    assert!(log.contains("X-Probe: yes"), "{log}");
    assert!(log.contains("HTTP/1.1 200 OK"), "{log}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The `GLIBC_TUNABLES` entry in the environment of process `pid`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tunables_of(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    environ
        .split(|&b| b == 0)
        .map(String::from_utf8_lossy)
        .find_map(|entry| entry.strip_prefix("GLIBC_TUNABLES=").map(str::to_string))
}

/// The demo re-executes itself with its malloc settings (`tune_malloc`):
/// the process we started is the one that serves, with the settings in its
/// environment; settings of the user's own are left alone.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn runs_with_its_malloc_settings_unless_given_others() {
    let dir = temp_dir("tunables");
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &[]);
    assert_eq!(send(demo.addr, "GET", "/about", "", "").unwrap().0, 200);
    let tunables = tunables_of(demo.child.id()).expect("GLIBC_TUNABLES set by the demo");
    // glibc may cut the copy in the environment at the first ':' it parsed.
    assert!(
        tunables.starts_with("glibc.malloc.arena_max=2"),
        "{tunables}"
    );
    signal(&demo.child, "TERM");
    assert!(wait_exit(&mut demo.child).success());

    let own = "glibc.malloc.arena_max=3";
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &[("GLIBC_TUNABLES", own)]);
    assert_eq!(tunables_of(demo.child.id()).as_deref(), Some(own));
    signal(&demo.child, "TERM");
    assert!(wait_exit(&mut demo.child).success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn admin_token_and_secret_from_the_environment() {
    let dir = temp_dir("env");
    let envs = [("RUNG_ADMIN_TOKEN", "from-env"), ("RUNG_SECRET", "s3cret")];
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &envs);
    assert_eq!(post_message(demo.addr, "x").unwrap().0, 201);
    let delete = |token: &str| {
        let header = format!("Authorization: Bearer {token}\r\n");
        send(demo.addr, "DELETE", "/api/messages/1", &header, "")
            .unwrap()
            .0
    };
    assert_eq!(delete("wrong"), 401);
    assert_eq!(delete("from-env"), 204);
    let cookie = first_visit_cookie(demo.addr);
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);

    // The same RUNG_SECRET after a restart: the session cookie still holds.
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &envs);
    let cookie_header = format!("Cookie: {cookie}\r\n");
    let (_, body) = send(demo.addr, "GET", "/", &cookie_header, "").unwrap();
    assert!(body.contains("<span id=\"visits\">2</span>"), "{body}");
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);
    // Another secret: the cookie is ignored, a fresh session.
    let mut demo = start(&["--data-dir", &data_dir(&dir), "--secret", "other"], &[]);
    let (status, body) = send(demo.addr, "GET", "/", &cookie_header, "").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("<span id=\"visits\">1</span>"), "{body}");
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);

    // --admin-token on the command line; none at all: 403.
    let mut demo = start(
        &["--data-dir", &data_dir(&dir), "--admin-token", "cli"],
        &[],
    );
    assert_eq!(post_message(demo.addr, "y").unwrap().0, 201);
    let header = "Authorization: Bearer cli\r\n";
    let (status, _) = send(demo.addr, "DELETE", "/api/messages/2", header, "").unwrap();
    assert_eq!(status, 204);
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &[]);
    let (status, _) = send(demo.addr, "DELETE", "/api/messages/2", header, "").unwrap();
    assert_eq!(status, 403);
    signal(&demo.child, "TERM");
    wait_exit(&mut demo.child);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `GET /` with the session cookie `cookie` (`name=value`): the visit
/// count the page shows and the `name=value` of the cookie it sets.
fn visit_with(addr: SocketAddr, cookie: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let request =
        format!("GET / HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let visits = raw
        .split_once("<span id=\"visits\">")
        .and_then(|(_, rest)| rest.split_once('<'))
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| panic!("no visit count in {raw}"));
    let new_cookie = raw
        .lines()
        .find_map(|l| l.strip_prefix("Set-Cookie: "))
        .and_then(|l| l.split(';').next())
        .expect("a session cookie")
        .to_string();
    (visits, new_cookie)
}

#[test]
fn secrets_rotate_with_repeated_options_or_a_comma_separated_environment() {
    let dir = temp_dir("rotate");
    let (old, new) = ("old-secret", "new-secret");
    let stop = |mut demo: Running| {
        signal(&demo.child, "TERM");
        assert!(wait_exit(&mut demo.child).success());
    };
    let demo = start(&["--data-dir", &data_dir(&dir), "--secret", old], &[]);
    let by_old = first_visit_cookie(demo.addr);
    stop(demo);

    // New first, old after it: the old cookie is accepted, and the cookie
    // sent back is signed with the new secret.
    let both = [
        "--data-dir",
        &data_dir(&dir),
        "--secret",
        new,
        "--secret",
        old,
    ];
    let demo = start(&both, &[]);
    let (visits, by_new) = visit_with(demo.addr, &by_old);
    assert_eq!(visits, "2");
    stop(demo);
    let demo = start(
        &["--data-dir", &data_dir(&dir)],
        &[("RUNG_SECRET", "new-secret,old-secret")],
    );
    assert_eq!(visit_with(demo.addr, &by_old).0, "2");
    stop(demo);

    // The new secret alone: the re-signed cookie holds, the old one not.
    let demo = start(&["--data-dir", &data_dir(&dir), "--secret", new], &[]);
    assert_eq!(visit_with(demo.addr, &by_new).0, "3");
    assert_eq!(visit_with(demo.addr, &by_old).0, "1");
    stop(demo);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_options_are_refused() {
    for args in [
        &["--workers", "0"][..],
        &["--workers", "many"],
        &["--no-such-option"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_demo"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_demo"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for option in [
        "--addr",
        "--data-dir",
        "--workers",
        "--secret",
        "--admin-token",
        "--database-url",
        "--trace",
        "RUNG_SECRET",
        "DATABASE_URL",
        "RUNG_ADMIN_TOKEN",
    ] {
        assert!(help.contains(option), "{option} in\n{help}");
    }
}

/// Runs `demo` with `envs` and `args` until it exits (at most 20 s):
/// `(success, how long it took, stdout and stderr)`.
fn run_to_exit(args: &[&str], envs: &[(&str, &str)]) -> (bool, Duration, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_demo"));
    command
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let started = std::time::Instant::now();
    let mut child = command.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    (status.success(), took, text)
}

/// With a database that cannot be reached, the demo does not start: it
/// exits non-zero within 15 s, naming the host and port, never the
/// password, whether the URL came as an option or from the environment.
#[test]
fn an_unreachable_database_stops_the_start_without_showing_the_password() {
    // Nothing listens on this port: connections are refused at once.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused_port = refused.local_addr().unwrap().port();
    drop(refused);
    // This one accepts connections (the kernel does, into the backlog) and
    // never says a word: only a deadline ends the wait.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();

    let password = "hunter2-Very-Secret";
    for (port, how) in [
        (refused_port, "option"),
        (silent_port, "env"),
        (refused_port, "env"),
    ] {
        let url = format!("postgres://rung:{password}@127.0.0.1:{port}/site");
        let (ok, took, text) = match how {
            "option" => run_to_exit(&["--database-url", &url], &[]),
            _ => run_to_exit(&[], &[("DATABASE_URL", &url)]),
        };
        assert!(!ok, "started without its database:\n{text}");
        assert!(took < Duration::from_secs(15), "took {took:?}:\n{text}");
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        assert!(!text.contains(password), "the password is shown:\n{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
    drop(silent);
}

/// Messages that got their `201` are never lost, even when the process is
/// killed with SIGKILL in the middle of many concurrent posts.
#[test]
fn acknowledged_messages_survive_kill_9() {
    let dir = temp_dir("kill9");
    let mut demo = start(&["--data-dir", &data_dir(&dir)], &[]);
    let addr = demo.addr;
    let stop = AtomicBool::new(false);
    let acknowledged: Vec<u64> = std::thread::scope(|s| {
        let posters: Vec<_> = (0..6)
            .map(|t| {
                let stop = &stop;
                s.spawn(move || {
                    let mut ids = Vec::new();
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        match post_message(addr, &format!("{t}-{i}")) {
                            Some((201, body)) => {
                                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                                ids.push(v["id"].as_u64().unwrap());
                            }
                            // Killed mid-request: not acknowledged.
                            _ => break,
                        }
                    }
                    ids
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(700));
        demo.child.kill().unwrap(); // SIGKILL
        stop.store(true, Ordering::Relaxed);
        posters
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect()
    });
    demo.child.wait().unwrap();
    assert!(!acknowledged.is_empty());

    let mut demo = start(&["--data-dir", &data_dir(&dir)], &[]);
    // Every stored id, a page of 1000 at a time.
    let mut stored: Vec<u64> = Vec::new();
    loop {
        let target = format!("/api/messages?limit=1000&offset={}", stored.len());
        let (status, body) = send(demo.addr, "GET", &target, "", "").unwrap();
        assert_eq!(status, 200);
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        let page = page.as_array().unwrap();
        if page.is_empty() {
            break;
        }
        stored.extend(page.iter().map(|m| m["id"].as_u64().unwrap()));
    }
    assert!(stored.windows(2).all(|w| w[0] < w[1]), "ids ascending");
    for id in &acknowledged {
        assert!(
            stored.contains(id),
            "message {id} was acknowledged, then lost"
        );
    }
    // Ids go on increasing after the crash.
    let (status, body) = post_message(demo.addr, "after").unwrap();
    assert_eq!(status, 201);
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_u64()
        .unwrap();
    assert!(stored.iter().all(|&s| s < id));
    signal(&demo.child, "TERM");
    assert_eq!(wait_exit(&mut demo.child).code(), Some(0));
    std::fs::remove_dir_all(dir).unwrap();
}
