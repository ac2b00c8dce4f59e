//! The one error type of the template engine, and the source position it
//! points at.
//!
//! Every mistake, whether found while reading a template (a syntax error) or
//! while filling it in (a missing variable), becomes a [`TemplateError`] that
//! names the template and, when it is about a place in the source, the line
//! and column of that place. Printed, it looks like a compiler message:
//!
//! ```text
//! templates/thanks.html:3:14: `user.nmae` is not defined
//! ```

use std::error::Error;
use std::fmt;
use std::io;

/// A place in a template's source: 1-based line and column.
///
/// Columns count characters, not bytes, so `é` and `日` each move the column
/// by one, just as an editor shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    /// The line, starting at 1.
    pub line: usize,
    /// The column (in characters), starting at 1.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An error from parsing or rendering a template.
///
/// It carries the template's name (for a file, its path), the 1-based line and
/// column the problem is at, and a message. Errors that are not about one
/// place in the source (a missing file, a context that is not an object) have
/// line and column 0, and print without them.
#[derive(Debug)]
pub struct TemplateError {
    name: String,
    position: Option<Pos>,
    message: String,
    /// The I/O error behind a "cannot read the template" error, if any.
    io: Option<io::Error>,
}

impl TemplateError {
    /// An error about the place `pos` in the template `name`.
    pub(crate) fn at(name: &str, pos: Pos, message: impl Into<String>) -> Self {
        TemplateError {
            name: name.to_string(),
            position: Some(pos),
            message: message.into(),
            io: None,
        }
    }

    /// An error about the template `name` as a whole, not one place in it.
    pub(crate) fn whole(name: &str, message: impl Into<String>) -> Self {
        TemplateError {
            name: name.to_string(),
            position: None,
            message: message.into(),
            io: None,
        }
    }

    /// The template file `name` could not be read.
    pub(crate) fn io(name: &str, error: io::Error) -> Self {
        TemplateError {
            name: name.to_string(),
            position: None,
            message: format!("cannot read the template: {error}"),
            io: Some(error),
        }
    }

    /// The template's name; for a template loaded from a folder, its path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 1-based line of the problem, or 0 if it is not about one place.
    pub fn line(&self) -> usize {
        self.position.map_or(0, |pos| pos.line)
    }

    /// The 1-based column (in characters) of the problem, or 0 if it is not
    /// about one place.
    pub fn column(&self) -> usize {
        self.position.map_or(0, |pos| pos.column)
    }

    /// What went wrong, without the name and position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TemplateError {
    /// `name:line:column: message`, or `name: message` without a position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(pos) => write!(f, "{}:{}: {}", self.name, pos, self.message),
            None => write!(f, "{}: {}", self.name, self.message),
        }
    }
}

impl Error for TemplateError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.io
            .as_ref()
            .map(|error| error as &(dyn Error + 'static))
    }
}
