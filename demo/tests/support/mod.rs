//! Helpers shared by the demo's test files (each file is its own test
//! binary and uses only some of them).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A path under the system temp dir that nothing uses: unique to this
/// process and call (`rung-demo-{name}-PID-N`), and removed if it was left
/// by an earlier run. Not created: a server creates its own data folder.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("rung-demo-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Like [`temp_dir`], but created, empty.
pub fn empty_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The ids of the messages on a `/messages` page, in page order.
pub fn page_ids(page: &str) -> Vec<u64> {
    page.split("id=\"message-")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}
