//! The lexer: turns template source into a flat list of tokens.
//!
//! A template is plain text with two kinds of tags mixed in: `{{ ... }}`
//! prints a value and `{% ... %}` controls the flow (`if`, `for`). So the
//! lexer has two modes:
//!
//! - **text mode**: everything up to the next `{{` or `{%` is one
//!   [`TokenKind::Text`] token, copied to the output unchanged;
//! - **tag mode**, after an opening delimiter: words (`if`, `user`, `0`),
//!   dots, string literals, and finally the closing delimiter, which must
//!   match the opening one.
//!
//! The lexer knows nothing about what the words mean; that is the parser's
//! job. It only reports problems it can see on its own: a tag that is never
//! closed, a character that cannot appear in a tag, a broken string.

use super::error::{Pos, TemplateError};

/// What kind of token this is, with its text where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Plain text between tags, copied to the output as it is.
    Text(String),
    /// `{{`, the start of a print tag.
    PrintOpen,
    /// `}}`, the end of a print tag.
    PrintClose,
    /// `{%`, the start of a block tag.
    TagOpen,
    /// `%}`, the end of a block tag.
    TagClose,
    /// A run of ASCII letters, digits and `_`: a keyword (`if`, `for`, ...),
    /// a variable name (`user`) or a list index (`0`).
    Word(String),
    /// `.`, between the parts of a path such as `user.name`.
    Dot,
    /// A string literal such as `"{{"`, its escapes already resolved.
    Str(String),
}

/// One token and where it starts in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// What was found.
    pub kind: TokenKind,
    /// Where its first character is.
    pub pos: Pos,
}

/// Splits `source` into tokens. `name` is only used in error messages.
pub(crate) fn lex(name: &str, source: &str) -> Result<Vec<Token>, TemplateError> {
    let mut lexer = Lexer {
        name,
        cursor: Cursor::new(source),
        tokens: Vec::new(),
    };
    while !lexer.cursor.at_end() {
        if lexer.cursor.starts_with("{{") {
            lexer.lex_tag(Delimiter::Print)?;
        } else if lexer.cursor.starts_with("{%") {
            lexer.lex_tag(Delimiter::Block)?;
        } else {
            lexer.lex_text();
        }
    }
    Ok(lexer.tokens)
}

/// The two kinds of tag, told apart by their delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    /// `{{ ... }}`
    Print,
    /// `{% ... %}`
    Block,
}

impl Delimiter {
    fn open(self) -> &'static str {
        match self {
            Delimiter::Print => "{{",
            Delimiter::Block => "{%",
        }
    }

    fn close(self) -> &'static str {
        match self {
            Delimiter::Print => "}}",
            Delimiter::Block => "%}",
        }
    }
}

