//! Path patterns: `/about`, `/api/messages/{id}`, `/static/{*path}`.

use std::fmt;

/// One segment of a pattern (the parts between slashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Matches exactly this text: `about`.
    Static(String),
    /// Matches any one non-empty segment and captures it: `{id}`.
    Param(String),
    /// Matches the rest of the path, slashes included: `{*path}`.
    /// Only allowed last.
    Tail(String),
}

/// A parsed path pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The segments, in order. `/` has none.
    pub segments: Vec<Segment>,
}

/// Why a pattern is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
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

impl Pattern {
    /// Parses a pattern. The route attributes check the same rules at
    /// compile time; this check catches routes added by hand.
    pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
        let err = |msg: String| Err(PatternError(format!("path `{pattern}`: {msg}")));
        if !pattern.starts_with('/') {
            return err("must start with `/`".into());
        }
        let mut segments = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let parts: Vec<&str> = split_path(pattern).collect();
        for (i, part) in parts.iter().enumerate() {
            let segment = if let Some(inner) =
                part.strip_prefix('{').and_then(|p| p.strip_suffix('}'))
            {
                let (tail, name) = match inner.strip_prefix('*') {
                    Some(name) => (true, name),
                    None => (false, inner),
                };
                if !is_identifier(name) {
                    return err(format!("`{{{inner}}}` needs a name that is an identifier"));
                }
                if names.contains(&name) {
                    return err(format!("`{name}` is captured twice"));
                }
                names.push(name);
                if tail {
                    if i + 1 != parts.len() {
                        return err(format!("`{{*{name}}}` must be the last segment"));
                    }
                    Segment::Tail(name.to_string())
                } else {
                    Segment::Param(name.to_string())
                }
            } else if part.contains(['{', '}']) {
                return err(format!(
                    "`{part}`: a parameter must be a whole segment, like `{{id}}`"
                ));
            } else if part.contains(|c: char| c.is_whitespace() || c == '?' || c == '#' || c == '%')
            {
                return err(format!(
                    "`{part}` contains a character not allowed in a path pattern"
                ));
            } else {
                Segment::Static(part.to_string())
            };
            segments.push(segment);
        }
        Ok(Pattern { segments })
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

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_into_segments() {
        assert_eq!(Pattern::parse("/").unwrap().segments, vec![]);
        assert_eq!(
            Pattern::parse("/api/messages/{id}").unwrap().segments,
            vec![
                Segment::Static("api".into()),
                Segment::Static("messages".into()),
                Segment::Param("id".into())
            ]
        );
        assert_eq!(
            Pattern::parse("/static/{*path}").unwrap().segments[1],
            Segment::Tail("path".into())
        );
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in [
            "about", "/{}", "/{a", "/{*a}/b", "/{a}/{a}", "/x{a}", "/a b", "/{1a}", "/a?b",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_split_like_patterns() {
        assert_eq!(split_path("/").count(), 0);
        assert_eq!(split_path("/a/b").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(split_path("/a/").collect::<Vec<_>>(), ["a", ""]);
    }
}
