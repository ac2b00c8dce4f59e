//! The next level: data that survives a crash.
//!
//! Messages live in one append-only file, `messages.jsonl`, in the data
//! directory: one JSON object per line.
//!
//! ```text
//! {"id":1,"name":"Ada","email":null,"message":"Hello!","created_at":"2024-05-01T10:00:00Z"}
//! {"id":2,"name":"anonymous","email":"bob@example.com","message":"Hi","created_at":"2024-05-01T10:01:00Z"}
//! {"deleted":1}
//! ```
//!
//! A message line adds a message; a `{"deleted": ID}` line (a *tombstone*)
//! removes one. Nothing is ever rewritten in place, which is what makes the
//! file easy to keep whole:
//!
//! - **Durable before answered.** [`Store::add`] writes the line and calls
//!   `fsync` (`File::sync_data`) before it returns, so when the handler
//!   sends `201 Created` or the thank-you page, the message is on the disk —
//!   a `kill -9` or a power cut a moment later cannot lose it. When the file
//!   is first created, the directory is synced too, so the file's *name*
//!   is durable as well.
//! - **One writer at a time.** Every write happens under one `Mutex`, so
//!   lines of concurrent posters never interleave and ids are handed out in
//!   the order the lines are written: unique and increasing.
//! - **A torn write is harmless.** A crash in the middle of a write can only
//!   leave a partial *last* line (no newline yet, or cut-off JSON). Opening
//!   the store drops that tail and truncates the file back to the last whole
//!   line; that message was never acknowledged, so nothing promised is lost.
//!
//! Reads never touch the disk: every live message is also kept in memory
//! (in id order) behind a `RwLock`, so readers do not wait for an `fsync`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::validate::NewMessage;

/// The name of the file in the data directory.
pub const FILE_NAME: &str = "messages.jsonl";

/// A stored message, as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Unique, increasing, never reused (even after a delete).
    pub id: u64,
    /// `"anonymous"` when the visitor gave none.
    pub name: String,
    /// `null` when the visitor gave none.
    pub email: Option<String>,
    /// The text, trimmed.
    pub message: String,
    /// When it was stored: RFC 3339, UTC, whole seconds.
    pub created_at: String,
}

/// One line of the file: a message, or the deletion of one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Line {
    Deleted { deleted: u64 },
    Message(Message),
}

/// The durable message store. Share one per app (it is `Send + Sync`).
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    /// Held while writing: the file and the next id.
    writer: Mutex<Writer>,
    /// Every live message, in id order.
    messages: RwLock<BTreeMap<u64, Message>>,
}

#[derive(Debug)]
struct Writer {
    file: File,
    /// Length of the file: where the next line starts. On a failed write the
    /// file is cut back to it, so a half-written line never stays behind.
    len: u64,
    next_id: u64,
}

