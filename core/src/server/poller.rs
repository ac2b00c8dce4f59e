//! Readiness from the kernel: a thin layer over Linux's epoll (via `rustix`).
//!
//! Connections are registered once, *edge-triggered*, for both reading and
//! writing: the kernel reports a connection when something new happens on
//! it (bytes arrived, room to write, the peer closed), and each report
//! wakes exactly one waiting worker. A connection idle between requests
//! costs no thread at all — just an entry in the kernel's interest list —
//! and answering a request costs no extra system call to re-arm it.
//!
//! The listening socket is registered *one-shot* instead: the worker that
//! is told about waiting clients accepts a batch of them and re-arms it.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use rustix::event::epoll;

/// Identifies what an event is about: the listener or one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token(pub u64);

/// One epoll instance shared by every worker thread.
#[derive(Debug)]
pub struct Poller {
    epoll: OwnedFd,
}

/// Readable, once: the listener is re-armed after each batch of accepts.
const LISTENER_FLAGS: epoll::EventFlags = epoll::EventFlags::IN.union(epoll::EventFlags::ONESHOT);

impl Poller {
    /// A new epoll instance.
    pub fn new() -> io::Result<Poller> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        Ok(Poller { epoll })
    }

    fn register(
        &self,
        source: impl AsFd,
        token: Token,
        flags: epoll::EventFlags,
    ) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token.0);
        Ok(epoll::add(&self.epoll, source, data, flags)?)
    }

    /// Starts watching a connection for everything that happens on it,
    /// edge-triggered.
    pub fn add_connection(&self, source: impl AsFd, token: Token) -> io::Result<()> {
        use epoll::EventFlags as F;
        self.register(source, token, F::IN | F::OUT | F::RDHUP | F::ET)
    }

    /// Starts watching an eventfd that wakes a worker each time it is
    /// written to (edge-triggered, readable only: an eventfd is always
    /// writable, and that must not wake anyone).
    pub fn add_waker(&self, source: impl AsFd, token: Token) -> io::Result<()> {
        self.register(source, token, epoll::EventFlags::IN | epoll::EventFlags::ET)
    }

    /// Starts watching the listening socket for waiting clients, once.
    pub fn add_listener(&self, source: impl AsFd, token: Token) -> io::Result<()> {
        self.register(source, token, LISTENER_FLAGS)
    }

    /// Watches the listening socket again, once, after a batch of accepts.
    /// If clients are still waiting, the report comes at once.
    pub fn rearm_listener(&self, source: impl AsFd, token: Token) -> io::Result<()> {
        let data = epoll::EventData::new_u64(token.0);
        Ok(epoll::modify(&self.epoll, source, data, LISTENER_FLAGS)?)
    }

    /// Stops watching `source`.
    pub fn delete(&self, source: impl AsFd) -> io::Result<()> {
        Ok(epoll::delete(&self.epoll, source)?)
    }

    /// Waits up to `timeout` for reports, and appends those ready (at most
    /// `max`) to `out`. Taking several at once saves system calls; see
    /// `dispatch` for how they are shared out among the workers.
    pub fn wait(&self, out: &mut Vec<Report>, max: usize, timeout: Duration) -> io::Result<()> {
        let mut events = [std::mem::MaybeUninit::<epoll::Event>::uninit(); MAX_BATCH];
        let max = max.clamp(1, MAX_BATCH);
        let timeout =
            rustix::event::Timespec::try_from(timeout).unwrap_or(rustix::event::Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            });
        match epoll::wait(&self.epoll, &mut events[..max], Some(&timeout)) {
            Ok((ready, _)) => {
                out.extend(ready.iter().map(|event| {
                    // Copied out first: the kernel's event struct is packed.
                    let (flags, data) = (event.flags, event.data);
                    Report {
                        token: Token(data.u64()),
                        hangup: flags.intersects(
                            epoll::EventFlags::RDHUP
                                | epoll::EventFlags::HUP
                                | epoll::EventFlags::ERR,
                        ),
                    }
                }));
                Ok(())
            }
            Err(rustix::io::Errno::INTR) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Most reports one `wait` takes.
pub const MAX_BATCH: usize = 64;

/// What the kernel reported about one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Report {
    /// Which source.
    pub token: Token,
    /// The peer closed its side, or the connection failed: reads must go
    /// on until they return 0 (end of stream) or an error.
    pub hangup: bool,
}
