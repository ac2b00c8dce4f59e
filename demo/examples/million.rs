//! What the file store costs with 1,000,000 messages: how long it takes to
//! open, how much memory it then holds, and how long the pages take.
//!
//! ```text
//! cargo run --release -p demo --example million [-- DIR [COUNT]]
//! ```
//!
//! The first run writes `DIR/messages.jsonl` (default: a folder in the
//! system temp dir) with COUNT messages (default 1,000,000) of about the
//! size a visitor types, straight to the file: going through the store
//! would `fsync` a million times. Later runs reuse the file. The figures in
//! the README come from this program.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use demo::store::{FileStore, Message, MessageStore, FILE_NAME};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("rung-million"));
    let count: u64 = args.next().map_or(1_000_000, |n| n.parse().expect("COUNT"));
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create DIR");
        write_messages(&path, count);
    }
    let size = std::fs::metadata(&path).expect("the file").len();
    println!(
        "{}: {:.0} MiB; before opening: {}",
        path.display(),
        size as f64 / 1048576.0,
        memory()
    );

    let started = Instant::now();
    let store = FileStore::open(&dir).expect("open the store");
    println!(
        "open: {:.2} s; after opening: {}",
        started.elapsed().as_secs_f64(),
        memory()
    );

    // What `GET /messages` asks for: the newest page, then an older one.
    let started = Instant::now();
    let newest = store.newest(None, 51).expect("newest page");
    let first = started.elapsed();
    let before = newest.get(49).map(|m| m.id);
    let started = Instant::now();
    let older = store.newest(before, 51).expect("older page");
    println!(
        "newest 50: {} µs, the 50 before id {}: {} µs ({} + {} messages); {}",
        first.as_micros(),
        before.unwrap_or(0),
        started.elapsed().as_micros(),
        newest.len().min(50),
        older.len().min(50),
        memory()
    );
}

/// Writes `count` messages as the store would, without the `fsync`s.
fn write_messages(path: &std::path::Path, count: u64) {
    let started = Instant::now();
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create the file"));
    for id in 1..=count {
        let message = Message {
            id,
            name: format!("visitor {}", id % 997),
            email: (id % 3 == 0).then(|| format!("v{id}@example.com")),
            message: format!(
                "Message number {id}: a sentence or two, about the length people type into a guest book."
            ),
            created_at: "2024-05-01T10:00:00Z".to_string(),
        };
        serde_json::to_writer(&mut out, &message).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    println!(
        "wrote {count} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The resident memory now and at its peak, from `/proc/self/status`.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map_or("?".to_string(), |v| v.trim().to_string())
    };
    format!("RSS {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}
