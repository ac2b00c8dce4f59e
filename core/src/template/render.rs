//! The renderer: walks the tree of a template and writes the output.
//!
//! Values come from a JSON object, the *context*. A `{% for x in xs %}` loop
//! adds a [`Scope`] in which `x` is the current item and `loop` holds the
//! loop's counters; scopes are linked to their parent, so names are looked
//! up from the innermost loop outwards and finally in the context.
//!
//! All output is appended to one `String`; printed values are HTML-escaped
//! on the way in unless the template asked for `{{ raw ... }}`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::error::TemplateError;
use super::tree::{Expr, Node, Path};

/// Renders `nodes` with the values in `context`, which must be a JSON
/// object. `capacity` is how many bytes to reserve for the output up front.
pub(crate) fn render(
    name: &str,
    nodes: &[Node],
    context: &Value,
    capacity: usize,
) -> Result<String, TemplateError> {
    let Value::Object(root) = context else {
        return Err(TemplateError::whole(
            name,
            format!(
                "the context must be an object (a struct or a map) whose fields are \
                 the variables, not {}",
                kind_of(context)
            ),
        ));
    };
    let mut renderer = Renderer {
        name,
        root,
        out: String::with_capacity(capacity),
    };
    renderer.render_nodes(nodes, None)?;
    Ok(renderer.out)
}

/// Appends `text` to `out` with the five HTML special characters escaped:
/// `&` `<` `>` `"` `'` become `&amp;` `&lt;` `&gt;` `&quot;` `&#39;`.
///
/// That makes the text safe both between tags and inside a quoted attribute
/// value (`title="..."` or `title='...'`).
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // The special characters are all one byte (ASCII), so `i` and
        // `i + 1` are always character boundaries.
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Is `value` true for `{% if %}`? `false`, `null`, `""`, `0`, `[]` and `{}`
/// are false; everything else is true.
pub(crate) fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
    }
}

/// Is `segment` a list index (digits only)?
fn is_index(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

/// What kind of value `value` is, for error messages: "a list", "null", ...
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The names one `{% for %}` loop adds while it renders one item.
struct Scope<'s> {
    /// The scope of the enclosing loop, if any.
    parent: Option<&'s Scope<'s>>,
    /// The loop variable's name, as in `{% for x in xs %}`.
    variable: &'s str,
    /// The current item, the value of `variable`.
    item: &'s Value,
    /// `loop.index`, `loop.first`, `loop.last` and `loop.length`.
    counters: LoopCounters,
}

/// The values behind `loop.*` for the current item, stored as JSON values
/// so that a lookup can hand out a reference to them like to any other.
struct LoopCounters {
    /// `loop.index`: the item's position, starting at 1.
    index: Value,
    /// `loop.first`: is this the first item?
    first: Value,
    /// `loop.last`: is this the last item?
    last: Value,
    /// `loop.length`: how many items the list has.
    length: Value,
}

impl LoopCounters {
    /// The counters for the item at `position` (0-based) of `length` items.
    fn new(position: usize, length: usize) -> Self {
        LoopCounters {
            index: Value::from(position + 1),
            first: Value::Bool(position == 0),
            last: Value::Bool(position + 1 == length),
            length: Value::from(length),
        }
    }

    fn get(&self, field: &str) -> Option<&Value> {
        match field {
            "index" => Some(&self.index),
            "first" => Some(&self.first),
            "last" => Some(&self.last),
            "length" => Some(&self.length),
            _ => None,
        }
    }
}

/// The renderer's state: the template's name, the context, the output.
struct Renderer<'a> {
    name: &'a str,
    root: &'a Map<String, Value>,
    out: String,
}

impl<'a> Renderer<'a> {
    fn error(&self, path: &Path, message: impl Into<String>) -> TemplateError {
        TemplateError::at(self.name, path.pos, message)
    }

