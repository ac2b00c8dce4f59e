//! The server: a listening socket, a pool of worker threads, and the
//! connections between them.
//!
//! # The connection model
//!
//! Every worker thread runs the same loop: take the next report — from the
//! shared queue, or else a batch straight from the kernel (`reports`) —
//! and handle it completely: accept new connections, or read a request,
//! run its handler and write the response. A connection is held by one
//! worker at a time (`table`), and no thread hands a request to another:
//! no channel, no wake-up per request. A slow handler blocks only its own
//! worker — reports queued behind it are taken by the others. A connection
//! idling between requests holds no thread and no buffer.
//!
//! The thread that calls [`Server::run`] becomes the supervisor: every
//! [`TICK`] it closes connections that outstayed a timeout, and it carries
//! out a graceful shutdown on SIGINT/SIGTERM or [`ShutdownHandle::shutdown`].
//!
//! | file | holds |
//! | --- | --- |
//! | `mod.rs` | the server, the worker loop, accepting, the supervisor |
//! | `poller.rs` | epoll, through rustix |
//! | `reports.rs` | the kernel's reports shared out among the workers |
//! | `table.rs` | the open connections, each held by one worker at a time |
//! | `dispatcher.rs` | calls the service, catches panics, the access log |
//!
//! The connection itself — the HTTP/1.1 state machine — is `http/conn.rs`.

mod dispatcher;
mod poller;
mod reports;
pub(crate) mod request_id;
mod table;

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::http::conn::{Dispatch, Next, Settings};
use crate::http::io::Scratch;
use crate::http::{HttpError, Request, Response};
pub(crate) use dispatcher::Dispatcher;
use poller::{Poller, Report};
use reports::{Reports, Watchdog, WAKER};
use table::{Connection, Table, LISTENER};

pub(crate) use dispatcher::panic_message;
pub use request_id::RequestId;

/// How often the supervisor checks timeouts and the shutdown flag, and the
/// longest a worker sleeps before it notices a shutdown.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// Most connections one worker accepts before re-arming the listener, so
/// that a burst of clients is spread over the workers.
const ACCEPT_BATCH: usize = 64;

/// What the server runs for each request: usually a [`crate::App`].
pub trait Service: Send + Sync + 'static {
    /// Answers a request. A panic here becomes a `500` response.
    fn call(&self, request: &mut Request) -> Response;

    /// Answers a request that could not even be read (bad framing, limits):
    /// the connection closes after this response.
    fn error(&self, error: &HttpError) -> Response {
        Response::text(format!("{}\n", error.message)).with_status(error.status)
    }
}

impl<F> Service for F
where
    F: Fn(&Request) -> Response + Send + Sync + 'static,
{
    fn call(&self, request: &mut Request) -> Response {
        self(request)
    }
}

/// What every worker shares.
pub(crate) struct Shared {
    config: Config,
    dispatcher: Dispatcher,
    poller: Poller,
    reports: Reports,
    table: Table,
    listener: Mutex<Option<TcpListener>>,
    shutting_down: Arc<AtomicBool>,
    stopped: AtomicBool,
    workers_alive: AtomicUsize,
}

impl Shared {
    fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

/// Asks a running server to shut down gracefully (cloneable, thread-safe).
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    flag: Arc<AtomicBool>,
}

