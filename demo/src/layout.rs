//! The look every page shares (Level 4: templates).
//!
//! The template engine has no `extends` or `include`, and needs none: a page
//! is rendered in two steps. First its own template (`home.html`,
//! `contact.html`, ...) makes the page's content; then `layout.html` wraps
//! that content in the header, navigation and footer:
//!
//! ```text
//! <main>
//! {{ raw content }}
//! </main>
//! ```
//!
//! `raw` prints without escaping. That is safe here, and only here, because
//! `content` is HTML this program produced from a template that escaped
//! every value it printed. Never give `raw` anything a visitor typed.

use rung::{Error, Html, Templates};
use serde::Serialize;

/// Renders the page template `name` with `context`, inside the layout.
pub fn page(
    templates: &Templates,
    title: &str,
    name: &str,
    context: &impl Serialize,
) -> Result<Html<String>, Error> {
    let content = render(templates, name, context)?;
    let context = serde_json::json!({ "title": title, "content": content });
    render(templates, "layout.html", &context).map(Html)
}

/// Renders one template; a template error becomes a `500` (its details,
/// with file, line and column, go to the log, not to the visitor).
pub fn render(
    templates: &Templates,
    name: &str,
    context: &impl Serialize,
) -> Result<String, Error> {
    templates.render(name, context).map_err(|e| {
        log::error!("template error: {e}");
        Error::internal("a page template failed; the details are in the server log")
    })
}
