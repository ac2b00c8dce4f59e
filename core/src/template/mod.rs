//! HTML templates: files with `{{ }}` and `{% %}` tags, filled in from a
//! serializable value.
//!
//! ```text
//! <h1>Messages</h1>
//! {% for m in messages %}
//!   <p>{{ loop.index }}. {{ m.name }}: {{ m.message }}</p>
//! {% else %}
//!   <p>No messages yet.</p>
//! {% endfor %}
//! ```
//!
//! # Syntax
//!
//! - `{{ name }}` prints a variable, HTML-escaped: `& < > " '` become
//!   `&amp; &lt; &gt; &quot; &#39;`. Strings print as they are (escaped),
//!   numbers and booleans as their JSON text, `null` as nothing. Printing a
//!   list or an object is an error.
//! - `{{ user.name }}` reads a field of an object; `{{ xs.0 }}` an item of
//!   a list (counted from 0). Names are ASCII letters, digits and `_`, and do
//!   not start with a digit.
//! - `{{ raw html }}` prints **without** escaping. Use it only for HTML you
//!   produced or trust; never for anything a user typed. (`raw` right after
//!   `{{` is always this keyword, never a variable.)
//! - `{{ "text" }}` prints a string literal (escaped, unless `raw`). That is
//!   how to write a literal `{{` or `{%`: `{{ "{{" }}`. In a string, `\"` is a
//!   quote and `\\` a backslash.
//! - `{% if x %} ... {% else %} ... {% endif %}`, and `{% if not x %}`. The
//!   values `false`, `null`, `""`, `0`, `[]` and `{}` are false, all others
//!   true. `{% else %}` is optional.
//! - `{% for x in xs %} ... {% else %} ... {% endfor %}` repeats its body for
//!   each item of the list `xs`; the optional `{% else %}` part is rendered
//!   when the list is empty. Inside, `x` is the item (it hides any outer `x`)
//!   and `loop.index` (from 1), `loop.first`, `loop.last` and `loop.length`
//!   describe the position. `loop` cannot be a loop variable's name.
//! - Spaces inside tags are free: `{{name}}` is `{{ name }}`.
//! - Blocks nest at most 64 deep.
//!
//! A variable that is not defined is an error, not an empty string. Every
//! error names the template, the line and the column (in characters):
//!
//! ```text
//! templates/thanks.html:3:14: `user.nmae` is not defined
//! ```
//!
//! # Use
//!
//! ```
//! use rung::template::Template;
//! use serde_json::json;
//!
//! let page = Template::parse("hello.html", "<p>Hello, {{ name }}!</p>").unwrap();
//! let html = page.render(&json!({ "name": "<Ada>" })).unwrap();
//! assert_eq!(html, "<p>Hello, &lt;Ada&gt;!</p>");
//! ```
//!
//! In an app, keep one [`Templates`] for the templates folder and call
//! `templates.render("thanks.html", &context)` with any `Serialize` value
//! whose fields are the variables.
//!
//! # How it works
//!
//! A template is read in three steps, one file each: `lex.rs` cuts the
//! source into tokens, `parse.rs` builds a tree of the nodes in `tree.rs`,
//! and `render.rs` walks that tree with the context to produce the output;
//! `error.rs` holds the error type they share. Reading and parsing happen once;
//! [`Templates`] keeps the parsed tree for every later render.

mod error;
mod lex;
mod parse;
mod render;
mod tree;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use serde::Serialize;
use serde_json::Value;

pub use error::TemplateError;

use tree::Node;

/// A folder of template files, each parsed on first use and then cached.
///
/// It is `Send + Sync`: share one (in an `Arc` or the app state) between all
/// the worker threads.
///
/// The cache is never refreshed: a file changed on disk after its first
/// render is not read again until the program restarts. A file with a syntax
/// error is not cached, so fixing it and rendering again works.
#[derive(Debug)]
pub struct Templates {
    dir: PathBuf,
    cache: RwLock<HashMap<String, Arc<Template>>>,
}

