//! Level 5 — keep what was sent: messages saved to a JSON file, and listed.
//!
//! The contact form of level 4 now saves each message to
//! `DATA_DIR/lesson-messages.json` (`--data-dir`, default `./data`), and
//! `GET /messages` lists them.
//!
//! # Why not just `fs::write`?
//!
//! `fs::write(path, json)` first empties the file, then writes the new
//! bytes. If the server crashes (or the power goes) in between, the file
//! is left empty or half-written — a *torn write* — and every message is
//! lost, not only the new one. Instead:
//!
//! 1. write the whole new content to a temporary file beside it;
//! 2. `sync_all` (fsync): wait until the disk really has those bytes, not
//!    just the kernel's cache;
//! 3. `rename` the temporary file over the real one. A rename is atomic:
//!    anyone opening the file sees the old content or the new, never half;
//! 4. fsync the folder too: the rename changed *it*, and that change must
//!    reach the disk as well.
//!
//! Only then do we say "thank you". A lock makes two posts at the same
//! moment take turns, so neither overwrites the other's message.
//!
//! ```text
//! cargo run -p demo --bin level5 -- --data-dir /tmp/lesson
//! cargo run -p demo --bin check -- 5
//! ```
//!
//! Rewriting the whole file for each message is fine for a lesson and
//! slow for a big site. rung's demo appends one line per message and
//! fsyncs, and reads past a torn last line: `demo/src/store/file.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 4's own `main` goes unused here
#[path = "level4.rs"]
mod level4;
pub use level4::*;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use serde_json::{json, Value};

/// The routes this level adds, or changes: a post is now saved.
pub const ROUTES: &[Route] = &[
    ("POST", "/contact", save_and_thank),
    ("GET", "/messages", list_page),
];

/// The site of this level: its routes, then those of level 4.
pub fn route(req: &Request) -> Response {
    dispatch(ROUTES, req).unwrap_or_else(|| level4::route(req))
}

/// Held while reading and rewriting the file: one writer at a time.
static STORE: Mutex<()> = Mutex::new(());

/// Where the messages are: `--data-dir`, default `./data`.
pub fn store_path() -> PathBuf {
    PathBuf::from(arg("data-dir").unwrap_or_else(|| "data".to_string()))
        .join("lesson-messages.json")
}

/// Every message saved, oldest first; none if there is no file yet.
pub fn load_messages() -> io::Result<Vec<Value>> {
    match fs::read(store_path()) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Saves a new message and returns it, with its id and time.
pub fn save_message(name: &str, email: Option<&str>, message: &str) -> io::Result<Value> {
    // A panic while the lock was held "poisons" it; the file is still
    // whole (that is the point of the rename), so carry on.
    let _turn = STORE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut messages = load_messages()?;
    let id = messages
        .iter()
        .filter_map(|m| m["id"].as_u64())
        .max()
        .unwrap_or(0)
        + 1;
    let new = json!({
        "id": id, "name": name, "email": email, "message": message, "created_at": now_rfc3339(),
    });
    messages.push(new.clone());

    let path = store_path();
    let dir = path.parent().unwrap_or(&path);
    fs::create_dir_all(dir)?;
    let temporary = path.with_extension("json.tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(&serde_json::to_vec_pretty(&messages)?)?;
    file.sync_all()?; // 2. on the disk, not only in the kernel's cache
    fs::rename(&temporary, &path)?; // 3. the old file or the new, never half
    File::open(dir)?.sync_all()?; // 4. the rename, a change to the folder, on the disk too
    Ok(new)
}

/// `POST /contact`: save, then thank. No thank-you if the save failed.
pub fn save_and_thank(req: &Request) -> Response {
    let form = parse_form(&req.body);
    let name = match field(&form, "name").trim() {
        "" => "anonymous",
        name => name,
    };
    let email = Some(field(&form, "email").trim()).filter(|e| !e.is_empty());
    match save_message(name, email, field(&form, "message").trim()) {
        Ok(_) => thank_you(name),
        Err(e) => internal_error(&format!("saving a message: {e}")),
    }
}

/// `GET /messages`: every message, escaped, newest first.
pub fn list_page(_req: &Request) -> Response {
    let messages = match load_messages() {
        Ok(messages) => messages,
        Err(e) => return internal_error(&format!("reading the messages: {e}")),
    };
    let mut page =
        String::from("<!doctype html>\n<title>Messages</title>\n<h1>Messages</h1>\n<ol>\n");
    for m in messages.iter().rev() {
        let text = |key: &str| escape_html(m[key].as_str().unwrap_or(""));
        page.push_str(&format!(
            "<li id=\"message-{}\"><strong>{}</strong>: {}</li>\n",
            m["id"],
            text("name"),
            text("message")
        ));
    }
    page.push_str("</ol>\n<p><a href=\"/contact\">Write one</a></p>\n");
    Response::html(200, page)
}

/// The time now, as RFC 3339 in UTC: `2026-11-27T10:48:36Z`.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a date: Howard Hinnant's `civil_from_days`,
    // counting in 400-year eras that start on March 1st.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

fn main() -> io::Result<()> {
    serve(&addr(), read_request, route)
}
