//! Buffers kept for reuse, per thread. Every request has a list of header
//! fields and a target, and every response a list of header fields: taking
//! them from the buffers that finished requests left behind saves an
//! allocation and a free for each (hyper and actix-web reuse their buffers
//! the same way). A worker thread answers one request at a time, so a few
//! spares are enough. Which header lists to keep is decided in
//! `headers.rs`; which targets, below.

use std::cell::RefCell;
use std::thread::LocalKey;

/// A thread's spares of one kind.
pub(crate) type Pool<T> = LocalKey<RefCell<Vec<T>>>;

/// A spare from `pool`, if it has one.
pub(crate) fn take<T: 'static>(pool: &'static Pool<T>) -> Option<T> {
    // `try_`: a thread being torn down, or a pool in use further up the
    // stack (never the case today), simply has no spare.
    pool.try_with(|spares| spares.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
}

/// Keeps `spare` in `pool`, unless it holds `kept` already.
pub(crate) fn give_back<T: 'static>(pool: &'static Pool<T>, spare: T, kept: usize) {
    let _ = pool.try_with(|spares| {
        if let Ok(mut spares) = spares.try_borrow_mut() {
            if spares.len() < kept {
                spares.push(spare);
            }
        }
    });
}

/// Request targets kept for reuse: a `Request` gives its target back
/// when it is dropped.
pub(crate) mod targets {
    use std::cell::RefCell;

    use super::{give_back as keep, take};

    /// How many spare targets a thread keeps.
    const KEPT: usize = 8;

    /// The room a new target gets at least, so that its string serves the
    /// targets of later requests too.
    const ROOM: usize = 64;

    /// The largest string kept: one grown for a long query is let go.
    const MAX_KEPT: usize = 1024;

    thread_local! {
        static TARGETS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// A copy of `target`, in a spare string when there is one.
    pub(crate) fn copy_of(target: &str) -> String {
        let mut copy =
            take(&TARGETS).unwrap_or_else(|| String::with_capacity(target.len().max(ROOM)));
        copy.push_str(target);
        copy
    }

    /// Keeps `target`'s string, emptied, for a later [`copy_of`].
    pub(crate) fn give_back(mut target: String) {
        if target.capacity() < ROOM || target.capacity() > MAX_KEPT {
            return;
        }
        target.clear();
        keep(&TARGETS, target, KEPT);
    }
}
