//! The grammar of a route's path, in one place for the two that read it:
//! the route attributes (`rung-macros`), which refuse a bad path when the
//! program compiles, and the router (`rung`), which builds its tree from
//! the same segments when the program starts. Being one function, the two
//! cannot disagree about what a path means.
//!
//! ```text
//! /api/messages/{id}      a static segment, another, then a parameter
//! /static/{*path}         a tail: the rest of the path, slashes included
//! /café/menu              any text but the characters listed below
//! ```
//!
//! The rules:
//! - a path starts with `/`, and segments are separated by a single `/`
//!   (a trailing `/` is allowed and is part of the path: `/about/`);
//! - a parameter fills a whole segment: `{name}`, with `name` a Rust
//!   identifier other than `_`, or `{*name}` as the last segment only;
//! - no name appears twice;
//! - no character that means something else in a URL or cannot be in one:
//!   spaces, `?`, `#`, `%` (write the character itself: routes match the
//!   percent-decoded path), control characters and `"<>\^`|`.
//!
//! Static segments are kept as written, that is as the *decoded* text a
//! request's segment must equal: `/café` answers `GET /caf%C3%A9`.
//!
//! The way back, from a pattern and values to a URL, is here too
//! ([`encode_component`], [`encode_tail`], [`Pattern::url_template`]): the
//! URL builders that the route attributes write beside each route
//! (`show::url(5)`) encode each value so that the router, decoding the
//! request's segments, gives the handler that very value.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;

/// One segment of a path pattern: the text between two slashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Matches exactly this (decoded) text: `about`, `café`.
    Static(String),
    /// Matches any one non-empty segment and captures it: `{id}`.
    Param(String),
    /// Matches the rest of the path, slashes included: `{*path}`.
    Tail(String),
}

/// A path pattern that follows every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The segments, in order. `/` has none.
    pub segments: Vec<Segment>,
}

/// Why a path pattern is malformed: one message per mistake, in plain
/// words (the macros put each on the user's tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as written.
    pub path: String,
    /// What is wrong with it, one message for each mistake.
    pub problems: Vec<String>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path `{}`: {}", self.path, self.problems.join("; "))
    }
}

impl std::error::Error for PatternError {}

/// Everything [`analyse`] found in a path: the well-written segments (even
/// when others are not, so that later checks still have the parameters)
/// and one message per mistake.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The segments that are well written, in order.
    pub segments: Vec<Segment>,
    /// What is wrong, one message for each mistake; empty for a good path.
    pub problems: Vec<String>,
}

impl Analysis {
    /// The parameters, in order: `(name, is_tail)`.
    pub fn params(&self) -> impl Iterator<Item = (&str, bool)> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(name) => Some((name.as_str(), false)),
            Segment::Tail(name) => Some((name.as_str(), true)),
            Segment::Static(_) => None,
        })
    }
}

impl Pattern {
    /// Parses a path pattern, refusing it with every mistake it has.
    pub fn parse(path: &str) -> Result<Pattern, PatternError> {
        let analysis = analyse(path);
        if analysis.problems.is_empty() {
            Ok(Pattern {
                segments: analysis.segments,
            })
        } else {
            Err(PatternError {
                path: path.to_string(),
                problems: analysis.problems,
            })
        }
    }

    /// The names of the captured parameters, in order.
    pub fn param_names(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(n) | Segment::Tail(n) => Some(n.clone()),
                Segment::Static(_) => None,
            })
            .collect()
    }
}

impl Pattern {
    /// The pattern as a template for its URLs: each static segment
    /// percent-encoded, each parameter written `{name}` (a tail too, without
    /// its `*`). `/café/{id}` gives `/caf%C3%A9/{id}`.
    ///
    /// The route attributes use it as the format string of the URL builder
    /// they write (`format!("/caf%C3%A9/{id}", id = ...)`), filling each
    /// `{name}` with the value encoded by [`encode_component`] (a
    /// parameter) or [`encode_tail`] (a tail). Static segments never hold a
    /// brace, so every brace in the template is a parameter's.
    pub fn url_template(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_string();
        }
        let mut template = String::new();
        for segment in &self.segments {
            template.push('/');
            match segment {
                Segment::Static(text) => template.push_str(&encode_component(text)),
                Segment::Param(name) | Segment::Tail(name) => {
                    template.push('{');
                    template.push_str(name);
                    template.push('}');
                }
            }
        }
        template
    }
}

/// Percent-encodes `text` so it can be placed anywhere in a URL (a path
/// segment, a query name or value) or in a cookie value.
///
/// Only the RFC 3986 "unreserved" characters are kept as they are
/// (`A-Z a-z 0-9 - . _ ~`); every other byte of the UTF-8 text becomes
/// `%XX` with upper-case hex digits. So a `/` becomes `%2F` and stays inside
/// its segment: the router splits a request's path on the `/` it was sent
/// with, then decodes each segment (`rung::input::percent::decode`
/// reverses this function).
///
/// ```
/// assert_eq!(rung_path::encode_component("a b&c/é"), "a%20b%26c%2F%C3%A9");
/// ```
pub fn encode_component(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    out
}

