//! The table of open connections, and who holds each one.
//!
//! A connection is either *parked* here, waiting for the kernel to say its
//! socket is ready, or *checked out* by the one worker handling its event.
//! Each slot carries a generation, and a token names both the slot and the
//! generation: an event that arrives for a connection already closed (and
//! its slot reused) is recognised as stale and ignored.

use std::io;
use std::sync::Mutex;

use super::conn::Connection;
use super::poller::{Interest, Poller, Token};

/// Tokens below this are not connections.
pub const FIRST_CONNECTION: u64 = 1;
/// The token of the listening socket.
pub const LISTENER: Token = Token(0);

enum Entry {
    Free,
    Parked(Box<Connection>),
    CheckedOut,
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

    /// Adds a new connection and starts watching its socket for a request.
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
        if let Err(e) = poller.add(conn.socket(), token, Interest::Read) {
            s.free.push(index);
            return Err(e);
        }
        s.slots[index].entry = Entry::Parked(Box::new(conn));
        s.open += 1;
        Ok(token)
    }

    /// Takes the connection named by `token` out of the table for the
    /// worker that got its event, or `None` for a stale token.
    pub fn check_out(&self, token: Token) -> Option<Box<Connection>> {
        let (index, generation) = split(token)?;
        let mut s = self.lock();
        let slot = s.slots.get_mut(index)?;
        if slot.generation != generation || !matches!(slot.entry, Entry::Parked(_)) {
            return None;
        }
        match std::mem::replace(&mut slot.entry, Entry::CheckedOut) {
            Entry::Parked(conn) => Some(conn),
            _ => None,
        }
    }

    /// Puts a connection back and re-arms its socket for `interest`.
    ///
    /// Parking and re-arming happen under one lock: were the socket re-armed
    /// first, another worker could get its event while the slot still says
    /// "checked out", drop the event, and the connection would hang.
    pub fn park(&self, token: Token, conn: Box<Connection>, interest: Interest, poller: &Poller) {
        let Some((index, _)) = split(token) else {
            return;
        };
        let mut s = self.lock();
        if poller.rearm(conn.socket(), token, interest).is_err() {
            drop(conn);
            Self::free_slot(&mut s, index);
            return;
        }
        s.slots[index].entry = Entry::Parked(conn);
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