impl ShutdownHandle {
    /// Starts a graceful shutdown: stop accepting, close idle connections,
    /// let requests in flight finish; [`Server::run`] then returns.
    pub fn shutdown(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

impl Server {
    /// Binds `addr` (port 0 picks a free port) for `service` with `config`.
    pub fn bind(
        addr: impl ToSocketAddrs,
        service: impl Service,
        config: Config,
    ) -> io::Result<Server> {
        Server::bind_arc(addr, Arc::new(service), config)
    }

    pub(crate) fn bind_arc(
        addr: impl ToSocketAddrs,
        service: Arc<dyn Service>,
        config: Config,
    ) -> io::Result<Server> {
        raise_open_file_limit();
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let poller = Poller::new()?;
        poller.add_listener(&listener, LISTENER)?;
        let reports = Reports::new(config.workers.max(1), watchers(), &poller)?;
        let shutting_down = Arc::new(AtomicBool::new(false));
        let settings = Settings {
            limits: config.limits.clone(),
            timeouts: config.timeouts.clone(),
            trace: config.trace,
        };
        let dispatcher = Dispatcher::new(service, settings, shutting_down.clone());
        let shared = Arc::new(Shared {
            config,
            dispatcher,
            poller,
            reports,
            table: Table::default(),
            listener: Mutex::new(Some(listener)),
            shutting_down,
            stopped: AtomicBool::new(false),
            workers_alive: AtomicUsize::new(0),
        });
        Ok(Server { shared, addr })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL the server answers at, for printing: `http://127.0.0.1:9000/`
    /// (`http://[::1]:9000/` for an IPv6 address).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A handle that shuts the server down gracefully.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            flag: self.shared.shutting_down.clone(),
        }
    }

    /// Also shut down gracefully on SIGINT (Ctrl-C) and SIGTERM.
    pub fn handle_signals(&self) -> io::Result<()> {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, self.shared.shutting_down.clone())?;
        }
        Ok(())
    }

    /// Runs until shut down: starts the workers, then supervises them.
    pub fn run(self) -> io::Result<()> {
        let workers = self.shared.config.workers.max(1);
        for i in 0..workers {
            let shared = self.shared.clone();
            shared.workers_alive.fetch_add(1, Ordering::SeqCst);
            thread::Builder::new()
                .name(format!("rung-worker-{i}"))
                .spawn(move || worker(&shared, i))?;
        }
        let shared = self.shared.clone();
        thread::Builder::new()
            .name("rung-watchdog".into())
            .spawn(move || Watchdog::new(&shared.reports).run(&shared.stopped))?;
        supervise(&self.shared);
        Ok(())
    }

    /// Runs on a background thread; returns the handle to stop it and the
    /// thread to join. Convenient for tests.
    pub fn spawn(self) -> (ShutdownHandle, thread::JoinHandle<io::Result<()>>) {
        let handle = self.shutdown_handle();
        let thread = thread::spawn(move || self.run());
        (handle, thread)
    }
}

/// Raises this process's limit on open files from its soft value (often
/// 1,024) to the hard one the system allows: each connection is a file
/// descriptor, and thousands of idle keep-alive clients are ordinary.
/// (Go's runtime does the same at start-up.)
fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            log::warn!(
                "cannot raise the open-file limit from {:?}: {e}",
                limit.current
            );
        }
    }
}

/// How many workers wait for the kernel's reports at once: one per CPU this
/// process may run on (`taskset` and cgroup limits count), so that with
/// quick handlers each CPU has one thread and no request wakes another.
/// The other workers are spares for handlers that block (`reports.rs`).
fn watchers() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// The loop of one worker thread.
fn worker(shared: &Shared, index: usize) {
    let mut scratch = Scratch::default();
    let mut batch = Vec::with_capacity(reports::BATCH);
    shared.reports.register(index);
    while !shared.stopped.load(Ordering::Relaxed) {
        match shared.reports.next(&shared.poller, &mut batch, TICK) {
            // Woken for queued reports: the next turn takes them.
            Ok(Some(report)) if report.token == WAKER => {}
            Ok(Some(report)) => {
                shared.reports.start_work(index);
                if report.token == LISTENER {
                    accept(shared);
                } else {
                    handle(shared, report, &mut scratch);
                }
                shared.reports.end_work(index);
            }
            Ok(None) => {}
            Err(e) => {
                log::error!("waiting for events failed: {e}");
                thread::sleep(TICK);
            }
        }
    }
    shared.workers_alive.fetch_sub(1, Ordering::SeqCst);
}