/// Percent-encodes the value of a tail parameter (`{*path}`): its `/` stay
/// separators, and each piece between them is encoded with
/// [`encode_component`].
///
/// ```
/// assert_eq!(rung_path::encode_tail("css/site 2.css"), "css/site%202.css");
/// ```
pub fn encode_tail(text: &str) -> String {
    text.split('/')
        .map(encode_component)
        .collect::<Vec<_>>()
        .join("/")
}

/// Splits a path into segments the way patterns are split: `/` → `[]`,
/// `/a/b` → `["a", "b"]`, `/a/` → `["a", ""]`.
pub fn split_path(path: &str) -> impl Iterator<Item = &str> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    rest.split('/').filter({
        let empty = rest.is_empty();
        move |_| !empty
    })
}

/// Reads a path pattern: its segments and all its mistakes.
pub fn analyse(path: &str) -> Analysis {
    let mut found = Analysis::default();
    if !path.starts_with('/') {
        found
            .problems
            .push(format!("a route path starts with `/`: write `\"/{path}\"`"));
    }
    found.problems.extend(character_problems(path));

    let mut saw_empty_segment = false;
    let segments: Vec<&str> = split_path(path).collect();
    let last = segments.len().saturating_sub(1);
    let mut names: Vec<String> = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        // A trailing slash (`/about/`) leaves one empty last segment.
        if segment.is_empty() && index != last && !saw_empty_segment {
            saw_empty_segment = true;
            found.problems.push(
                "the path has `//`, an empty segment: use a single `/` between segments"
                    .to_string(),
            );
        }
        if !segment.contains(['{', '}']) {
            found.segments.push(Segment::Static(segment.to_string()));
            continue;
        }
        let Some((name, tail)) = segment_param(segment, &mut found.problems) else {
            continue;
        };
        if tail && index != last {
            found.problems.push(format!(
                "`{{*{name}}}` takes the rest of the path, so it must be the last segment"
            ));
        }
        if names.contains(&name) {
            found.problems.push(format!(
                "the parameter `{name}` appears twice in the path: give each a different name"
            ));
            continue;
        }
        names.push(name.clone());
        found.segments.push(if tail {
            Segment::Tail(name)
        } else {
            Segment::Param(name)
        });
    }
    found
}

/// Reads one segment that has a brace in it: `{id}` → `("id", false)`,
/// `{*path}` → `("path", true)`.
fn segment_param(segment: &str, problems: &mut Vec<String>) -> Option<(String, bool)> {
    let opens = segment.matches('{').count();
    let closes = segment.matches('}').count();
    if opens > closes {
        problems.push(format!(
            "`{segment}` has a `{{` that is never closed: write `{{name}}`"
        ));
        return None;
    }
    if closes > opens {
        problems.push(format!(
            "`{segment}` has a `}}` without a `{{` before it: write `{{name}}`"
        ));
        return None;
    }
    let inner = segment
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .filter(|inner| !inner.contains(['{', '}']));
    let Some(inner) = inner else {
        problems.push(format!(
            "`{segment}`: a parameter fills a whole segment between two `/`, \
             like `/files/{{name}}`"
        ));
        return None;
    };
    let (tail, name) = match inner.strip_prefix('*') {
        Some(name) => (true, name),
        None => (false, inner),
    };
    let braces = if tail { "{*name}" } else { "{name}" };
    if name.is_empty() {
        problems.push(format!(
            "`{segment}` has no name: write `{braces}` and an argument `name` to receive it"
        ));
        return None;
    }
    if !is_identifier(name) {
        problems.push(format!(
            "the parameter name `{name}` is not a Rust identifier (letters, digits and `_`, \
             not starting with a digit): it must match the name of an argument"
        ));
        return None;
    }
    Some((name.to_string(), tail))
}

