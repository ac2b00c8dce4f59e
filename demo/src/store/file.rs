//! The file backend: every message in one append-only file,
//! `messages.jsonl`, in the data directory: one JSON object per line.
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
//! - **Durable before answered.** [`FileStore::add`] writes the line and
//!   calls `fsync` (`File::sync_data`) before it returns, so when the
//!   handler sends `201 Created` or the thank-you page, the message is on
//!   the disk — a `kill -9` or a power cut a moment later cannot lose it.
//!   When the file is first created, the directory is synced too, so the
//!   file's *name* is durable as well.
//! - **One writer at a time.** Every write happens under one `Mutex`, so
//!   lines of concurrent posters never interleave and ids are handed out in
//!   the order the lines are written: unique and increasing.
//! - **A torn write is harmless.** A crash in the middle of a write can only
//!   leave a partial *last* line (no newline yet, or cut-off JSON). Opening
//!   the store drops that tail and truncates the file back to the last whole
//!   line; that message was never acknowledged, so nothing promised is lost.
//!
//! Memory does not hold the messages, only an *index*: for each live
//! message, its id and where its line is in the file (24 bytes, whatever
//! the length of the message: 24 MB for a million). A read looks the id up
//! (a binary search: the ids are in order) and reads that one line with a
//! positional read (`read_at`), which any number of threads can do at
//! once on the same file; the operating system's page cache keeps recent
//! lines in memory for free. Opening the store still reads the whole file
//! once, to build the index: about a second per million messages.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use serde::Deserialize;

use super::{format_time, Message, MessageStore, StoreError};
use crate::validate::NewMessage;

/// The name of the file in the data directory.
pub const FILE_NAME: &str = "messages.jsonl";

/// What opening the store reads from a line: a message line has an `id`,
/// a tombstone a `deleted`. The rest of the line is checked to be whole
/// JSON, but not kept (nor even copied): a message is read in full only
/// when it is shown.
#[derive(Debug, Deserialize)]
struct LineHead {
    id: Option<u64>,
    deleted: Option<u64>,
}

/// One line of the file: a message, or the deletion of one.
enum Line {
    Message(u64),
    Deleted(u64),
}

impl LineHead {
    fn line(self) -> Option<Line> {
        match (self.id, self.deleted) {
            (Some(id), None) => Some(Line::Message(id)),
            (None, Some(id)) => Some(Line::Deleted(id)),
            _ => None,
        }
    }
}

/// Where one live message is in the file.
#[derive(Clone, Copy, Debug)]
struct Entry {
    id: u64,
    /// The byte its line starts at.
    offset: u64,
    /// The length of its line, without the newline.
    len: u32,
}

/// The message store in one file. Share one per app (it is `Send + Sync`).
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// Held while writing: the file and the next id.
    writer: Mutex<Writer>,
    /// For reads: `read_at` needs no lock and moves no shared cursor.
    reader: File,
    /// Every live message, id ascending.
    index: RwLock<Vec<Entry>>,
}

#[derive(Debug)]
struct Writer {
    file: File,
    /// Length of the file: where the next line starts. On a failed write the
    /// file is cut back to it, so a half-written line never stays behind.
    len: u64,
    next_id: u64,
}

