//! The parser: turns the lexer's flat list of tokens into a tree of nodes.
//!
//! It is a small recursive-descent parser. [`Parser::parse_nodes`] reads
//! nodes until it meets a tag that ends a block (`else`, `endif`, `endfor`)
//! or the end of the template, and hands that ending back to its caller,
//! which decides whether it is the right one. An `{% if %}` thus calls
//! `parse_nodes` for its body and expects `else` or `endif` back; the top
//! level expects only the end of the template.
//!
//! Where errors point: a problem with a whole tag (an unknown tag, a stray
//! `{% endif %}`, a block that is never closed) points at the tag's `{%`; a
//! problem inside a tag (a bad name, a missing `in`) points at the token.

use std::iter::Peekable;
use std::vec::IntoIter;

use super::error::{Pos, TemplateError};
use super::lex::{Token, TokenKind};
use super::tree::{Expr, Node, Path};

/// How deeply `{% if %}` and `{% for %}` blocks may nest. Deeper templates
/// are rejected, so that hostile input cannot exhaust the stack of the
/// parser or the renderer, which both recurse once per level.
pub(crate) const MAX_DEPTH: usize = 64;

/// Builds the tree of a template from its tokens. `name` is only used in
/// error messages.
pub(crate) fn parse(name: &str, tokens: Vec<Token>) -> Result<Vec<Node>, TemplateError> {
    let mut parser = Parser {
        name,
        tokens: tokens.into_iter().peekable(),
    };
    let (nodes, end) = parser.parse_nodes(0)?;
    match end {
        BlockEnd::EndOfTemplate => Ok(nodes),
        BlockEnd::Else(pos) => Err(parser.error(
            pos,
            "`{% else %}` outside of an `{% if %}` or `{% for %}` block",
        )),
        BlockEnd::EndIf(pos) => {
            Err(parser.error(pos, "`{% endif %}` without a matching `{% if %}`"))
        }
        BlockEnd::EndFor(pos) => {
            Err(parser.error(pos, "`{% endfor %}` without a matching `{% for %}`"))
        }
    }
}

/// What stopped [`Parser::parse_nodes`]: the end of the template or a tag
/// that ends (a part of) a block, with the position of its `{%`.
#[derive(Debug, Clone, Copy)]
enum BlockEnd {
    EndOfTemplate,
    Else(Pos),
    EndIf(Pos),
    EndFor(Pos),
}

/// What one `{% ... %}` tag turned out to be.
enum Tag {
    /// A whole `if` or `for` block.
    Block(Node),
    /// A tag that ends (a part of) the block around it.
    End(BlockEnd),
}

/// The parser's state: the tokens not read yet.
struct Parser<'n> {
    name: &'n str,
    tokens: Peekable<IntoIter<Token>>,
}

