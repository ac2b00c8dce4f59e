//! More than one instance, for real: PostgreSQL 15, two `demo` processes
//! and nginx in front of them, each started by the test in a temporary
//! directory on free loopback ports, and stopped by `Drop` whatever
//! happens.
//!
//! PostgreSQL and nginx are Debian packages (`postgresql`, `nginx`) that
//! `.ci/run` installs. When they are missing these tests fail, saying
//! what to install: they never skip.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root its
//! commands run as the `postgres` user (`runuser -u postgres --`), in a
//! directory given to that user.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{empty_dir, page_ids, send, Reply};

/// Where Debian's `postgresql-15` puts its programs.
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// Debian's `nginx`.
const NGINX: &str = "/usr/sbin/nginx";
/// The session key both instances share.
const SECRET: &str = "one secret for every instance";
/// The admin token both instances share.
const ADMIN_TOKEN: &str = "one token for every instance";

// ---------------------------------------------------------------------------
// The services

/// A loopback port that nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run `id -u`");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Waits until something accepts connections on `addr`.
fn wait_for_port(addr: SocketAddr, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < deadline, "{what} never listened on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A PostgreSQL 15 server of our own: `initdb` in a temp dir, listening on
/// 127.0.0.1 only, with its unix socket in that dir too.
struct Postgres {
    dir: PathBuf,
    port: u16,
    as_root: bool,
}

impl Postgres {
    fn start() -> Postgres {
        let initdb = Path::new(PG_BIN).join("initdb");
        assert!(
            initdb.exists(),
            "{} is missing: install PostgreSQL 15 (`apt-get install postgresql`, as .ci/run does)",
            initdb.display()
        );
        let dir = empty_dir("pg");
        let as_root = is_root();
        if as_root {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(status.success(), "chown the PostgreSQL dir to postgres");
        }
        let pg = Postgres {
            port: free_port(),
            dir,
            as_root,
        };
        // Trust on loopback: the URL's password is not checked. Each test
        // has its own server, reachable only from this machine.
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data().display().to_string(),
                "-U",
                "rung",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        pg.ctl_start();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `postgres://...` with a password, as a user would write it.
    fn url(&self) -> String {
        format!(
            "postgres://rung:pw-not-checked@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// A command for a PostgreSQL program, run as the `postgres` user when
    /// we are root.
    fn command(&self, program: &str) -> Command {
        let program = Path::new(PG_BIN).join(program);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command.current_dir(&self.dir).stdin(Stdio::null());
        command
    }

    /// Runs a PostgreSQL program; panics with its output if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `pg_ctl start`, waiting until the server accepts connections.
    fn ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let data = self.data().display().to_string();
        let log = self.dir.join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "30", "start",
            ],
        );
    }

    /// `pg_ctl stop -m fast`: clients are disconnected, the server exits.
    fn ctl_stop(&self) {
        let data = self.data().display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    /// A connection of the test's own, to look inside.
    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect to PostgreSQL")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        if data.join("postmaster.pid").exists() {
            let data = data.display().to_string();
            let _ = self
                .command("pg_ctl")
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `demo` process, killed when dropped.
struct Instance {
    child: Child,
    addr: SocketAddr,
    /// Reads stdout and stderr all along (a full pipe would block the
    /// server), keeping the text for failure messages.
    output: Arc<Mutex<String>>,
}

impl Instance {
    /// Starts `demo` with the shared secret and database URL; does not
    /// wait for it (see [`Instance::ready`]), so that several start at the
    /// same moment.
    fn spawn(database_url: &str, data_dir: &Path) -> (Child, Arc<Mutex<String>>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_demo"))
            .args([
                "--addr",
                "127.0.0.1:0",
                "--workers",
                "8",
                "--secret",
                SECRET,
                "--admin-token",
                ADMIN_TOKEN,
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", database_url])
            .env_remove("RUNG_SECRET")
            .env_remove("RUNG_ADMIN_TOKEN")
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start demo");
        let output = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let copy = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                copy.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let stdout = child.stdout.take().unwrap();
        let copy = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                copy.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        (child, output)
    }

    /// Waits for the banner of a spawned instance: its address.
    fn ready((mut child, output): (Child, Arc<Mutex<String>>)) -> Instance {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = output.lock().unwrap().clone();
            let addr = text
                .lines()
                .find_map(|l| l.strip_prefix("rung demo site: http://"))
                .map(|a| a.trim_end_matches('/').parse().unwrap());
            if let (Some(addr), true) = (addr, text.contains("messages in PostgreSQL")) {
                return Instance {
                    child,
                    addr,
                    output,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("demo exited ({status}) before serving:\n{text}");
            }
            assert!(Instant::now() < deadline, "demo never started:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx in front of the instances: round robin (nginx's default), its
/// own config, pid file, logs and temp files in a temp dir.
struct Nginx {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Nginx {
    fn start(upstreams: &[SocketAddr]) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: install nginx (`apt-get install nginx`, as .ci/run does)"
        );
        let dir = empty_dir("nginx");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let servers: String = upstreams
            .iter()
            .map(|a| format!("        server {a};\n"))
            .collect();
        // As root, nginx would run its workers as `nobody`, who may not
        // read the temp dir.
        let user = if is_root() { "user root;\n" } else { "" };
        let d = dir.display();
        let config = format!(
            "{user}daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream demo {{
{servers}        keepalive 16;
    }}
    server {{
        listen {addr};
        location / {{
            proxy_pass http://demo;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx { child, dir, addr };
        wait_for_port(addr, "nginx");
        nginx
    }
}

/// `SIGTERM` to nginx's master, which stops its worker and then exits. A
/// `SIGKILL` would leave the worker running.
impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Ok(None) = self.child.try_wait() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL, two instances started at the same moment, nginx in front.
struct Cluster {
    // Dropped in this order: the proxy, the instances, the database.
    nginx: Nginx,
    a: Instance,
    b: Instance,
    pg: Postgres,
    dir: PathBuf,
}

impl Cluster {
    fn start() -> Cluster {
        let pg = Postgres::start();
        let dir = empty_dir("data");
        let url = pg.url();
        // Both on the empty database at once: the schema must be created
        // exactly once, without an error in either.
        let a = Instance::spawn(&url, &dir.join("a"));
        let b = Instance::spawn(&url, &dir.join("b"));
        let (a, b) = (Instance::ready(a), Instance::ready(b));
        let nginx = Nginx::start(&[a.addr, b.addr]);
        Cluster {
            nginx,
            a,
            b,
            pg,
            dir,
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// A small HTTP client

fn get(addr: SocketAddr, target: &str) -> Reply {
    send(addr, "GET", target, "", "").unwrap_or_else(|| panic!("GET {target} from {addr}"))
}

fn post_message(addr: SocketAddr, text: &str) -> Option<Reply> {
    let body = json!({ "name": "burst", "message": text }).to_string();
    send(
        addr,
        "POST",
        "/api/messages",
        "Content-Type: application/json\r\n",
        &body,
    )
}

/// Every message `addr` lists, a thousand at a time.
fn all_messages(addr: SocketAddr) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let reply = get(
            addr,
            &format!("/api/messages?limit=1000&offset={}", all.len()),
        );
        assert_eq!(reply.status, 200, "{reply:?}");
        let page = reply.json().as_array().unwrap().clone();
        let done = page.len() < 1000;
        all.extend(page);
        if done {
            return all;
        }
    }
}

// ---------------------------------------------------------------------------
// The tests

#[test]
fn two_instances_behind_nginx_share_messages_and_sessions() {
    let cluster = Cluster::start();
    let proxy = cluster.nginx.addr;

    // Started together on an empty database: one schema, made once.
    let mut db = cluster.pg.client();
    let versions: Vec<i32> = db
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let latest = demo::store::MIGRATIONS.last().unwrap().version;
    assert_eq!(versions, (1..=latest).collect::<Vec<_>>());
    // A third instance, started on a database that has its schema, finds
    // nothing to do.
    let third = Instance::ready(Instance::spawn(&cluster.pg.url(), &cluster.dir.join("c")));
    let count: i64 = db
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, i64::from(latest));

    // The banner says where the messages are, without the password.
    let banner = cluster.a.output();
    assert!(
        banner.contains("messages in PostgreSQL at rung@127.0.0.1:"),
        "{banner}"
    );
    assert!(!banner.contains("pw-not-checked"), "{banner}");

    // Posted through the proxy, so round robin sends them to both.
    let mut posted = Vec::new();
    for i in 0..10 {
        let reply = post_message(proxy, &format!("through nginx {i}")).unwrap();
        assert_eq!(reply.status, 201, "{reply:?}");
        posted.push(reply.json());
    }
    let ids: Vec<u64> = posted.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Each instance lists every one of them, with the same ids.
    for instance in [&cluster.a, &cluster.b, &third] {
        assert_eq!(all_messages(instance.addr), posted, "{}", instance.output());
        let one = get(instance.addr, &format!("/api/messages/{}", ids[3]));
        assert_eq!(one.json(), posted[3]);
        let page = get(instance.addr, "/messages").body;
        for i in 0..10 {
            assert!(page.contains(&format!("through nginx {i}")), "{page}");
        }
    }
    // Round robin did spread them: both instances logged POSTs.
    let log = std::fs::read_to_string(cluster.nginx.dir.join("access.log")).unwrap();
    assert_eq!(log.matches("POST /api/messages").count(), 10, "{log}");

    // A session begun on one instance goes on on the other: the same
    // secret signs and checks the cookie.
    let first = get(cluster.a.addr, "/");
    assert!(first.body.contains("<span id=\"visits\">1</span>"));
    let cookie = first.cookie().expect("a session cookie");
    let form = "name=Ada&email=&message=Hello+from+instance+B";
    let thanks = send(
        cluster.b.addr,
        "POST",
        "/contact",
        &format!("Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
        form,
    )
    .unwrap();
    assert_eq!(thanks.status, 200, "{thanks:?}");
    assert!(thanks.body.contains("Thank you, Ada!"));
    let cookie = thanks.cookie().expect("the session, now with the name");
    let home = send(
        cluster.a.addr,
        "GET",
        "/",
        &format!("Cookie: {cookie}\r\n"),
        "",
    )
    .unwrap();
    assert!(home.body.contains("Welcome back, Ada"), "{}", home.body);
    assert!(home.body.contains("<span id=\"visits\">2</span>"));
    // And through the proxy, whichever instance answers.
    for _ in 0..4 {
        let home = send(proxy, "GET", "/", &format!("Cookie: {cookie}\r\n"), "").unwrap();
        assert!(home.body.contains("Welcome back, Ada"), "{}", home.body);
    }
}

/// The API and the pages answer on PostgreSQL as on the file store
/// (`demo/tests/site.rs`): same statuses, JSON, validation and pages.
#[test]
fn the_api_and_pages_behave_the_same_on_postgresql() {
    let cluster = Cluster::start();
    let (a, b) = (cluster.a.addr, cluster.b.addr);

    let body = r#"{"name":"  ","email":"ada@example.org","message":"  Hello  "}"#;
    let json = "Content-Type: application/json\r\n";
    let created = send(a, "POST", "/api/messages", json, body).unwrap();
    assert_eq!(created.status, 201, "{created:?}");
    let message = created.json();
    let id = message["id"].as_u64().unwrap();
    assert_eq!(
        created.header("location"),
        Some(&*format!("/api/messages/{id}"))
    );
    assert_eq!(message["name"], "anonymous");
    assert_eq!(message["email"], "ada@example.org");
    assert_eq!(message["message"], "Hello");
    let mut fields: Vec<&String> = message.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["created_at", "email", "id", "message", "name"]);
    // RFC 3339, UTC, whole seconds: 2024-05-01T10:00:00Z
    let time = message["created_at"].as_str().unwrap();
    assert!(time.len() == 20 && time.ends_with('Z'), "{time}");
    assert_eq!(get(b, &format!("/api/messages/{id}")).json(), message);

    for _ in 0..4 {
        assert_eq!(post_message(b, "more").unwrap().status, 201);
    }
    let ids = |target: &str| -> Vec<u64> {
        let list = get(a, target).json();
        list.as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_u64().unwrap())
            .collect()
    };
    let all = ids("/api/messages");
    assert_eq!(all.len(), 5);
    assert_eq!(ids("/api/messages?limit=2&offset=1"), all[1..3]);
    assert_eq!(ids("/api/messages?offset=99"), [0u64; 0]);
    for bad in ["/api/messages?limit=1001", "/api/messages?offset=-1"] {
        assert_eq!(get(a, bad).status, 400, "{bad}");
    }

    let invalid = send(a, "POST", "/api/messages", json, r#"{"email":"nope"}"#).unwrap();
    assert_eq!(invalid.status, 422);
    let errors = invalid.json();
    assert!(errors["fields"]["email"].is_string() && errors["fields"]["message"].is_string());
    for unknown in ["/api/messages/999999", "/api/messages/99999999999999999999"] {
        let reply = get(a, unknown);
        assert_eq!(reply.status, 404, "{unknown}");
        assert!(reply.json()["error"].is_string());
    }

    // Deleted on one instance, gone on the other; ids are never reused.
    let auth = format!("Authorization: Bearer {ADMIN_TOKEN}\r\n");
    let path = format!("/api/messages/{}", all[4]);
    assert_eq!(send(a, "DELETE", &path, "", "").unwrap().status, 401);
    assert_eq!(send(a, "DELETE", &path, &auth, "").unwrap().status, 204);
    assert_eq!(get(b, &path).status, 404);
    assert_eq!(send(b, "DELETE", &path, &auth, "").unwrap().status, 404);
    let next = post_message(b, "after the delete").unwrap().json();
    assert!(next["id"].as_u64().unwrap() > all[4]);

    // `/messages`: newest first, 50 a page, `?before=ID` for older ones.
    for i in 0..55 {
        assert_eq!(post_message(a, &format!("page {i}")).unwrap().status, 201);
    }
    let first = get(b, "/messages").body;
    let shown = page_ids(&first);
    assert_eq!(shown.len(), 50);
    assert!(shown.windows(2).all(|w| w[0] > w[1]), "{shown:?}");
    let oldest = shown[49];
    assert!(first.contains(&format!("href=\"/messages?before={oldest}\"")));
    let second = get(a, &format!("/messages?before={oldest}")).body;
    let rest = page_ids(&second);
    // 5 + 1 - 1 + 55 messages in all.
    assert_eq!(rest.len(), 10, "{rest:?}");
    assert!(rest.windows(2).all(|w| w[0] > w[1]) && rest[0] < oldest);
    assert!(!second.contains("Older messages"));
}

#[test]
fn kill_9_of_one_instance_loses_no_acknowledged_message() {
    let cluster = Cluster::start();
    let proxy = cluster.nginx.addr;
    let mut cluster = cluster;

    // Eight clients post through the proxy as fast as they can; each keeps
    // what was acknowledged (201) with its id.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                let mut failed = 0;
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let text = format!("client {client} message {i}");
                    i += 1;
                    match post_message(proxy, &text) {
                        Some(reply) if reply.status == 201 => {
                            let id = reply.json()["id"].as_u64().unwrap();
                            acknowledged.push((id, text));
                        }
                        _ => failed += 1,
                    }
                }
                (acknowledged, failed)
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(700));
    cluster.a.child.kill().unwrap(); // SIGKILL: no goodbye
    cluster.a.child.wait().unwrap();
    let killed_at = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::SeqCst);

    let mut acknowledged = Vec::new();
    let mut failed = 0;
    for client in clients {
        let (acks, fails) = client.join().unwrap();
        acknowledged.extend(acks);
        failed += fails;
    }
    eprintln!(
        "{} posts acknowledged, {failed} failed around the kill",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() > 50,
        "only {} posts acknowledged",
        acknowledged.len()
    );
    // At most the few posts in flight on the killed instance failed.
    assert!(failed <= 16, "{failed} posts failed");

    // The survivor has every acknowledged message, with its id and text.
    let stored = all_messages(cluster.b.addr);
    let by_id: std::collections::HashMap<u64, &str> = stored
        .iter()
        .map(|m| (m["id"].as_u64().unwrap(), m["message"].as_str().unwrap()))
        .collect();
    for (id, text) in &acknowledged {
        assert_eq!(
            by_id.get(id),
            Some(&text.as_str()),
            "acknowledged message {id} lost"
        );
    }

    // The proxy keeps serving, through the other instance.
    assert!(killed_at.elapsed() < Duration::from_secs(10));
    for i in 0..6 {
        assert_eq!(get(proxy, "/").status, 200);
        let reply = post_message(proxy, &format!("after the kill {i}")).unwrap();
        assert_eq!(reply.status, 201, "{reply:?}");
    }
}

#[test]
fn database_down_is_503_and_back_is_200() {
    let cluster = Cluster::start();
    let b = cluster.b.addr;
    assert_eq!(post_message(b, "before the outage").unwrap().status, 201);

    cluster.pg.ctl_stop();
    let started = Instant::now();
    let api = get(b, "/api/messages");
    assert_eq!(api.status, 503, "{api:?}");
    assert!(api.json()["error"].is_string());
    // No worker hangs: the answer comes within the pool's wait and the
    // connect timeout.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // The next ones do not even wait: the store knows it is down.
    let started = Instant::now();
    let post = post_message(b, "during the outage").unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(post.status, 503, "{post:?}");
    let page = get(b, "/messages");
    assert_eq!(page.status, 503);
    assert!(
        page.body.contains("<h1>503 Service Unavailable</h1>"),
        "{}",
        page.body
    );
    let form = send(
        b,
        "POST",
        "/contact",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "name=Ada&message=lost",
    )
    .unwrap();
    assert_eq!(form.status, 503);
    assert!(!form.body.contains("Thank you"));
    // Everything that does not need the database still works.
    for path in ["/", "/about", "/contact", "/static/style.css"] {
        assert_eq!(get(b, path).status, 200, "{path}");
    }
    // Also through the proxy.
    assert_eq!(get(cluster.nginx.addr, "/api/messages").status, 503);
    assert_eq!(get(cluster.nginx.addr, "/about").status, 200);

    cluster.pg.ctl_start();
    let back = Instant::now();
    for instance in [b, cluster.a.addr] {
        loop {
            let reply = get(instance, "/api/messages");
            if reply.status == 200 {
                let list = reply.json();
                assert_eq!(list[0]["message"], "before the outage");
                break;
            }
            assert_eq!(reply.status, 503, "{reply:?}");
            assert!(
                back.elapsed() < Duration::from_secs(15),
                "no recovery after 15 s: {reply:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    eprintln!(
        "both instances answer 200 again {:?} after the restart",
        back.elapsed()
    );
    assert_eq!(post_message(b, "after the outage").unwrap().status, 201);
}
