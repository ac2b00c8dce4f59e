//! Sharing out the kernel's reports among the workers.
//!
//! Asking the kernel for reports is a system call, so a worker takes all
//! that are ready at once (up to [`BATCH`]), keeps the first and puts the
//! rest in a shared queue; every worker takes from that queue before it
//! asks the kernel again. One `epoll_wait` then serves many requests.
//!
//! A queued report must not wait behind a slow handler. So whenever a
//! worker starts working on something while reports are queued and no
//! other worker is free to take them, it wakes a sleeping worker: it
//! writes to an eventfd that sits in the same epoll instance, and the
//! kernel wakes exactly one waiting worker for it.
//!
//! # Watchers and spares
//!
//! Only as many worker threads as there are CPUs are active — waiting for
//! reports, or working — (the *watchers*); the others are *spares*,
//! parked on a condition variable.
//! With quick handlers the watchers do all the work, each on its own CPU,
//! and no request wakes another thread: the tail stays short, the cache
//! warm. (With 16 threads all in `epoll_wait`, the kernel hands each
//! report to the next thread in line, so every request woke a cold thread,
//! and with more threads runnable than CPUs the tail was the scheduler's.)
//!
//! A handler that blocks (a slow query, the `/sleep` lesson) must not hold
//! up the others. The [`Watchdog`] looks every millisecond while workers
//! are busy: a worker still on the same piece of work as at its last look,
//! and blocked (the kernel says it sleeps, rather than runs or waits for
//! the CPU), is *stuck*, and each stuck worker lets one more thread be
//! active. A worker that runs (or waits for the CPU) counts as stuck only
//! after 50 ms in one piece of work (a handler computing for long): one
//! that was merely preempted is not stuck. Counting it woke a spare that
//! then took turns with it on the same CPU, and the two kept each other
//! "stuck" (thousands of context switches a second, seen on a loaded
//! one-CPU run). When no one is waiting for reports, the watchdog wakes a
//! spare, which takes over watching. When the stuck worker is done, there
//! is a thread too many, and the next one to look for work parks as a
//! spare.

use std::collections::VecDeque;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rustix::event::{eventfd, EventfdFlags};

use super::poller::{Poller, Report, Token};

/// Most reports taken from the kernel at once.
pub const BATCH: usize = 32;

/// The token of the eventfd that wakes a sleeping worker.
pub const WAKER: Token = Token(u64::MAX);

/// How often the watchdog looks while workers are busy: how long a
/// handler may block before a spare takes over watching for reports.
pub const WATCHDOG_TICK: Duration = Duration::from_millis(1);

/// How many looks (milliseconds) a worker that is running, not blocked,
/// may spend on one piece of work before it counts as stuck: far longer
/// than a preemption lasts, far shorter than a client's patience.
const RUNNING_LOOKS: u32 = 50;

/// How long a spare waits at most before it looks again (it is woken
/// sooner when needed, or when the server stops): a safety net only.
const SPARE_WAIT: Duration = Duration::from_secs(1);

/// How long the watchdog sleeps at most while no worker is busy (it looks
/// more often again as soon as one is).
const WATCHDOG_IDLE_TICK: Duration = Duration::from_millis(10);

/// The shared queue of reports, and who is free to take them.
pub struct Reports {
    queue: Mutex<VecDeque<Report>>,
    /// How many threads are active (not parked) when none is stuck: one
    /// per CPU.
    watchers: usize,
    /// Threads not parked: waiting for reports, working, or in between.
    active: AtomicUsize,
    /// Workers the watchdog found stuck in one piece of work at its last
    /// look: each lets one more thread be active.
    stuck: AtomicUsize,
    /// Workers blocked in `epoll_wait`.
    sleeping: AtomicUsize,
    /// Workers accepting or working on a connection.
    busy: AtomicUsize,
    /// For each worker, a count of its starts and ends of work: odd while
    /// it works. The watchdog compares it between two looks.
    progress: Vec<AtomicU64>,
    /// For each worker, its thread id (0 until it registers), for the
    /// watchdog to ask the kernel whether it is blocked.
    thread_ids: Vec<AtomicU32>,
    /// Spares parked, waiting to be woken.
    parked: Mutex<usize>,
    /// Wakes a parked spare.
    unpark: Condvar,
    /// Written to wake one sleeping worker. Its count is never read back:
    /// edge-triggered, each write is a new report, and the count would need
    /// 2^64 writes to fill up.
    waker: OwnedFd,
}

