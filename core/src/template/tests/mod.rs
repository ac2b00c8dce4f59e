//! Unit tests of the template engine, one file per area, with the helpers
//! they share.

mod errors;
mod files;
mod fuzz;
mod output;

use serde_json::Value;

use super::{Template, TemplateError};

/// Parses and renders `source`, panicking (failing the test) on any error.
fn render(source: &str, context: Value) -> String {
    let template =
        Template::parse("t.html", source).unwrap_or_else(|error| panic!("parse failed: {error}"));
    template
        .render(&context)
        .unwrap_or_else(|error| panic!("render failed: {error}"))
}

/// The error that parsing `source` must produce.
fn parse_error(source: &str) -> TemplateError {
    match Template::parse("t.html", source) {
        Ok(template) => panic!("expected a syntax error, parsed {template:?}"),
        Err(error) => error,
    }
}

/// The error that rendering `source` (which must parse) must produce.
fn render_error(source: &str, context: Value) -> TemplateError {
    let template =
        Template::parse("t.html", source).unwrap_or_else(|error| panic!("parse failed: {error}"));
    match template.render(&context) {
        Ok(output) => panic!("expected a render error, got {output:?}"),
        Err(error) => error,
    }
}

/// Checks an error's line, column and that its message contains `words`.
#[track_caller]
fn assert_error(error: &TemplateError, line: usize, column: usize, words: &str) {
    assert_eq!(
        (error.line(), error.column()),
        (line, column),
        "wrong position for: {error}"
    );
    assert!(
        error.message().contains(words),
        "message {:?} does not contain {words:?}",
        error.message()
    );
}