impl Templates {
    /// Templates read from the folder `dir`. Nothing is read until a
    /// template is first used.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Templates {
            dir: dir.into(),
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The folder the templates are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Renders the template `name` (a path relative to the folder, such as
    /// `"thanks.html"` or `"messages/list.html"`) with the fields of
    /// `context`, which must serialize to an object: a struct, a map or a
    /// `serde_json::json!({ ... })`.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
        let template = self.get(name)?;
        let context = serde_json::to_value(context).map_err(|error| {
            TemplateError::whole(
                template.name(),
                format!("the context cannot be turned into JSON: {error}"),
            )
        })?;
        template.render(&context)
    }

    /// The parsed template `name`, read and parsed on first use.
    ///
    /// Names with `..`, a leading `/`, a backslash or a NUL character are
    /// rejected, so that no file outside the folder can be read.
    pub fn get(&self, name: &str) -> Result<Arc<Template>, TemplateError> {
        check_name(name)?;
        // A poisoned lock only means another thread panicked while holding
        // it; the map inside is still whole, so it is used anyway.
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(template) = cache.get(name) {
            return Ok(Arc::clone(template));
        }
        drop(cache);

        // Errors name the file by its path, so an editor can jump to it.
        let path = self.dir.join(name);
        let file_name = path.display().to_string();
        let source =
            std::fs::read_to_string(&path).map_err(|error| TemplateError::io(&file_name, error))?;
        let template = Arc::new(Template::parse(&file_name, &source)?);

        // Two threads may have parsed the same file at once; the first one
        // stored wins and both use it.
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        let stored = cache.entry(name.to_string()).or_insert(template);
        Ok(Arc::clone(stored))
    }
}

/// Checks that `name` is a relative path that stays inside the folder.
fn check_name(name: &str) -> Result<(), TemplateError> {
    let problem = if name.is_empty() {
        "the name is empty"
    } else if name.contains('\0') {
        "the name contains a NUL character"
    } else if name.contains('\\') {
        "the name contains a backslash; separate folders with `/`"
    } else if Path::new(name)
        .components()
        .any(|part| !matches!(part, Component::Normal(_) | Component::CurDir))
    {
        "the name must be a relative path inside the templates folder, without `..`"
    } else {
        return Ok(());
    };
    // The name is shown escaped, so a hostile one cannot forge log lines.
    let shown = name.escape_debug().to_string();
    Err(TemplateError::whole(
        &shown,
        format!("invalid template name: {problem}"),
    ))
}

/// One parsed template, ready to render any number of times.
#[derive(Debug)]
pub struct Template {
    name: String,
    nodes: Vec<Node>,
    /// The length of the last output, used to reserve the next one's
    /// capacity in one go (a loop's output is longer than its source).
    last_len: AtomicUsize,
}

impl Template {
    /// Parses `source`. `name` is only used in error messages.
    pub fn parse(name: &str, source: &str) -> Result<Template, TemplateError> {
        let tokens = lex::lex(name, source)?;
        let nodes = parse::parse(name, tokens)?;
        Ok(Template {
            name: name.to_string(),
            last_len: AtomicUsize::new(tree::text_len(&nodes)),
            nodes,
        })
    }

    /// The name given to [`Template::parse`]; for a file, its path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renders the template with the fields of `context`, which must be a
    /// JSON object.
    pub fn render(&self, context: &Value) -> Result<String, TemplateError> {
        // The guess only sizes the buffer, so `Relaxed` ordering is enough.
        let capacity = self.last_len.load(Ordering::Relaxed);
        let output = render::render(&self.name, &self.nodes, context, capacity)?;
        self.last_len.store(output.len(), Ordering::Relaxed);
        Ok(output)
    }
}

/// Returns `text` with the five HTML special characters escaped, exactly as
/// `{{ }}` prints it: `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;`
/// `&quot;` `&#39;`. Handy for HTML built in code rather than a template.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    render::push_escaped(&mut out, text);
    out
}