impl Reports {
    /// A queue for `workers` workers of which `watchers` may wait for the
    /// kernel at once, its waker registered in `poller`.
    pub fn new(workers: usize, watchers: usize, poller: &Poller) -> io::Result<Reports> {
        let waker = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        poller.add_waker(&waker, WAKER)?;
        Ok(Reports {
            queue: Mutex::new(VecDeque::with_capacity(BATCH)),
            watchers: watchers.clamp(1, workers.max(1)),
            active: AtomicUsize::new(workers),
            stuck: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            progress: (0..workers).map(|_| AtomicU64::new(0)).collect(),
            thread_ids: (0..workers).map(|_| AtomicU32::new(0)).collect(),
            parked: Mutex::new(0),
            unpark: Condvar::new(),
            waker,
        })
    }

    fn parked(&self) -> MutexGuard<'_, usize> {
        // A count, changed in one step: never half-done.
        self.parked.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queue(&self) -> MutexGuard<'_, VecDeque<Report>> {
        // Only push and pop happen under this lock: never half-done.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next report to handle: a queued one, or else the first of a new
    /// batch from the kernel (waiting up to `timeout`; `None` if nothing
    /// came). `batch` is scratch space.
    pub fn next(
        &self,
        poller: &Poller,
        batch: &mut Vec<Report>,
        timeout: Duration,
    ) -> io::Result<Option<Report>> {
        if let Some(report) = self.queue().pop_front() {
            return Ok(Some(report));
        }
        if self.leave_if_too_many() {
            // Enough active threads: wait as a spare until the watchdog
            // needs one, or the server stops (`wake_spares`). Not `timeout`:
            // spares waking every tick came back as active threads, and
            // the busy worker, finding a thread too many, parked instead:
            // the work moved from thread to thread ten times a second per
            // spare, each time to a cold cache.
            let parked = self.parked();
            let (mut parked, _) = self
                .unpark
                .wait_timeout(Self::count_in(parked), SPARE_WAIT)
                .unwrap_or_else(|p| p.into_inner());
            *parked -= 1;
            self.active.fetch_add(1, SeqCst);
            return Ok(None);
        }
        self.sleeping.fetch_add(1, SeqCst);
        // Look again now that we count as sleeping: reports queued just
        // before this were queued by a worker that saw us as free, and
        // would not have woken anyone for them.
        if let Some(report) = self.queue().pop_front() {
            self.sleeping.fetch_sub(1, SeqCst);
            return Ok(Some(report));
        }
        batch.clear();
        let waited = poller.wait(batch, BATCH, timeout);
        self.sleeping.fetch_sub(1, SeqCst);
        waited?;
        let mut reports = batch.drain(..);
        let first = reports.next();
        if reports.len() > 0 {
            self.queue().extend(reports);
        }
        Ok(first)
    }

    /// Whether this thread should park: more threads are active than one
    /// per CPU plus one per stuck worker. If so, it counts itself out of
    /// the active ones (never below the allowance, however many threads
    /// ask at once).
    fn leave_if_too_many(&self) -> bool {
        let allowed = self.watchers + self.stuck.load(SeqCst);
        let mut active = self.active.load(SeqCst);
        while active > allowed {
            match self
                .active
                .compare_exchange(active, active - 1, SeqCst, SeqCst)
            {
                Ok(_) => return true,
                Err(now) => active = now,
            }
        }
        false
    }