/// The lexer's state: where it is and what it has found so far.
struct Lexer<'s> {
    name: &'s str,
    cursor: Cursor<'s>,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn push(&mut self, kind: TokenKind, pos: Pos) {
        self.tokens.push(Token { kind, pos });
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> TemplateError {
        TemplateError::at(self.name, pos, message)
    }

    /// Text mode: reads up to the next `{{`, `{%` or the end.
    fn lex_text(&mut self) {
        let pos = self.cursor.pos();
        let start = self.cursor.rest;
        while !self.cursor.at_end()
            && !self.cursor.starts_with("{{")
            && !self.cursor.starts_with("{%")
        {
            self.cursor.bump();
        }
        // `rest` only ever moves forward by whole characters, so the part of
        // `start` that was read is a valid `&str`.
        let text = &start[..start.len() - self.cursor.rest.len()];
        if !text.is_empty() {
            self.push(TokenKind::Text(text.to_string()), pos);
        }
    }

    /// Tag mode: reads one whole tag, from its opening delimiter (which the
    /// cursor is on) to its closing one.
    fn lex_tag(&mut self, delimiter: Delimiter) -> Result<(), TemplateError> {
        let open = self.cursor.pos();
        self.cursor.bump_str(delimiter.open());
        self.push(
            match delimiter {
                Delimiter::Print => TokenKind::PrintOpen,
                Delimiter::Block => TokenKind::TagOpen,
            },
            open,
        );
        loop {
            self.cursor.skip_whitespace();
            let pos = self.cursor.pos();
            if self.cursor.at_end() {
                return Err(self.error(
                    open,
                    format!(
                        "`{}` is never closed; expected `{}`",
                        delimiter.open(),
                        delimiter.close()
                    ),
                ));
            }
            if self.cursor.starts_with(delimiter.close()) {
                self.cursor.bump_str(delimiter.close());
                let kind = match delimiter {
                    Delimiter::Print => TokenKind::PrintClose,
                    Delimiter::Block => TokenKind::TagClose,
                };
                self.push(kind, pos);
                return Ok(());
            }
            if self.cursor.starts_with("}}") || self.cursor.starts_with("%}") {
                let found = if self.cursor.starts_with("}}") {
                    "}}"
                } else {
                    "%}"
                };
                return Err(self.error(
                    pos,
                    format!(
                        "found `{found}`, but the `{}` at {open} must be closed with `{}`",
                        delimiter.open(),
                        delimiter.close()
                    ),
                ));
            }
            match self.cursor.peek() {
                Some('.') => {
                    self.cursor.bump();
                    self.push(TokenKind::Dot, pos);
                }
                Some('"') => {
                    let text = self.lex_string()?;
                    self.push(TokenKind::Str(text), pos);
                }
                Some(c) if is_word_char(c) => {
                    let word = self.cursor.take_while(is_word_char);
                    self.push(TokenKind::Word(word.to_string()), pos);
                }
                Some(c) => {
                    return Err(self.error(
                        pos,
                        format!(
                            "unexpected character `{}` inside `{} {}`",
                            c.escape_debug(),
                            delimiter.open(),
                            delimiter.close()
                        ),
                    ));
                }
                // Not reachable: `at_end` was checked above. Returning an
                // error instead of panicking keeps the lexer total.
                None => return Err(self.error(pos, "unexpected end of the template")),
            }
        }
    }

    /// Reads a string literal, the cursor being on its opening `"`.
    ///
    /// Two escapes are understood: `\"` for a quote and `\\` for a
    /// backslash. Anything else after a backslash is an error, so that a
    /// typo does not silently print something unexpected.
    fn lex_string(&mut self) -> Result<String, TemplateError> {
        let open = self.cursor.pos();
        self.cursor.bump(); // the opening quote
        let mut text = String::new();
        loop {
            let pos = self.cursor.pos();
            match self.cursor.bump() {
                None => return Err(self.error(open, "this string is never closed; expected `\"`")),
                Some('"') => return Ok(text),
                Some('\\') => match self.cursor.bump() {
                    Some(c @ ('"' | '\\')) => text.push(c),
                    Some(c) => {
                        return Err(self.error(
                            pos,
                            format!(
                            "unknown escape `\\{}` in a string; only `\\\"` and `\\\\` are allowed",
                            c.escape_debug()
                        ),
                        ))
                    }
                    None => {
                        return Err(self.error(open, "this string is never closed; expected `\"`"))
                    }
                },
                Some(c) => text.push(c),
            }
        }
    }
}

/// Can `c` be part of a word (a keyword, a name or an index)?
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A reading position in the source that keeps count of lines and columns.
///
/// It only ever moves forward one whole character at a time, so slicing the
/// source at its position can never cut a multi-byte character in half.
struct Cursor<'s> {
    /// The part of the source not read yet.
    rest: &'s str,
    line: usize,
    column: usize,
}

impl<'s> Cursor<'s> {
    fn new(source: &'s str) -> Self {
        Cursor {
            rest: source,
            line: 1,
            column: 1,
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.rest.starts_with(prefix)
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    /// Moves past one character and returns it.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.rest = &self.rest[c.len_utf8()..];
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    /// Moves past `text`, which the caller has checked is next.
    fn bump_str(&mut self, text: &str) {
        for _ in text.chars() {
            self.bump();
        }
    }

    fn skip_whitespace(&mut self) {
        self.take_while(char::is_whitespace);
    }

    /// Moves past the characters that match `keep` and returns them.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'s str {
        let start = self.rest;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        &start[..start.len() - self.rest.len()]
    }
}
