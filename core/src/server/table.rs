//! The table of open connections, and who holds each one.
//!
//! A connection is either *parked* here, waiting for the kernel to report
//! something new on its socket, or *checked out* by the one worker handling
//! it. A report that arrives while it is checked out is not lost: the slot
//! remembers it, and the worker runs the connection again before parking
//! it. Each slot carries a generation, and a token names both the slot and
//! the generation: a report for a connection already closed (and its slot
//! reused) is recognised as stale and ignored.

use std::io;
use std::sync::Mutex;

use std::net::TcpStream;

use crate::http::conn::Connection as Conn;

/// A connection over a TCP socket: what the table holds.
pub(crate) type Connection = Conn<TcpStream>;
use super::poller::{Poller, Token};

/// Tokens below this are not connections.
pub const FIRST_CONNECTION: u64 = 1;
/// The token of the listening socket.
pub const LISTENER: Token = Token(0);

enum Entry {
    Free,
    Parked(Box<Connection>),
    /// A worker holds it; `notified` if the kernel reported it meanwhile.
    CheckedOut {
        notified: bool,
    },
}

struct Slot {
    generation: u32,
    entry: Entry,
}

#[derive(Default)]
struct Slots {
    slots: Vec<Slot>,
    free: Vec<usize>,
    open: usize,
}

/// Every open connection, parked or checked out.
#[derive(Default)]
pub struct Table {
    inner: Mutex<Slots>,
}

fn token_of(index: usize, generation: u32) -> Token {
    Token(((generation as u64) << 32) | (index as u64 + FIRST_CONNECTION))
}

fn split(token: Token) -> Option<(usize, u32)> {
    let index = (token.0 & 0xffff_ffff).checked_sub(FIRST_CONNECTION)?;
    Some((index as usize, (token.0 >> 32) as u32))
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic while holding this lock cannot leave a slot half-written
        // (every update is a single assignment), so a poisoned lock is safe
        // to keep using.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a new connection and starts watching its socket.
    pub fn insert(&self, conn: Connection, poller: &Poller) -> io::Result<Token> {
        let mut s = self.lock();
        let index = match s.free.pop() {
            Some(index) => index,
            None => {
                s.slots.push(Slot {
                    generation: 0,
                    entry: Entry::Free,
                });
                s.slots.len() - 1
            }
        };
        let slot = &mut s.slots[index];
        slot.generation = slot.generation.wrapping_add(1);
        let token = token_of(index, slot.generation);
        // Registered while the lock is held: an event for it cannot be
        // handled before the connection is in its slot.
        if let Err(e) = poller.add_connection(conn.io(), token) {
            s.free.push(index);
            return Err(e);
        }
        s.slots[index].entry = Entry::Parked(Box::new(conn));
        s.open += 1;
        Ok(token)
    }

    /// Takes the connection named by `token` out of the table for the
    /// worker that got its report. `None` for a stale token, or when another
    /// worker holds the connection (that worker is told to run it again).
    pub fn check_out(&self, token: Token) -> Option<Box<Connection>> {
        let (index, generation) = split(token)?;
        let mut s = self.lock();
        let slot = s.slots.get_mut(index)?;
        if slot.generation != generation {
            return None;
        }
        match std::mem::replace(&mut slot.entry, Entry::CheckedOut { notified: false }) {
            Entry::Parked(conn) => Some(conn),
            Entry::CheckedOut { .. } => {
                slot.entry = Entry::CheckedOut { notified: true };
                None
            }
            Entry::Free => {
                slot.entry = Entry::Free;
                None
            }
        }
    }

    /// Puts a connection back to wait for its next report. If a report came
    /// while it was checked out, it is handed back instead, to be run again:
    /// with edge-triggered readiness, that report will not come twice.
    pub fn park(&self, token: Token, conn: Box<Connection>) -> Option<Box<Connection>> {
        let (index, _) = split(token)?;
        let mut s = self.lock();
        let slot = &mut s.slots[index];
        if let Entry::CheckedOut { notified: true } = slot.entry {
            slot.entry = Entry::CheckedOut { notified: false };
            return Some(conn);
        }
        slot.entry = Entry::Parked(conn);
        None
    }

    /// Forgets a checked-out connection that has been closed.
    pub fn remove(&self, token: Token) {
        if let Some((index, _)) = split(token) {
            Self::free_slot(&mut self.lock(), index);
        }
    }

    fn free_slot(s: &mut Slots, index: usize) {
        if let Some(slot) = s.slots.get_mut(index) {
            if !matches!(slot.entry, Entry::Free) {
                slot.entry = Entry::Free;
                s.free.push(index);
                s.open -= 1;
            }
        }
    }

    /// Takes out every parked connection for which `expired` says so; the
    /// caller closes them (outside the lock).
    pub fn take_parked_if(&self, mut expired: impl FnMut(&Connection) -> bool) -> Vec<Connection> {
        let mut s = self.lock();
        let mut taken = Vec::new();
        let mut freed = Vec::new();
        for (index, slot) in s.slots.iter_mut().enumerate() {
            if let Entry::Parked(conn) = &slot.entry {
                if expired(conn) {
                    if let Entry::Parked(conn) = std::mem::replace(&mut slot.entry, Entry::Free) {
                        taken.push(*conn);
                    }
                    freed.push(index);
                }
            }
        }
        s.open -= freed.len();
        s.free.extend(freed);
        taken
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        self.lock().open
    }
}
