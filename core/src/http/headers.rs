//! A list of header fields with case-insensitive lookup.

use std::borrow::Cow;

/// Header fields in the order they were sent or added.
///
/// Names compare case-insensitively (`content-type` finds `Content-Type`).
/// A plain `Vec` is the right shape here: a request has a handful of headers,
/// and a linear scan over them beats hashing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// An empty list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Headers {
        Headers {
            fields: Vec::with_capacity(n),
        }
    }

    /// The value of the first field called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The values of every field called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Whether a field called `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether the comma-separated list in the fields called `name` holds
    /// `token` (case-insensitive), as in `Connection: keep-alive, Upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|v| v.split(','))
            .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
    }

    /// Adds a field, keeping any others of the same name (`Set-Cookie`).
    pub fn append(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.fields.push((name.into(), value.into()));
    }

    /// Sets a field, replacing every other field of the same name.
    pub fn insert(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        let name = name.into();
        self.remove(&name);
        self.fields.push((name, value.into()));
    }

    /// Removes every field called `name`.
    pub fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Every `(name, value)` pair, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// `s` without the optional whitespace around it: spaces and tabs only
/// (OWS, RFC 9110 §5.6.3). Not `str::trim`, which also strips Unicode
/// spaces: httparse lets U+00A0 through (its UTF-8 bytes are obs-text),
/// and `Transfer-Encoding: \u{a0}chunked` must not be `chunked` to rung
/// while it is an unknown coding to a proxy in front (request smuggling).
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// Whether `name` may be written as a header name: a non-empty RFC 9110
/// token. Anything else (spaces, `:`, CR, LF, NUL) could split a response.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}

/// Whether `b` may be part of an RFC 9110 token (`tchar`): the methods,
/// header names, transfer codings and chunk extensions are tokens.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `value` may be written as a header value: no CR, LF, NUL or other
/// control character except tab. A handler that puts `"x\r\nSet-Cookie: ..."`
/// in a header must not be able to write a second header (response splitting).
pub fn is_valid_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case_and_keeps_order() {
        let mut h = Headers::new();
        h.append("Set-Cookie", "a=1");
        h.append("set-cookie", "b=2");
        h.insert("Content-Type", "text/plain");
        assert_eq!(h.get("SET-COOKIE"), Some("a=1"));
        assert_eq!(h.get_all("set-cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
        h.insert("content-type", "text/html");
        assert_eq!(h.get_all("Content-Type").count(), 1);
        assert_eq!(h.get("content-type"), Some("text/html"));
    }

    #[test]
    fn tokens_in_lists() {
        let mut h = Headers::new();
        h.append("Connection", "Upgrade, Keep-Alive");
        assert!(h.has_token("connection", "keep-alive"));
        assert!(!h.has_token("connection", "close"));
        h.append("Connection", "\u{a0}close");
        assert!(!h.has_token("connection", "close"));
    }

    #[test]
    fn names_and_values_that_could_split_a_response_are_invalid() {
        assert!(is_valid_name("X-Custom"));
        assert!(!is_valid_name("X Custom"));
        assert!(!is_valid_name("X:"));
        assert!(!is_valid_name(""));
        assert!(is_valid_value("text/html; charset=utf-8\tok"));
        assert!(!is_valid_value("a\r\nSet-Cookie: x=1"));
        assert!(!is_valid_value("a\nb"));
        assert!(!is_valid_value("a\0b"));
    }
}