/// True for names an argument can have: `id`, `user_id`, `_x1` (not `_`,
/// which is no name at all).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The characters of a path (or a catcher's prefix) that cannot be in a
/// route pattern, one message for each kind.
pub fn character_problems(path: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if path.chars().any(char::is_whitespace) {
        problems.push("a path cannot contain spaces: use `-` or `_` between words".to_string());
    }
    if path.contains('?') {
        problems.push(
            "a route path has no `?query`: read the query string with a `Query<T>` argument"
                .to_string(),
        );
    }
    if path.contains('#') {
        problems.push(
            "a route path has no `#`: browsers never send the `#fragment` to the server"
                .to_string(),
        );
    }
    if path.contains('%') {
        problems.push(
            "write the character itself instead of a `%` escape: rung matches \
             the decoded path"
                .to_string(),
        );
    }
    let other: String = path
        .chars()
        .filter(|c| c.is_control() || "\"<>\\^`|".contains(*c))
        .filter(|c| !c.is_whitespace())
        .collect();
    if !other.is_empty() {
        problems.push(format!(
            "a path cannot contain {}: these characters are not allowed in a URL",
            other
                .chars()
                .map(|c| format!("`{}`", c.escape_default()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    problems
}

/// The table of paths that both the route attributes and the router are
/// tested against (`macros/src/validate.rs`, `core/src/router/`): each good
/// path with its segments, each bad one with a piece of the message it
/// gets. One table, so that neither side can drift from the other.
#[doc(hidden)]
pub mod cases {
    /// Paths that follow the grammar.
    pub const GOOD: &[&str] = &[
        "/",
        "/about",
        "/about/",
        "/api/messages/{id}",
        "/users/{user_id}/posts/{post}",
        "/static/{*path}",
        "/a-b_c.d~e/f:g@h!$&'()*+,;=",
        "/café/menu",
        "/{_x1}",
    ];

    /// Paths that break it, each with a piece of its message.
    pub const BAD: &[(&str, &str)] = &[
        ("about", "starts with `/`"),
        ("/users/{}", "has no name"),
        ("/users/{*}", "has no name"),
        ("/users/{id", "never closed"),
        ("/users/id}", "without a `{`"),
        ("/files/{*rest}/edit", "must be the last segment"),
        ("/a/{id}/b/{id}", "appears twice"),
        ("/users/{user-id}", "not a Rust identifier"),
        ("/users/{1st}", "not a Rust identifier"),
        ("/users/{_}", "not a Rust identifier"),
        ("/files/{name}.txt", "whole segment"),
        ("/x{a}", "whole segment"),
        ("/a//b", "empty segment"),
        ("//", "empty segment"),
        ("/a b", "spaces"),
        ("/search?q=1", "`?query`"),
        ("/page#top", "`#fragment`"),
        ("/a%20b", "`%` escape"),
        ("/a|b", "`|`"),
        ("/a\u{0}b", "`\\u{0}`"),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_paths_have_no_problems() {
        for path in cases::GOOD {
            assert_eq!(analyse(path).problems, Vec::<String>::new(), "{path}");
            assert!(Pattern::parse(path).is_ok(), "{path}");
        }
    }

    #[test]
    fn each_mistake_has_a_message() {
        for (path, expected) in cases::BAD {
            let found = analyse(path).problems;
            assert!(
                found.iter().any(|m| m.contains(expected)),
                "{path}: expected a message with {expected:?}, got {found:?}"
            );
            assert!(Pattern::parse(path).is_err(), "{path}");
        }
    }

    #[test]
    fn patterns_parse_into_segments() {
        assert_eq!(Pattern::parse("/").unwrap().segments, vec![]);
        assert_eq!(
            Pattern::parse("/api/café/{id}").unwrap().segments,
            vec![
                Segment::Static("api".into()),
                Segment::Static("café".into()),
                Segment::Param("id".into())
            ]
        );
        assert_eq!(
            Pattern::parse("/static/{*path}").unwrap().segments[1],
            Segment::Tail("path".into())
        );
        assert_eq!(
            Pattern::parse("/a/").unwrap().segments,
            vec![Segment::Static("a".into()), Segment::Static("".into())]
        );
    }

    #[test]
    fn params_are_found_in_order_even_beside_mistakes() {
        let analysis = analyse("/u/{user}/f/{*rest}");
        assert_eq!(
            analysis.params().collect::<Vec<_>>(),
            [("user", false), ("rest", true)]
        );
        let broken = analyse("/u/{user}/a b/{id");
        assert_eq!(broken.params().collect::<Vec<_>>(), [("user", false)]);
        assert_eq!(broken.problems.len(), 2);
    }

    #[test]
    fn all_mistakes_of_a_path_are_reported() {
        assert_eq!(analyse("users/{*rest}/{id/a b").problems.len(), 4);
    }

    #[test]
    fn url_templates_encode_static_segments_and_keep_params() {
        let template = |path: &str| Pattern::parse(path).unwrap().url_template();
        assert_eq!(template("/"), "/");
        assert_eq!(template("/about/"), "/about/");
        assert_eq!(template("/api/messages/{id}"), "/api/messages/{id}");
        assert_eq!(template("/café/{*path}"), "/caf%C3%A9/{path}");
        assert_eq!(template("/a:b@c"), "/a%3Ab%40c");
    }

    #[test]
    fn values_are_encoded_for_their_place() {
        assert_eq!(encode_component("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_component("a/b c%"), "a%2Fb%20c%25");
        assert_eq!(encode_component(""), "");
        assert_eq!(encode_tail("a/b c/"), "a/b%20c/");
        assert_eq!(encode_tail("/é"), "/%C3%A9");
        assert_eq!(encode_tail(""), "");
    }

    #[test]
    fn paths_split_like_patterns() {
        assert_eq!(split_path("/").count(), 0);
        assert_eq!(split_path("/a/b").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(split_path("/a/").collect::<Vec<_>>(), ["a", ""]);
    }
}