/// Handles one ready connection.
fn handle(shared: &Shared, report: Report, scratch: &mut Scratch) {
    let token = report.token;
    // A short read means the socket had nothing more *unless* the report
    // also said the peer closed: then the end of stream is still to read.
    let mut trust_short_reads = !report.hangup;
    let Some(mut conn) = shared.table.check_out(token) else {
        return; // stale, or another worker holds it and will run it again
    };
    loop {
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.on_ready(&shared.dispatcher, scratch, trust_short_reads)
        }));
        match next {
            Ok(Next::Wait) => match shared.table.park(token, conn) {
                Some(reported_meanwhile) => {
                    // We do not know what that report said: read to the end.
                    trust_short_reads = false;
                    conn = reported_meanwhile;
                }
                None => return,
            },
            Ok(Next::Close) => {
                drop(conn);
                shared.table.remove(token);
                return;
            }
            Err(panic) => {
                // A bug in rung itself, not in a handler (those are caught
                // closer to the handler). Drop the connection, keep the worker.
                log::error!("connection handling panicked: {}", panic_message(&*panic));
                *scratch = Scratch::default();
                shared.table.remove(token);
                return;
            }
        }
    }
}

/// Accepts waiting clients, then re-arms the listener.
fn accept(shared: &Shared) {
    let guard = shared.listener.lock().unwrap_or_else(|p| p.into_inner());
    let Some(listener) = guard.as_ref() else {
        return;
    };
    for _ in 0..ACCEPT_BATCH {
        match listener.accept() {
            Ok((socket, peer)) => {
                if let Err(e) = socket.set_nonblocking(true) {
                    log::warn!("cannot use connection from {peer}: {e}");
                    continue;
                }
                let _ = socket.set_nodelay(true);
                if let Err(e) = shared.table.insert(
                    Connection::new(socket, peer, shared.dispatcher.now()),
                    &shared.poller,
                ) {
                    log::warn!("cannot watch connection from {peer}: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to free
                // up instead of spinning on a listener that stays ready.
                log::error!("accept failed: {e}");
                thread::sleep(TICK);
                break;
            }
        }
    }
    if let Err(e) = shared.poller.rearm_listener(listener, LISTENER) {
        log::error!("cannot re-arm the listener: {e}");
    }
}

/// The supervisor: timeouts every tick, and the shutdown sequence.
fn supervise(shared: &Shared) {
    while !shared.is_shutting_down() {
        thread::sleep(TICK);
        close_expired(shared);
    }
    log::info!("shutting down: no new connections; waiting for requests in flight");
    if let Some(listener) = shared
        .listener
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        let _ = shared.poller.delete(&listener);
    }
    let deadline = Instant::now() + shared.config.timeouts.grace;
    loop {
        close_expired(shared); // idle connections expire at once now
        let open = shared.table.open();
        if open == 0 {
            break;
        }
        if Instant::now() >= deadline {
            log::warn!("grace period over with {open} connection(s) still open");
            break;
        }
        thread::sleep(TICK / 2);
    }
    shared.stopped.store(true, Ordering::Relaxed);
    shared.reports.wake_spares();
    // Workers notice within a tick; one stuck in a slow handler is left
    // behind rather than holding up the exit.
    let wait_until = Instant::now() + 2 * TICK + Duration::from_secs(1);
    while shared.workers_alive.load(Ordering::SeqCst) > 0 && Instant::now() < wait_until {
        thread::sleep(TICK / 4);
    }
    log::info!("server stopped");
}

fn close_expired(shared: &Shared) {
    let now = shared.dispatcher.now();
    let mut reasons = Vec::new();
    let expired = shared
        .table
        .take_parked_if(|conn| match conn.expired(now, &shared.dispatcher) {
            Some(reason) => {
                reasons.push(reason);
                true
            }
            None => false,
        });
    for (conn, reason) in expired.into_iter().zip(reasons) {
        if let Some(draining) = conn.close_expired(reason, &shared.dispatcher) {
            // Sent a 408 and draining: back in the table under a new token,
            // so that a worker discards what the client still sends. The
            // old registration goes first (epoll refuses a socket twice);
            // an event already taken for the old token is stale and ignored.
            let _ = shared.poller.delete(draining.io());
            if let Err(e) = shared.table.insert(draining, &shared.poller) {
                log::warn!("cannot drain a timed-out connection: {e}");
            }
        }
    }
}