impl FileStore {
    /// Opens the store in `dir` (created if missing), indexing every
    /// message and repairing a torn last line.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<FileStore> {
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
        Ok(FileStore {
            reader: File::open(&path)?,
            path,
            writer: Mutex::new(Writer {
                file,
                len: loaded.good_len,
                next_id: loaded.max_id + 1,
            }),
            index: RwLock::new(loaded.index),
        })
    }

    /// The file the messages are kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many messages there are.
    pub fn len(&self) -> usize {
        self.read_index().len()
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the messages of `entries` from the file, in that order.
    fn read(&self, entries: &[Entry]) -> Result<Vec<Message>, StoreError> {
        entries.iter().map(|entry| self.read_one(entry)).collect()
    }

    fn read_one(&self, entry: &Entry) -> Result<Message, StoreError> {
        let mut line = vec![0; entry.len as usize];
        self.reader.read_exact_at(&mut line, entry.offset)?;
        serde_json::from_slice(&line).map_err(|e| {
            StoreError::Failed(format!(
                "{}: the line of message {} (byte {}) does not read: {e}",
                self.path.display(),
                entry.id,
                entry.offset
            ))
        })
    }

    // A poisoned lock means a thread panicked while holding it. The writer
    // keeps the file consistent on every error path, and the index is only
    // changed after a successful write, so both are still usable.
    fn lock_writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read_index(&self) -> RwLockReadGuard<'_, Vec<Entry>> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_index(&self) -> RwLockWriteGuard<'_, Vec<Entry>> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where `id` is in `index` (sorted by id): `Ok(position)` or
/// `Err(where it would go)`, as [`slice::binary_search`].
fn find(index: &[Entry], id: u64) -> Result<usize, usize> {
    index.binary_search_by_key(&id, |entry| entry.id)
}

impl MessageStore for FileStore {
    fn add(&self, new: NewMessage) -> Result<Message, StoreError> {
        let mut writer = self.lock_writer();
        let message = Message {
            id: writer.next_id,
            name: new.name,
            email: new.email,
            message: new.message,
            created_at: format_time(SystemTime::now()),
        };
        let line = serde_json::to_string(&message)
            .map_err(|e| StoreError::Failed(format!("JSON error: {e}")))?;
        let offset = writer.append_line(&line)?;
        writer.next_id += 1;
        // Ids only grow, so the new entry goes at the end: still sorted.
        self.write_index().push(Entry {
            id: message.id,
            offset,
            len: line.len() as u32,
        });
        Ok(message)
    }

    fn delete(&self, id: u64) -> Result<bool, StoreError> {
        let mut writer = self.lock_writer();
        if find(&self.read_index(), id).is_err() {
            return Ok(false);
        }
        writer.append_line(&format!("{{\"deleted\":{id}}}"))?;
        let mut index = self.write_index();
        if let Ok(at) = find(&index, id) {
            index.remove(at);
        }
        Ok(true)
    }

    fn get(&self, id: u64) -> Result<Option<Message>, StoreError> {
        let entry = {
            let index = self.read_index();
            match find(&index, id) {
                Ok(at) => index[at],
                Err(_) => return Ok(None),
            }
        };
        self.read_one(&entry).map(Some)
    }

    fn list(&self, offset: u64, limit: usize) -> Result<Vec<Message>, StoreError> {
        // Copy the few entries wanted, so the lock is not held while reading.
        let entries: Vec<Entry> = {
            let index = self.read_index();
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(index.len());
            let end = start.saturating_add(limit).min(index.len());
            index[start..end].to_vec()
        };
        self.read(&entries)
    }

    fn newest(&self, before: Option<u64>, limit: usize) -> Result<Vec<Message>, StoreError> {
        let entries: Vec<Entry> = {
            let index = self.read_index();
            // Every entry before `end` has an id below `before`.
            let end = match before {
                Some(before) => find(&index, before).unwrap_or_else(|at| at),
                None => index.len(),
            };
            index[end.saturating_sub(limit)..end]
                .iter()
                .rev()
                .copied()
                .collect()
        };
        self.read(&entries)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

impl Writer {
    /// Appends `line` and a newline in one write, then `fsync`s; returns
    /// the offset the line starts at. On any error the file is cut back to
    /// where it was.
    fn append_line(&mut self, line: &str) -> io::Result<u64> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let result = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                let offset = self.len;
                self.len += bytes.len() as u64;
                Ok(offset)
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
    /// Every live message, id ascending.
    index: Vec<Entry>,
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
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut loaded = Loaded {
        index: Vec::new(),
        max_id: 0,
        good_len: 0,
    };
    // Tombstones come after the line they delete; remove them all at the
    // end rather than one by one from the middle of the index.
    let mut deleted = HashSet::new();
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
            serde_json::from_slice::<LineHead>(&buf)
                .ok()
                .and_then(LineHead::line)
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
            Line::Message(id) => {
                loaded.max_id = loaded.max_id.max(id);
                loaded.index.push(Entry {
                    id,
                    offset: start,
                    // The line without its newline: at most a few KiB, as
                    // every field has a length limit.
                    len: (read - 1) as u32,
                });
            }
            Line::Deleted(id) => {
                loaded.max_id = loaded.max_id.max(id);
                deleted.insert(id);
            }
        }
        loaded.good_len = offset;
    }
    if !deleted.is_empty() {
        loaded.index.retain(|entry| !deleted.contains(&entry.id));
    }
    // This store writes ids in increasing order; a file put together by
    // hand might not be, and the binary searches need it sorted.
    if !loaded.index.is_sorted_by_key(|entry| entry.id) {
        loaded.index.sort_by_key(|entry| entry.id);
    }
    loaded.index.shrink_to_fit();
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

    fn ids(messages: &[Message]) -> Vec<u64> {
        messages.iter().map(|m| m.id).collect()
    }

    #[test]
    fn add_get_list() {
        let dir = temp_dir("basic");
        let store = FileStore::open(&dir).unwrap();
        assert!(store.is_empty());
        let a = store.add(new("one")).unwrap();
        let b = store.add(new("two")).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(store.get(2).unwrap().unwrap().message, "two");
        assert!(store.get(3).unwrap().is_none());
        assert_eq!(store.list(0, 100).unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(store.list(1, 100).unwrap(), vec![b]);
        assert_eq!(store.list(0, 1).unwrap(), vec![a]);
        assert!(store.list(u64::MAX, usize::MAX).unwrap().is_empty());
        // RFC 3339, UTC, whole seconds: 2024-05-01T10:00:00Z
        let t = &store.get(1).unwrap().unwrap().created_at;
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn newest_pages_back_from_before() {
        let dir = temp_dir("newest");
        let store = FileStore::open(&dir).unwrap();
        for i in 1..=7 {
            store.add(new(&format!("m{i}"))).unwrap();
        }
        store.delete(5).unwrap();
        assert_eq!(ids(&store.newest(None, 3).unwrap()), [7, 6, 4]);
        assert_eq!(ids(&store.newest(Some(4), 3).unwrap()), [3, 2, 1]);
        assert_eq!(ids(&store.newest(Some(5), 3).unwrap()), [4, 3, 2]);
        assert_eq!(ids(&store.newest(Some(2), 3).unwrap()), [1]);
        assert!(store.newest(Some(1), 3).unwrap().is_empty());
        assert_eq!(ids(&store.newest(Some(u64::MAX), 2).unwrap()), [7, 6]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn survives_a_restart() {
        let dir = temp_dir("restart");
        let store = FileStore::open(&dir).unwrap();
        let mut msg = new("kept");
        msg.email = Some("a@b.co".into());
        let kept = store.add(msg).unwrap();
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.get(kept.id).unwrap(), Some(kept));
        assert_eq!(store.add(new("next")).unwrap().id, 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn concurrent_appends_lose_nothing() {
        let dir = temp_dir("concurrent");
        let store = Arc::new(FileStore::open(&dir).unwrap());
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
        let store = FileStore::open(&dir).unwrap();
        let all = store.list(0, usize::MAX).unwrap();
        assert_eq!(all.len(), 400);
        assert_eq!(ids(&all), (1..=400).collect::<Vec<u64>>());
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
        let store = FileStore::open(&dir).unwrap();
        store.add(new("one")).unwrap();
        store.add(new("two")).unwrap();
        drop(store);
        // What a crash mid-write leaves: half a line, no newline.
        let path = dir.join(FILE_NAME);
        let whole_len = std::fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"id":3,"name":"tor"#).unwrap();
        drop(file);

        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole_len);
        let next = store.add(new("three")).unwrap();
        assert_eq!(next.id, 3);
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.list(0, 10).unwrap().len(), 3);
        assert_eq!(store.get(3).unwrap().unwrap().message, "three");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_torn_line_with_garbage_and_newline_is_dropped_too() {
        let dir = temp_dir("garbage");
        let store = FileStore::open(&dir).unwrap();
        store.add(new("one")).unwrap();
        drop(store);
        let path = dir.join(FILE_NAME);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"\x00\x00garbage{\"id\":\n").unwrap();
        drop(file);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.add(new("two")).unwrap().id, 2);
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(2).unwrap().unwrap().message, "two");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn delete_then_reload() {
        let dir = temp_dir("delete");
        let store = FileStore::open(&dir).unwrap();
        for text in ["a", "b", "c"] {
            store.add(new(text)).unwrap();
        }
        assert!(store.delete(2).unwrap());
        assert!(!store.delete(2).unwrap());
        assert!(!store.delete(99).unwrap());
        assert!(store.get(2).unwrap().is_none());
        assert_eq!(store.get(3).unwrap().unwrap().message, "c");
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(ids(&store.list(0, 10).unwrap()), [1, 3]);
        // Deleting the last message never lets its id be used again.
        assert!(store.delete(3).unwrap());
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(store.add(new("d")).unwrap().id, 4);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