impl Store {
    /// Opens the store in `dir` (created if missing), reading every message
    /// and repairing a torn last line.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<Store> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        if created {
            // The new file's directory entry must reach the disk too.
            sync_dir(dir)?;
        }
        let loaded = load(&file, &path)?;
        if loaded.good_len < file.metadata()?.len() {
            log::warn!(
                "{}: dropping a torn last line (bytes {}..), left by a crash mid-write",
                path.display(),
                loaded.good_len
            );
            file.set_len(loaded.good_len)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Store {
            path,
            writer: Mutex::new(Writer {
                file,
                len: loaded.good_len,
                next_id: loaded.max_id + 1,
            }),
            messages: RwLock::new(loaded.messages),
        })
    }

    /// The file the messages are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a validated message and returns it with its id and time.
    /// When this returns `Ok`, the message is on disk.
    pub fn add(&self, new: NewMessage) -> io::Result<Message> {
        let mut writer = self.lock_writer();
        let message = Message {
            id: writer.next_id,
            name: new.name,
            email: new.email,
            message: new.message,
            created_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        };
        let line = serde_json::to_string(&message).map_err(io::Error::other)?;
        writer.append_line(&line)?;
        writer.next_id += 1;
        self.write_messages().insert(message.id, message.clone());
        Ok(message)
    }

    /// Deletes message `id`; `Ok(false)` when there is no such message.
    pub fn delete(&self, id: u64) -> io::Result<bool> {
        let mut writer = self.lock_writer();
        if !self.read_messages().contains_key(&id) {
            return Ok(false);
        }
        writer.append_line(&format!("{{\"deleted\":{id}}}"))?;
        self.write_messages().remove(&id);
        Ok(true)
    }

    /// Message `id`, if it exists.
    pub fn get(&self, id: u64) -> Option<Message> {
        self.read_messages().get(&id).cloned()
    }

    /// Up to `limit` messages after skipping `offset`, id ascending.
    pub fn list(&self, offset: usize, limit: usize) -> Vec<Message> {
        self.read_messages()
            .values()
            .skip(offset)
            .take(limit)
            .cloned()
            .collect()
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.read_messages().len()
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A poisoned lock means a thread panicked while holding it. The writer
    // keeps the file consistent on every error path, and the map is only
    // changed after a successful write, so both are still usable.
    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read_messages(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Message>> {
        self.messages.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_messages(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<u64, Message>> {
        self.messages
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Writer {
    /// Appends `line` and a newline in one write, then `fsync`s. On any
    /// error the file is cut back to where it was.
    fn append_line(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let result = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                if let Err(cut) = self.file.set_len(self.len) {
                    log::error!("cannot cut the store back after a failed write: {cut}");
                }
                Err(e)
            }
        }
    }
}

/// What [`load`] read from the file.
struct Loaded {
    messages: BTreeMap<u64, Message>,
    /// The largest id ever written (deleted ones included), 0 if none.
    max_id: u64,
    /// Length of the file up to the end of the last whole line.
    good_len: u64,
}

/// Reads every line. A last line without its newline, or whose JSON does
/// not parse, is a torn write: it is left out of `good_len`. A bad line in
/// the middle (which this store never writes) is skipped with a warning
/// rather than making the whole store unreadable.
fn load(file: &File, path: &Path) -> io::Result<Loaded> {
    let mut reader = BufReader::new(file);
    let mut loaded = Loaded {
        messages: BTreeMap::new(),
        max_id: 0,
        good_len: 0,
    };
    let mut buf = Vec::new();
    let mut offset = 0u64;
    // A bad line is only known to be in the middle once a good one follows.
    let mut pending_bad: Option<u64> = None;
    loop {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf)?;
        if read == 0 {
            break;
        }
        let start = offset;
        offset += read as u64;
        let whole = buf.last() == Some(&b'\n');
        let parsed = if whole {
            serde_json::from_slice::<Line>(&buf).ok()
        } else {
            None
        };
        let Some(line) = parsed else {
            if whole && buf.iter().all(u8::is_ascii_whitespace) {
                loaded.good_len = offset;
                continue;
            }
            pending_bad.get_or_insert(start);
            continue;
        };
        if let Some(bad) = pending_bad.take() {
            log::warn!(
                "{}: skipping unreadable line(s) at byte {bad}",
                path.display()
            );
        }
        match line {
            Line::Message(message) => {
                loaded.max_id = loaded.max_id.max(message.id);
                loaded.messages.insert(message.id, message);
            }
            Line::Deleted { deleted } => {
                loaded.max_id = loaded.max_id.max(deleted);
                loaded.messages.remove(&deleted);
            }
        }
        loaded.good_len = offset;
    }
    Ok(loaded)
}

/// `fsync`s a directory, so that a file created in it survives a crash.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A fresh, empty directory under the system temp dir.
    fn temp_dir(name: &str) -> PathBuf {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("rung-demo-store-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn new(text: &str) -> NewMessage {
        NewMessage {
            name: "tester".into(),
            email: None,
            message: text.into(),
        }
    }

    #[test]
    fn add_get_list() {
        let dir = temp_dir("basic");
        let store = Store::open(&dir).unwrap();
        assert!(store.is_empty());
        let a = store.add(new("one")).unwrap();
        let b = store.add(new("two")).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(store.get(2).unwrap().message, "two");
        assert!(store.get(3).is_none());
        assert_eq!(store.list(0, 100), vec![a.clone(), b.clone()]);
        assert_eq!(store.list(1, 100), vec![b]);
        assert_eq!(store.list(0, 1), vec![a]);
        // RFC 3339, UTC, whole seconds: 2024-05-01T10:00:00Z
        let t = &store.get(1).unwrap().created_at;
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn survives_a_restart() {
        let dir = temp_dir("restart");
        let store = Store::open(&dir).unwrap();
        let mut msg = new("kept");
        msg.email = Some("a@b.co".into());
        let kept = store.add(msg).unwrap();
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.get(kept.id), Some(kept));
        assert_eq!(store.add(new("next")).unwrap().id, 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn concurrent_appends_lose_nothing() {
        let dir = temp_dir("concurrent");
        let store = Arc::new(Store::open(&dir).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .map(|i| store.add(new(&format!("{t}-{i}"))).unwrap().id)
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        for handle in threads {
            let ids = handle.join().unwrap();
            // Each thread sees its own ids increase.
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        }
        drop(store);
        let store = Store::open(&dir).unwrap();
        let all = store.list(0, usize::MAX);
        assert_eq!(all.len(), 400);
        let ids: Vec<u64> = all.iter().map(|m| m.id).collect();
        assert_eq!(ids, (1..=400).collect::<Vec<u64>>());
        for t in 0..8 {
            for i in 0..50 {
                let text = format!("{t}-{i}");
                assert!(all.iter().any(|m| m.message == text), "{text} lost");
            }
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_dropped() {
        let dir = temp_dir("torn");
        let store = Store::open(&dir).unwrap();
        store.add(new("one")).unwrap();
        store.add(new("two")).unwrap();
        drop(store);
        // What a crash mid-write leaves: half a line, no newline.
        let path = dir.join(FILE_NAME);
        let whole_len = std::fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"id":3,"name":"tor"#).unwrap();
        drop(file);

        let store = Store::open(&dir).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole_len);
        let next = store.add(new("three")).unwrap();
        assert_eq!(next.id, 3);
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.list(0, 10).len(), 3);
        assert_eq!(store.get(3).unwrap().message, "three");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_torn_line_with_garbage_and_newline_is_dropped_too() {
        let dir = temp_dir("garbage");
        let store = Store::open(&dir).unwrap();
        store.add(new("one")).unwrap();
        drop(store);
        let path = dir.join(FILE_NAME);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"\x00\x00garbage{\"id\":\n").unwrap();
        drop(file);
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.add(new("two")).unwrap().id, 2);
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn delete_then_reload() {
        let dir = temp_dir("delete");
        let store = Store::open(&dir).unwrap();
        for text in ["a", "b", "c"] {
            store.add(new(text)).unwrap();
        }
        assert!(store.delete(2).unwrap());
        assert!(!store.delete(2).unwrap());
        assert!(!store.delete(99).unwrap());
        assert!(store.get(2).is_none());
        drop(store);
        let store = Store::open(&dir).unwrap();
        let ids: Vec<u64> = store.list(0, 10).iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 3]);
        // Deleting the last message never lets its id be used again.
        assert!(store.delete(3).unwrap());
        drop(store);
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.add(new("d")).unwrap().id, 4);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