impl Parser<'_> {
    fn error(&self, pos: Pos, message: impl Into<String>) -> TemplateError {
        TemplateError::at(self.name, pos, message)
    }

    /// Takes the next token. Inside a tag there always is one (the lexer
    /// makes sure every tag is closed), but running out is reported as an
    /// error at `near` rather than trusted.
    fn next_in_tag(&mut self, near: Pos) -> Result<Token, TemplateError> {
        self.tokens
            .next()
            .ok_or_else(|| self.error(near, "unexpected end of the template inside a tag"))
    }

    /// Reads nodes until a block-ending tag or the end of the template.
    /// `depth` is how many blocks the nodes are inside of.
    fn parse_nodes(&mut self, depth: usize) -> Result<(Vec<Node>, BlockEnd), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(token) = self.tokens.next() {
            match token.kind {
                TokenKind::Text(text) => nodes.push(Node::Text(text)),
                TokenKind::PrintOpen => nodes.push(self.parse_print(token.pos)?),
                TokenKind::TagOpen => match self.parse_tag(token.pos, depth)? {
                    Tag::Block(node) => nodes.push(node),
                    Tag::End(end) => return Ok((nodes, end)),
                },
                other => {
                    // The lexer never produces these outside a tag.
                    let message = format!("unexpected {}", describe(&other));
                    return Err(self.error(token.pos, message));
                }
            }
        }
        Ok((nodes, BlockEnd::EndOfTemplate))
    }

    /// A `{% ... %}` tag, its `{%` (at `open`) already read. An `if` or a
    /// `for` is parsed whole, up to its `{% endif %}` or `{% endfor %}`.
    fn parse_tag(&mut self, open: Pos, depth: usize) -> Result<Tag, TemplateError> {
        let keyword = self.next_in_tag(open)?;
        let word = match keyword.kind {
            TokenKind::Word(word) => word,
            TokenKind::TagClose => return Err(self.error(open, "empty tag `{% %}`")),
            other => {
                let message = format!(
                    "expected a tag name such as `if`, found {}",
                    describe(&other)
                );
                return Err(self.error(keyword.pos, message));
            }
        };
        let end = match word.as_str() {
            "if" => return Ok(Tag::Block(self.parse_if(open, depth + 1)?)),
            "for" => return Ok(Tag::Block(self.parse_for(open, depth + 1)?)),
            "else" => BlockEnd::Else(open),
            "endif" => BlockEnd::EndIf(open),
            "endfor" => BlockEnd::EndFor(open),
            other => {
                let message =
                    format!("unknown tag `{other}`; the tags are if, else, endif, for and endfor");
                return Err(self.error(open, message));
            }
        };
        // `else`, `endif` and `endfor` take nothing after the keyword.
        self.expect_tag_close(&word, open)?;
        Ok(Tag::End(end))
    }

    /// `{{ value }}`, `{{ raw value }}` or `{{ "literal" }}`; `{{` is read.
    fn parse_print(&mut self, open: Pos) -> Result<Node, TemplateError> {
        let mut token = self.next_in_tag(open)?;
        let mut raw = false;
        if token.kind == TokenKind::Word("raw".to_string()) {
            raw = true;
            token = self.next_in_tag(open)?;
        }
        let value = match token.kind {
            TokenKind::Str(text) => Expr::Str(text),
            TokenKind::Word(word) => Expr::Path(self.parse_path(word, token.pos)?),
            TokenKind::PrintClose if !raw => {
                return Err(self.error(
                    open,
                    "empty `{{ }}`; expected a variable such as `{{ name }}`",
                ))
            }
            other => {
                let message = if raw {
                    format!(
                        "expected a variable or a string after `raw`, \
                         as in `{{{{ raw html }}}}`, found {}",
                        describe(&other)
                    )
                } else {
                    format!(
                        "expected a variable or a string, found {}",
                        describe(&other)
                    )
                };
                return Err(self.error(token.pos, message));
            }
        };
        let close = self.next_in_tag(open)?;
        if close.kind != TokenKind::PrintClose {
            return Err(self.error(
                close.pos,
                format!("expected `}}}}`, found {}", describe(&close.kind)),
            ));
        }
        Ok(Node::Print { value, raw })
    }

    /// `{% if [not] path %} ... [{% else %} ...] {% endif %}`; `{% if` is read.
    fn parse_if(&mut self, open: Pos, depth: usize) -> Result<Node, TemplateError> {
        self.check_depth(open, depth)?;
        let mut token = self.next_in_tag(open)?;
        let mut negated = false;
        if token.kind == TokenKind::Word("not".to_string()) {
            negated = true;
            token = self.next_in_tag(open)?;
        }
        let condition = match token.kind {
            TokenKind::Word(word) => self.parse_path(word, token.pos)?,
            TokenKind::TagClose => {
                return Err(self.error(open, "`{% if %}` needs a condition, as in `{% if user %}`"))
            }
            other => {
                return Err(self.error(
                    token.pos,
                    format!("expected a variable after `if`, found {}", describe(&other)),
                ))
            }
        };
        self.expect_tag_close("if", open)?;

        let (then_branch, end) = self.parse_nodes(depth)?;
        let (else_branch, end) = match end {
            BlockEnd::Else(_) => self.parse_nodes(depth)?,
            other => (Vec::new(), other),
        };
        match end {
            BlockEnd::EndIf(_) => Ok(Node::If {
                negated,
                condition,
                then_branch,
                else_branch,
            }),
            BlockEnd::EndOfTemplate => Err(self.error(
                open,
                "this `{% if %}` is never closed; expected `{% endif %}`",
            )),
            BlockEnd::Else(pos) => Err(self.error(
                pos,
                format!("a second `{{% else %}}` in the `{{% if %}}` at {open}"),
            )),
            BlockEnd::EndFor(pos) => Err(self.error(
                pos,
                format!(
                    "found `{{% endfor %}}`, but the `{{% if %}}` at {open} is still open; \
                     close it with `{{% endif %}}` first"
                ),
            )),
        }
    }

    /// `{% for x in path %} ... [{% else %} ...] {% endfor %}`; `{% for` is read.
    fn parse_for(&mut self, open: Pos, depth: usize) -> Result<Node, TemplateError> {
        self.check_depth(open, depth)?;
        let token = self.next_in_tag(open)?;
        let variable = match token.kind {
            TokenKind::Word(word) if word == "loop" => return Err(self.error(
                token.pos,
                "`loop` is reserved for the loop's counters (`loop.index`); choose another name",
            )),
            TokenKind::Word(word) if is_name(&word) => word,
            other => {
                return Err(self.error(
                    token.pos,
                    format!(
                        "expected a loop variable name, as in `{{% for x in xs %}}`, found {}",
                        describe(&other)
                    ),
                ))
            }
        };
        let token = self.next_in_tag(open)?;
        if token.kind != TokenKind::Word("in".to_string()) {
            return Err(self.error(
                token.pos,
                format!(
                    "expected `in` after the loop variable, as in `{{% for x in xs %}}`, found {}",
                    describe(&token.kind)
                ),
            ));
        }
        let token = self.next_in_tag(open)?;
        let list = match token.kind {
            TokenKind::Word(word) => self.parse_path(word, token.pos)?,
            other => {
                return Err(self.error(
                    token.pos,
                    format!(
                        "expected the list to loop over after `in`, found {}",
                        describe(&other)
                    ),
                ))
            }
        };
        self.expect_tag_close("for", open)?;

        let (body, end) = self.parse_nodes(depth)?;
        let (empty, end) = match end {
            BlockEnd::Else(_) => self.parse_nodes(depth)?,
            other => (Vec::new(), other),
        };
        match end {
            BlockEnd::EndFor(_) => Ok(Node::For {
                variable,
                list,
                body,
                empty,
            }),
            BlockEnd::EndOfTemplate => Err(self.error(
                open,
                "this `{% for %}` is never closed; expected `{% endfor %}`",
            )),
            BlockEnd::Else(pos) => Err(self.error(
                pos,
                format!("a second `{{% else %}}` in the `{{% for %}}` at {open}"),
            )),
            BlockEnd::EndIf(pos) => Err(self.error(
                pos,
                format!(
                    "found `{{% endif %}}`, but the `{{% for %}}` at {open} is still open; \
                     close it with `{{% endfor %}}` first"
                ),
            )),
        }
    }

    /// Rejects a block that would be nested more than [`MAX_DEPTH`] deep.
    fn check_depth(&self, open: Pos, depth: usize) -> Result<(), TemplateError> {
        if depth > MAX_DEPTH {
            return Err(self.error(
                open,
                format!("blocks are nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    /// A path `name(.field|.index)*`, its first word (at `pos`) already read.
    fn parse_path(&mut self, first: String, pos: Pos) -> Result<Path, TemplateError> {
        if !is_name(&first) {
            return Err(self.error(
                pos,
                format!("`{first}` is not a valid variable name; names start with a letter or `_`"),
            ));
        }
        let mut segments = vec![first];
        while self
            .tokens
            .peek()
            .is_some_and(|token| token.kind == TokenKind::Dot)
        {
            let dot = self.next_in_tag(pos)?;
            let token = self.next_in_tag(dot.pos)?;
            match token.kind {
                TokenKind::Word(word) if is_name(&word) || is_index(&word) => segments.push(word),
                TokenKind::Word(word) => {
                    return Err(self.error(
                        token.pos,
                        format!("`{word}` is neither a field name nor a list index"),
                    ))
                }
                other => {
                    return Err(self.error(
                        token.pos,
                        format!(
                            "expected a field name or a list index after `.`, found {}",
                            describe(&other)
                        ),
                    ))
                }
            }
        }
        Ok(Path { segments, pos })
    }

    /// Reads the `%}` that must end the tag that began with `keyword` at
    /// `open`.
    fn expect_tag_close(&mut self, keyword: &str, open: Pos) -> Result<(), TemplateError> {
        let token = self.next_in_tag(open)?;
        if token.kind != TokenKind::TagClose {
            return Err(self.error(
                token.pos,
                format!(
                    "unexpected {} in `{{% {keyword} ... %}}`; expected `%}}`",
                    describe(&token.kind)
                ),
            ));
        }
        Ok(())
    }
}

/// Is `word` a name: a letter or `_`, then letters, digits or `_`?
///
/// The lexer only makes words of those characters, so it is enough to
/// check that the first one is not a digit.
fn is_name(word: &str) -> bool {
    word.chars().next().is_some_and(|c| !c.is_ascii_digit())
}

/// Is `word` a list index: digits only?
fn is_index(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit())
}

/// How a token is named in an error message.
fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Text(_) => "text".to_string(),
        TokenKind::PrintOpen => "`{{`".to_string(),
        TokenKind::PrintClose => "`}}`".to_string(),
        TokenKind::TagOpen => "`{%`".to_string(),
        TokenKind::TagClose => "`%}`".to_string(),
        TokenKind::Word(word) => format!("`{word}`"),
        TokenKind::Dot => "`.`".to_string(),
        TokenKind::Str(_) => "a string".to_string(),
    }
}
