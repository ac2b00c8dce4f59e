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

use std::collections::VecDeque;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rustix::event::{eventfd, EventfdFlags};

use super::poller::{Poller, Report, Token};

/// Most reports taken from the kernel at once.
pub const BATCH: usize = 32;

/// The token of the eventfd that wakes a sleeping worker.
pub const WAKER: Token = Token(u64::MAX);

/// The shared queue of reports, and who is free to take them.
pub struct Reports {
    queue: Mutex<VecDeque<Report>>,
    /// How many workers there are.
    workers: usize,
    /// Workers blocked in `epoll_wait`.
    sleeping: AtomicUsize,
    /// Workers accepting or working on a connection.
    busy: AtomicUsize,
    /// Written to wake one sleeping worker. Its count is never read back:
    /// edge-triggered, each write is a new report, and the count would need
    /// 2^64 writes to fill up.
    waker: OwnedFd,
}

impl Reports {
    /// A queue for `workers` workers, its waker registered in `poller`.
    pub fn new(workers: usize, poller: &Poller) -> io::Result<Reports> {
        let waker = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        poller.add_waker(&waker, WAKER)?;
        Ok(Reports {
            queue: Mutex::new(VecDeque::with_capacity(BATCH)),
            workers,
            sleeping: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            waker,
        })
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

    /// Called when a worker starts on a report. If reports are queued and
    /// every other worker is busy or asleep, one sleeper is woken for them.
    pub fn start_work(&self) {
        let busy = self.busy.fetch_add(1, SeqCst) + 1;
        let sleeping = self.sleeping.load(SeqCst);
        if sleeping > 0 && busy + sleeping >= self.workers && !self.queue().is_empty() {
            let _ = rustix::io::write(&self.waker, &1u64.to_ne_bytes());
        }
    }

    /// Called when a worker is done with a report.
    pub fn end_work(&self) {
        self.busy.fetch_sub(1, SeqCst);
    }
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

    /// Queued reports and every other worker asleep: starting work wakes one.
    #[test]
    fn starting_work_with_reports_queued_wakes_a_sleeper() {
        let poller = Arc::new(Poller::new().unwrap());
        let reports = Arc::new(Reports::new(2, &poller).unwrap());
        let sleeper = {
            let (poller, reports) = (poller.clone(), reports.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let got = reports
                    .next(&poller, &mut Vec::new(), Duration::from_secs(5))
                    .unwrap();
                (got, started.elapsed())
            })
        };
        while reports.sleeping.load(SeqCst) == 0 {
            std::thread::yield_now();
        }
        // Give the sleeper time to be inside epoll_wait, past its re-check.
        std::thread::sleep(Duration::from_millis(100));
        // This worker took a batch of three: it keeps one, queues two...
        reports.queue().extend([report(7), report(8)]);
        // ...and starts on its own; the sleeper must come for the others.
        reports.start_work();
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
        reports.end_work();
    }

    /// A free worker will take queued reports: no one is woken for them.
    #[test]
    fn no_wake_when_a_worker_is_free() {
        let poller = Poller::new().unwrap();
        let reports = Reports::new(3, &poller).unwrap();
        reports.sleeping.fetch_add(1, SeqCst); // one asleep, one free, this one busy
        reports.queue().push_back(report(7));
        reports.start_work();
        let mut batch = Vec::new();
        poller
            .wait(&mut batch, 8, Duration::from_millis(50))
            .unwrap();
        assert!(batch.is_empty(), "nobody needed waking: {batch:?}");
    }
}
