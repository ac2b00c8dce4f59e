//! Buffers kept for reuse, per thread. Every request has a list of header
//! fields and a target, and every response a list of header fields: taking
//! them from the buffers that finished requests left behind saves an
//! allocation and a free for each (hyper and actix-web reuse their buffers
//! the same way). A worker thread answers one request at a time, so a few
//! spares are enough; the types that own the buffers decide which to keep.

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
