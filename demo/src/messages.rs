//! Level 4, continued: a list rendered with `{% for %}`.
//!
//! `messages.html` loops over the stored messages. Every field is printed
//! with `{{ }}`, which escapes `& < > " '`: a message containing
//! `<script>` shows up as text, it does not run. That is why the template
//! never uses `raw` for anything that came from a visitor.

use rung::{get, Error, Html, State, Templates};

use crate::layout;
use crate::store::Store;

/// Every stored message, oldest first.
#[get("/messages")]
pub fn list(store: State<Store>, templates: State<Templates>) -> Result<Html<String>, Error> {
    let messages = store.list(0, usize::MAX);
    let context = serde_json::json!({ "messages": messages });
    layout::page(&templates, "Messages", "messages.html", &context)
}
