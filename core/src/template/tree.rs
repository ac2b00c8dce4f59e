//! The tree: what a parsed template is made of.
//!
//! The parser builds it once; the renderer walks it for every render. A
//! template is a list of [`Node`]s, and the `if` and `for` nodes hold lists
//! of nodes of their own, so the blocks nest like the tags in the source.
//!
//! For example, this source
//!
//! ```text
//! <ul>{% for m in messages %}<li>{{ m.name }}</li>{% endfor %}</ul>
//! ```
//!
//! becomes
//!
//! ```text
//! Text("<ul>")
//! For { variable: "m", list: messages, body: [
//!     Text("<li>"), Print { value: m.name, raw: false }, Text("</li>")
//! ], empty: [] }
//! Text("</ul>")
//! ```

use super::error::Pos;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Text copied to the output as it is.
    Text(String),
    /// `{{ value }}` (escaped) or `{{ raw value }}` (not escaped).
    Print {
        /// What to print.
        value: Expr,
        /// `true` for `{{ raw ... }}`: print trusted HTML without escaping.
        raw: bool,
    },
    /// `{% if [not] condition %} then {% else %} otherwise {% endif %}`.
    If {
        /// `true` for `{% if not ... %}`.
        negated: bool,
        /// The variable whose truthiness decides.
        condition: Path,
        /// Rendered when the condition holds.
        then_branch: Vec<Node>,
        /// Rendered when it does not (empty without `{% else %}`).
        else_branch: Vec<Node>,
    },
    /// `{% for variable in list %} body {% else %} empty {% endfor %}`.
    For {
        /// The name each item is bound to inside the body.
        variable: String,
        /// The list to loop over.
        list: Path,
        /// Rendered once per item.
        body: Vec<Node>,
        /// Rendered instead when the list is empty.
        empty: Vec<Node>,
    },
}

/// Something that can be printed by `{{ }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A variable, such as `user.name`.
    Path(Path),
    /// A string literal, such as `"{{"`.
    Str(String),
}

/// A variable with an optional chain of fields or list indexes:
/// `user`, `user.name`, `messages.0.text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    /// The parts between the dots; never empty. The first is a name, the
    /// others are names (object fields) or numbers (list indexes).
    pub segments: Vec<String>,
    /// Where the path starts in the source, for error messages.
    pub pos: Pos,
}

impl Path {
    /// The first `count` segments joined by dots, as written in the source:
    /// `user.nmae` for `count == 2`. Used to say exactly which part of a
    /// path is missing.
    pub fn prefix(&self, count: usize) -> String {
        self.segments[..count.min(self.segments.len())].join(".")
    }
}

/// The number of bytes of plain text in `nodes`, counting each block once.
/// A cheap first guess at how long the output will be.
pub(crate) fn text_len(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|node| match node {
            Node::Text(text) => text.len(),
            Node::Print { .. } => 0,
            Node::If {
                then_branch,
                else_branch,
                ..
            } => text_len(then_branch).max(text_len(else_branch)),
            Node::For { body, empty, .. } => text_len(body).max(text_len(empty)),
        })
        .sum()
}
