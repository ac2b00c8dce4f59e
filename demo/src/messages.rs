//! Level 4, continued: a list rendered with `{% for %}`, a page at a time.
//!
//! `messages.html` loops over the messages of one page. Every field is
//! printed with `{{ }}`, which escapes `& < > " '`: a message containing
//! `<script>` shows up as text, it does not run. That is why the template
//! never uses `raw` for anything that came from a visitor.
//!
//! The newest messages come first, [`PAGE_SIZE`] to a page. The link to
//! the older ones says where the next page starts: `?before=ID`, the id of
//! the last message shown. Unlike `?page=N`, that stays right while new
//! messages arrive, and lets the store go straight to the page (a binary
//! search in the file's index, the primary key in PostgreSQL) instead of
//! counting its way past every newer message. Memory per request stays the
//! same however many messages there are.

use rung::{get, Error, Html, Query, State, Templates};
use serde::{Deserialize, Serialize};

use crate::layout;
use crate::store::Store;

/// Messages on one page.
pub const PAGE_SIZE: usize = 50;

/// `?before=ID`: only messages older than `ID` (a whole number; anything
/// else is a `400` from `Query`). Serialized too, for the link to the
/// next page, built by `list::url()` from this route itself.
#[derive(Debug, Deserialize, Serialize)]
pub struct PageQuery {
    /// Show messages with a smaller id than this.
    pub before: Option<u64>,
}

/// One page of messages, newest first, with a link to older ones.
#[get("/messages")]
pub fn list(
    query: Query<PageQuery>,
    store: State<Store>,
    templates: State<Templates>,
) -> Result<Html<String>, Error> {
    let before = query.0.before;
    // One more than a page: if it comes back, there are older messages.
    let mut messages = store.newest(before, PAGE_SIZE + 1)?;
    let more = messages.len() > PAGE_SIZE;
    messages.truncate(PAGE_SIZE);
    // The link to older messages, from this route's own URL builder.
    let older = match messages.last() {
        Some(last) if more => Some(list::url().query(&PageQuery {
            before: Some(last.id),
        })),
        _ => None,
    };
    let context = serde_json::json!({
        "messages": messages,
        "older": older,
        "newest": list::url(),
        "paged": before.is_some(),
    });
    layout::page(&templates, "Messages", "messages.html", &context)
}