    /// Renders `nodes`, looking names up in `scope` and then the context.
    fn render_nodes<'s>(
        &mut self,
        nodes: &[Node],
        scope: Option<&'s Scope<'s>>,
    ) -> Result<(), TemplateError>
    where
        'a: 's,
    {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Print { value, raw } => self.print(value, *raw, scope)?,
                Node::If {
                    negated,
                    condition,
                    then_branch,
                    else_branch,
                } => {
                    let value = self.lookup(condition, scope)?;
                    if is_truthy(value) != *negated {
                        self.render_nodes(then_branch, scope)?;
                    } else {
                        self.render_nodes(else_branch, scope)?;
                    }
                }
                Node::For {
                    variable,
                    list,
                    body,
                    empty,
                } => self.render_for(variable, list, body, empty, scope)?,
            }
        }
        Ok(())
    }

    /// Renders a `{% for variable in list %}` block: `body` once per item,
    /// each time in a new scope, or `empty` if the list has no items.
    fn render_for<'s>(
        &mut self,
        variable: &str,
        list: &Path,
        body: &[Node],
        empty: &[Node],
        scope: Option<&'s Scope<'s>>,
    ) -> Result<(), TemplateError>
    where
        'a: 's,
    {
        let items = match self.lookup(list, scope)? {
            Value::Array(items) => items,
            other => {
                let message = format!(
                    "cannot loop over `{}`: it is {}, not a list",
                    list.prefix(list.segments.len()),
                    kind_of(other)
                );
                return Err(self.error(list, message));
            }
        };
        if items.is_empty() {
            return self.render_nodes(empty, scope);
        }
        for (position, item) in items.iter().enumerate() {
            let inner = Scope {
                parent: scope,
                variable,
                item,
                counters: LoopCounters::new(position, items.len()),
            };
            self.render_nodes(body, Some(&inner))?;
        }
        Ok(())
    }

    /// Writes the value of `{{ value }}` (escaped) or `{{ raw value }}`.
    fn print<'s>(
        &mut self,
        value: &Expr,
        raw: bool,
        scope: Option<&'s Scope<'s>>,
    ) -> Result<(), TemplateError>
    where
        'a: 's,
    {
        let path = match value {
            Expr::Str(text) => {
                self.push_text(text, raw);
                return Ok(());
            }
            Expr::Path(path) => path,
        };
        match self.lookup(path, scope)? {
            Value::String(text) => self.push_text(text, raw),
            // Numbers and booleans print as their JSON text, which has no
            // characters that need escaping. Writing to a `String` cannot
            // fail, so the `fmt::Result` is safely ignored.
            Value::Number(number) => {
                let _ = write!(self.out, "{number}");
            }
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Null => {}
            Value::Array(_) => {
                return Err(self.error(
                    path,
                    format!(
                        "cannot print a list (`{}`); loop over it with `{{% for %}}`",
                        path.prefix(path.segments.len())
                    ),
                ))
            }
            Value::Object(_) => {
                return Err(self.error(
                    path,
                    format!(
                        "cannot print an object (`{}`); print one of its fields instead",
                        path.prefix(path.segments.len())
                    ),
                ))
            }
        }
        Ok(())
    }

    fn push_text(&mut self, text: &str, raw: bool) {
        if raw {
            self.out.push_str(text);
        } else {
            push_escaped(&mut self.out, text);
        }
    }

    /// Finds the value of `path`: its first name in the innermost scope
    /// that has it, else in the context; then each field or index in turn.
    /// A name that is not found is an error, never an empty string.
    fn lookup<'s>(
        &self,
        path: &Path,
        scope: Option<&'s Scope<'s>>,
    ) -> Result<&'s Value, TemplateError>
    where
        'a: 's,
    {
        let (mut value, mut used) = self.lookup_start(path, scope)?;
        while let Some(segment) = path.segments.get(used) {
            used += 1;
            value = self.field(value, segment, path, used)?;
        }
        Ok(value)
    }

    /// The value of the path's first name (or of `loop.*`, which takes two
    /// segments), and how many segments that used.
    fn lookup_start<'s>(
        &self,
        path: &Path,
        scope: Option<&'s Scope<'s>>,
    ) -> Result<(&'s Value, usize), TemplateError>
    where
        'a: 's,
    {
        let first = path.segments[0].as_str();
        let mut current = scope;
        while let Some(scope) = current {
            if scope.variable == first {
                return Ok((scope.item, 1));
            }
            if first == "loop" {
                return self.loop_counter(path, scope);
            }
            current = scope.parent;
        }
        match self.root.get(first) {
            Some(value) => Ok((value, 1)),
            None => Err(self.error(path, format!("`{first}` is not defined"))),
        }
    }

    /// `loop.index`, `loop.first`, `loop.last` or `loop.length` of `scope`.
    fn loop_counter<'s>(
        &self,
        path: &Path,
        scope: &'s Scope<'s>,
    ) -> Result<(&'s Value, usize), TemplateError> {
        let Some(field) = path.segments.get(1) else {
            return Err(self.error(
                path,
                "`loop` is not a value by itself; use `loop.index`, `loop.first`, \
                 `loop.last` or `loop.length`",
            ));
        };
        match scope.counters.get(field) {
            Some(value) => Ok((value, 2)),
            None => Err(self.error(
                path,
                format!(
                    "`loop.{field}` is not defined; a loop has `loop.index`, `loop.first`, \
                     `loop.last` and `loop.length`"
                ),
            )),
        }
    }

    /// The part `segment` of `value`, the `used`-th segment of `path`: a
    /// field of an object or an item of a list.
    fn field<'s>(
        &self,
        value: &'s Value,
        segment: &str,
        path: &Path,
        used: usize,
    ) -> Result<&'s Value, TemplateError> {
        let found = match value {
            Value::Object(fields) => fields.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        found.ok_or_else(|| self.missing_field(value, path, used))
    }

    /// The error for a `used`-th segment of `path` that `value` lacks,
    /// saying why as precisely as it can.
    fn missing_field(&self, value: &Value, path: &Path, used: usize) -> TemplateError {
        let wanted = path.prefix(used);
        let parent = path.prefix(used - 1);
        let message = match value {
            Value::Object(_) => format!("`{wanted}` is not defined"),
            Value::Array(items) if is_index(&path.segments[used - 1]) => format!(
                "`{wanted}` is not defined: `{parent}` has {} item(s), counted from 0",
                items.len()
            ),
            Value::Array(_) => format!(
                "`{wanted}` is not defined: `{parent}` is a list, \
                 whose items are numbered (`{parent}.0`)"
            ),
            other => format!(
                "`{wanted}` is not defined: `{parent}` is {}, which has no fields",
                kind_of(other)
            ),
        };
        self.error(path, message)
    }
}
