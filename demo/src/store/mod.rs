//! The next level: data that survives a crash, and more than one server.
//!
//! The handlers do not know where messages live. They talk to a
//! [`MessageStore`]: add, get, delete, and list them. Two backends keep
//! that promise:
//!
//! - [`FileStore`] (the default): one append-only JSON-lines file in the
//!   data directory. Nothing to install; one process owns the file.
//! - [`PgStore`] (`--database-url postgres://...`): a table in PostgreSQL,
//!   so that several instances of the site, behind a reverse proxy, share
//!   one list of messages.
//!
//! Both make the same promises: a message is durable (on disk, or
//! committed) before [`MessageStore::add`] returns, so the `201` or the
//! thank-you page is only sent for a message that a crash cannot lose; ids
//! are unique and increasing and never reused; and the answers have the
//! same shape. When the store cannot be reached (the database is down),
//! its methods return [`StoreError::Unavailable`], which the handlers turn
//! into `503 Service Unavailable`; the rest of the site keeps working.

pub mod file;
pub mod postgres;

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::validate::NewMessage;

pub use self::file::{FileStore, FILE_NAME};
pub use self::postgres::{Migration, PgStore, MIGRATIONS};

/// The store the app shares between its worker threads: one of the two
/// backends, chosen at start by `--database-url`. Handlers ask for it
/// with `State<Store>` and call the [`MessageStore`] methods on it.
pub type Store = Box<dyn MessageStore>;

/// What the site needs from wherever messages are kept.
///
/// Every method may fail with [`StoreError`]; none of them waits for
/// long (the PostgreSQL backend has connect and statement timeouts).
pub trait MessageStore: Send + Sync {
    /// Stores a validated message and returns it with its id and time.
    /// When this returns `Ok`, the message is durable.
    fn add(&self, new: NewMessage) -> Result<Message, StoreError>;

    /// Message `id`, if it exists.
    fn get(&self, id: u64) -> Result<Option<Message>, StoreError>;

    /// Deletes message `id`; `Ok(false)` when there is no such message.
    fn delete(&self, id: u64) -> Result<bool, StoreError>;

    /// Up to `limit` messages after skipping `offset`, id ascending (the
    /// JSON API).
    fn list(&self, offset: u64, limit: usize) -> Result<Vec<Message>, StoreError>;

    /// Up to `limit` messages with an id below `before` (all ids when
    /// `None`), newest first (the pages of `/messages`).
    fn newest(&self, before: Option<u64>, limit: usize) -> Result<Vec<Message>, StoreError>;

    /// Where the messages are, for the start-up banner: never a password.
    fn describe(&self) -> String;
}

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

/// `time` the way [`Message::created_at`] shows it on both backends:
/// RFC 3339, UTC, whole seconds (`2024-05-01T10:00:00Z`).
pub fn format_time(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Why the store could not do what was asked.
#[derive(Debug)]
pub enum StoreError {
    /// The store cannot be reached right now (the database is down, or too
    /// slow to answer in time). Worth trying again later: `503`.
    Unavailable(String),
    /// Anything else: a disk error, a row that does not read. `500`.
    Failed(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) | StoreError::Failed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> StoreError {
        StoreError::Failed(format!("I/O error: {e}"))
    }
}

/// What a visitor sees: `503` with a hint to retry, or a plain `500`. The
/// details go to the log only.
impl From<StoreError> for rung::Error {
    fn from(e: StoreError) -> rung::Error {
        match e {
            StoreError::Unavailable(why) => {
                log::warn!("message store unavailable: {why}");
                rung::Error::new(
                    rung::Status::SERVICE_UNAVAILABLE,
                    "the messages cannot be reached right now; please try again in a few seconds",
                )
            }
            StoreError::Failed(why) => {
                log::error!("message store failed: {why}");
                rung::Error::internal("internal error (message store)")
            }
        }
    }
}
