//! The string of a request's target, shared by the head parser, which
//! makes it, and the request, which owns it: strings of finished requests
//! kept for the next ones, and the decoded path kept only when decoding
//! changed something.

use std::borrow::Cow;
use std::cell::RefCell;

use super::spares;

/// How many spare target strings a thread keeps.
const KEPT: usize = 8;

/// The room a new target gets at least, so that its string serves the
/// targets of later requests too.
const ROOM: usize = 64;

/// The largest string kept: one grown for a long query is let go.
const MAX_KEPT: usize = 1024;

thread_local! {
    static TARGETS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A copy of `target`, in a spare string when there is one (see `spares.rs`).
pub(crate) fn copy_of(target: &str) -> String {
    let mut copy =
        spares::take(&TARGETS).unwrap_or_else(|| String::with_capacity(target.len().max(ROOM)));
    copy.push_str(target);
    copy
}

/// Keeps a finished request's target string, emptied, for a later [`copy_of`].
pub(crate) fn give_back(mut target: String) {
    if target.capacity() < ROOM || target.capacity() > MAX_KEPT {
        return;
    }
    target.clear();
    spares::give_back(&TARGETS, target, KEPT);
}

/// A decoded path worth keeping: only when decoding changed something (a
/// path without `%` is its own decoding, and costs no copy).
pub(crate) fn only_if_decoded(path: Cow<'_, str>) -> Option<String> {
    match path {
        Cow::Borrowed(_) => None,
        Cow::Owned(decoded) => Some(decoded),
    }
}