    /// Called by worker number `worker` on its own thread before it looks
    /// for work: tells the watchdog which thread to ask about.
    pub fn register(&self, worker: usize) {
        self.thread_ids[worker].store(current_thread_id(), SeqCst);
    }

    /// Called when worker number `worker` starts on a report. If reports
    /// are queued and every other active thread is busy or asleep, one
    /// sleeper is woken for them.
    pub fn start_work(&self, worker: usize) {
        self.progress[worker].fetch_add(1, SeqCst);
        let busy = self.busy.fetch_add(1, SeqCst) + 1;
        let sleeping = self.sleeping.load(SeqCst);
        let active = self.active.load(SeqCst);
        if sleeping > 0 && busy + sleeping >= active && !self.queue().is_empty() {
            let _ = rustix::io::write(&self.waker, &1u64.to_ne_bytes());
        }
    }

    /// Called when worker number `worker` is done with a report.
    pub fn end_work(&self, worker: usize) {
        self.busy.fetch_sub(1, SeqCst);
        self.progress[worker].fetch_add(1, SeqCst);
    }

    /// Wakes every parked spare: the server is stopping, and each worker
    /// must see it.
    pub fn wake_spares(&self) {
        let _parked = self.parked();
        self.unpark.notify_all();
    }

    /// Counts one more spare in `parked` (the guard the caller waits on).
    fn count_in(mut parked: MutexGuard<'_, usize>) -> MutexGuard<'_, usize> {
        *parked += 1;
        parked
    }
}

/// Watches the workers: wakes a spare when they are stuck (see the module
/// doc). Runs on a thread of its own until `stopped`.
pub struct Watchdog<'a> {
    reports: &'a Reports,
    /// Each worker's progress count at the last look.
    last: Vec<u64>,
    /// For each worker, how many looks in a row found it in the same
    /// piece of work.
    still: Vec<u32>,
}

impl<'a> Watchdog<'a> {
    /// A watchdog over `reports`.
    pub fn new(reports: &'a Reports) -> Watchdog<'a> {
        let last = reports.progress.iter().map(|p| p.load(SeqCst)).collect();
        let still = vec![0; reports.progress.len()];
        Watchdog {
            reports,
            last,
            still,
        }
    }

    /// Looks once: counts the workers stuck since the last look (working,
    /// their count unchanged), and wakes a spare if some are and no thread
    /// waits for the kernel. Returns how long to sleep before the next look.
    pub fn look(&mut self) -> Duration {
        let r = self.reports;
        let mut stuck = 0;
        let workers = r.progress.iter().zip(&r.thread_ids);
        for (((progress, id), last), still) in workers.zip(&mut self.last).zip(&mut self.still) {
            let now = progress.load(SeqCst);
            *still = if now == *last && now % 2 == 1 {
                *still + 1
            } else {
                0
            };
            *last = now;
            // In the same piece of work since the last look and blocked
            // (a sleep, a slow query): stuck. One that runs, or waits for
            // the CPU, was most likely just preempted, and a spare would
            // only take turns with it; it counts as stuck only when it has
            // run one piece of work for `RUNNING_LOOKS` looks (a handler
            // computing for a long time), so that the others get a turn.
            if *still >= RUNNING_LOOKS || (*still >= 1 && is_blocked(id.load(SeqCst))) {
                stuck += 1;
            }
        }
        r.stuck.store(stuck, SeqCst);
        if stuck > 0 && r.sleeping.load(SeqCst) == 0 && *r.parked() > 0 {
            r.unpark.notify_one();
        }
        if r.busy.load(SeqCst) > 0 {
            WATCHDOG_TICK
        } else {
            WATCHDOG_IDLE_TICK
        }
    }

    /// Looks until `stopped` is set.
    pub fn run(mut self, stopped: &AtomicBool) {
        while !stopped.load(SeqCst) {
            let pause = self.look();
            std::thread::sleep(pause);
        }
    }
}

/// The kernel's id of the calling thread (as in `/proc/self/task/ID`).
fn current_thread_id() -> u32 {
    rustix::thread::gettid()
        .as_raw_nonzero()
        .get()
        .unsigned_abs()
}

/// Whether the thread `id` of this process is blocked (sleeping, waiting
/// for I/O or a lock) rather than running or ready to run, as the kernel
/// tells in `/proc/self/task/ID/stat`. When it cannot tell (an unknown id,
/// no `/proc`), it says blocked: a spare too many costs a little CPU, a
/// spare too few can hold every connection up.
fn is_blocked(id: u32) -> bool {
    if id == 0 {
        return true;
    }
    let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{id}/stat")) else {
        return true;
    };
    // "ID (name) STATE ...": the name may hold spaces and parentheses, so
    // the state is the first field after the last `)`.
    let state = stat
        .rfind(')')
        .and_then(|end| stat[end + 1..].trim_start().chars().next());
    state != Some('R')
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;

    fn report(n: u64) -> Report {
        Report {
            token: Token(n),
            hangup: false,
        }
    }

    /// A thread that looks for work (up to 5 s) as a worker does; joined,
    /// it tells what it got and how long that took.
    fn look_for_work(
        poller: &Arc<Poller>,
        reports: &Arc<Reports>,
    ) -> std::thread::JoinHandle<(Option<Report>, Duration)> {
        let (poller, reports) = (poller.clone(), reports.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let got = reports
                .next(&poller, &mut Vec::new(), Duration::from_secs(5))
                .unwrap();
            (got, started.elapsed())
        })
    }

    /// Queued reports and every other worker asleep: starting work wakes one.
    #[test]
    fn starting_work_with_reports_queued_wakes_a_sleeper() {
        let poller = Arc::new(Poller::new().unwrap());
        let reports = Arc::new(Reports::new(2, 2, &poller).unwrap());
        let sleeper = look_for_work(&poller, &reports);
        while reports.sleeping.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        // Give the sleeper time to be inside epoll_wait, past its re-check.
        std::thread::sleep(Duration::from_millis(100));
        // This worker took a batch of three: it keeps one, queues two...
        reports.queue().extend([report(7), report(8)]);
        // ...and starts on its own; the sleeper must come for the others.
        reports.start_work(0);
        let (got, waited) = sleeper.join().unwrap();
        assert_eq!(got.map(|r| r.token), Some(WAKER));
        assert!(
            waited < Duration::from_secs(1),
            "the sleeper slept {waited:?}"
        );
        let next = reports
            .next(&poller, &mut Vec::new(), Duration::ZERO)
            .unwrap();
        assert_eq!(next.map(|r| r.token), Some(Token(7)));
        reports.end_work(0);
    }

    /// A thread that runs until `stop`, and its id.
    fn spinning_thread(stop: &Arc<AtomicBool>) -> (std::thread::JoinHandle<()>, u32) {
        let (id_tx, id_rx) = std::sync::mpsc::channel();
        let stop = stop.clone();
        let thread = std::thread::spawn(move || {
            id_tx.send(current_thread_id()).unwrap();
            while !stop.load(SeqCst) {
                std::hint::spin_loop();
            }
        });
        (thread, id_rx.recv().unwrap())
    }

    /// The kernel tells a blocked thread from one that runs.
    #[test]
    fn a_sleeping_thread_is_blocked_and_a_spinning_one_is_not() {
        let stop = Arc::new(AtomicBool::new(false));
        let (spinner, spinning_id) = spinning_thread(&stop);
        let (id_tx, id_rx) = std::sync::mpsc::channel();
        let sleeper = std::thread::spawn(move || {
            id_tx.send(current_thread_id()).unwrap();
            std::thread::sleep(Duration::from_millis(500));
        });
        let sleeping_id = id_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(is_blocked(sleeping_id));
        assert!(!is_blocked(spinning_id));
        assert!(is_blocked(0), "unknown: counted as blocked");
        stop.store(true, SeqCst);
        spinner.join().unwrap();
        sleeper.join().unwrap();
    }

    /// A worker that runs (rather than blocks) in one piece of work counts
    /// as stuck only after `RUNNING_LOOKS` looks.
    #[test]
    fn a_running_worker_is_stuck_only_after_many_looks() {
        let poller = Poller::new().unwrap();
        let reports = Reports::new(2, 1, &poller).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (spinner, spinning_id) = spinning_thread(&stop);
        reports.thread_ids[0].store(spinning_id, SeqCst);
        let mut watchdog = Watchdog::new(&reports);
        reports.start_work(0); // and never ends it while we look
        for _ in 0..RUNNING_LOOKS {
            watchdog.look();
            assert_eq!(reports.stuck.load(SeqCst), 0, "running, not stuck yet");
        }
        watchdog.look();
        assert_eq!(reports.stuck.load(SeqCst), 1, "running for too long");
        reports.end_work(0);
        watchdog.look();
        assert_eq!(reports.stuck.load(SeqCst), 0);
        stop.store(true, SeqCst);
        spinner.join().unwrap();
    }

    /// A free worker will take queued reports: no one is woken for them.
    #[test]
    fn no_wake_when_a_worker_is_free() {
        let poller = Poller::new().unwrap();
        let reports = Reports::new(3, 3, &poller).unwrap();
        reports.sleeping.fetch_add(1, SeqCst); // one asleep, one free, this one busy
        reports.queue().push_back(report(7));
        reports.start_work(0);
        let mut batch = Vec::new();
        poller
            .wait(&mut batch, 8, Duration::from_millis(50))
            .unwrap();
        assert!(batch.is_empty(), "nobody needed waking: {batch:?}");
    }

    /// One active thread per CPU: the others park as spares, and the
    /// watchdog wakes one only while a worker is stuck in one piece of work
    /// and no thread waits for the kernel.
    #[test]
    fn a_spare_is_woken_only_when_a_worker_is_stuck() {
        let poller = Arc::new(Poller::new().unwrap());
        // Two workers, one watcher: the second thread to look for work parks.
        let reports = Arc::new(Reports::new(2, 1, &poller).unwrap());
        let spare = look_for_work(&poller, &reports);
        while *reports.parked() == 0 {
            std::thread::yield_now();
        }
        assert_eq!(reports.active.load(SeqCst), 1);
        let mut watchdog = Watchdog::new(&reports);
        assert_eq!(watchdog.look(), WATCHDOG_IDLE_TICK);
        // Worker 0 works and finishes between looks: progress, no wake.
        reports.start_work(0);
        assert_eq!(watchdog.look(), WATCHDOG_TICK);
        reports.end_work(0);
        reports.start_work(0);
        watchdog.look();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            *reports.parked(),
            1,
            "still parked: the worker is not stuck"
        );
        // Now it stays in the same piece of work: the next look wakes the spare.
        watchdog.look();
        assert_eq!(reports.stuck.load(SeqCst), 1);
        let (got, waited) = spare.join().unwrap();
        assert!(got.is_none(), "a spare comes back empty-handed, to watch");
        assert!(
            waited < Duration::from_secs(1),
            "the spare slept {waited:?}"
        );
        assert_eq!(
            reports.active.load(SeqCst),
            2,
            "allowed: one worker is stuck"
        );
        assert!(!reports.leave_if_too_many());
        // Done: the allowance goes, and the next thread to look parks.
        reports.end_work(0);
        watchdog.look();
        assert_eq!(reports.stuck.load(SeqCst), 0);
        assert!(reports.leave_if_too_many());
    }
}
