//! A list of header fields with case-insensitive lookup.

use std::borrow::Cow;
use std::fmt;

/// Header fields in the order they were sent or added.
///
/// Names compare case-insensitively (`content-type` finds `Content-Type`).
/// A plain `Vec` is the right shape here: a request has a handful of headers,
/// and a linear scan over them beats hashing.
///
/// Names and values that are not `'static` are kept side by side in one
/// string the list owns, rather than in a `String` each: parsing a request
/// copies its fields into that string, and a list (with its string) is
/// reused by the next request of the thread, so that fields cost no
/// allocation of their own. Text of a removed field stays in the string
/// until the list is dropped.
#[derive(Clone, Default)]
pub struct Headers {
    fields: Vec<Field>,
    /// The text of every field whose name or value is [`Text::Here`].
    text: String,
}

/// One header field.
#[derive(Clone, Copy)]
struct Field {
    name: Text,
    value: Text,
    /// Known to be safe to write: set by rung itself from a name and value
    /// checked once (a security header, `Vary`, a content type). The
    /// response writer checks every other field before writing it.
    checked: bool,
}

/// Where the text of a name or value is.
#[derive(Clone, Copy)]
enum Text {
    /// In the program (`"Content-Type"`, `"nosniff"`).
    Static(&'static str),
    /// In the list's own string, at this range.
    Here { start: usize, end: usize },
}

impl Text {
    /// The length of the text, in bytes.
    #[inline]
    fn len(self) -> usize {
        match self {
            Text::Static(s) => s.len(),
            Text::Here { start, end } => end - start,
        }
    }

    /// The text itself, given the string of the list it belongs to.
    #[inline]
    fn within(self, text: &str) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Here { start, end } => &text[start..end],
        }
    }
}

impl Field {
    /// Whether the field is called `name`, given the string of its list.
    /// Lists are searched by name many times for every response, and most
    /// fields are not the one asked for: the lengths are compared before
    /// any text is looked at.
    #[inline]
    fn is_named(&self, text: &str, name: &str) -> bool {
        self.name.len() == name.len() && same_name(self.name.within(text), name)
    }
}

/// A dropped list goes back to its thread's spares, emptied.
impl Drop for Headers {
    fn drop(&mut self) {
        spares::give_back(
            std::mem::take(&mut self.fields),
            std::mem::take(&mut self.text),
        );
    }
}

/// Field lists kept for reuse, with their text (see `spares.rs`).
mod spares {
    use std::cell::RefCell;

    use super::Field;
    use crate::http::spares;

    /// How many spare lists a thread keeps.
    const KEPT: usize = 8;

    /// The room a spare list has: enough for the fields of a typical
    /// request or response, so that one list serves both.
    const ROOM: usize = 16;

    /// The largest text a kept list may hold on to. A browser's request
    /// has well under 2 KiB of header text; a list that grew beyond this
    /// (a huge cookie) is let go rather than kept for every request.
    const TEXT_KEPT: usize = 4096;

    thread_local! {
        static LISTS: RefCell<Vec<(Vec<Field>, String)>> = const { RefCell::new(Vec::new()) };
    }

    /// An empty list with room for at least `n` fields, and its text.
    pub(super) fn take(n: usize) -> (Vec<Field>, String) {
        match spares::take(&LISTS) {
            Some((list, text)) if list.capacity() >= n => (list, text),
            _ => (Vec::with_capacity(n.max(ROOM)), String::new()),
        }
    }

    /// Keeps `list` and `text`, emptied, for a later [`take`] (unless the
    /// list has no room of the usual size, or the text grew too large).
    pub(super) fn give_back(mut list: Vec<Field>, mut text: String) {
        if list.capacity() != ROOM || text.capacity() > TEXT_KEPT {
            return; // grown large, or never allocated: let it go
        }
        list.clear();
        text.clear();
        spares::give_back(&LISTS, (list, text), KEPT);
    }
}

/// Two lists are equal when they hold the same names and values in the
/// same order (whoever checked them).
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Headers {}

/// The fields as a list of `(name, value)` pairs.
impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// An empty list with room for `n` fields.
    ///
    /// The room is taken, when it can be, from a list an earlier request
    /// or response of this thread has finished with.
    pub fn with_capacity(n: usize) -> Headers {
        let (fields, text) = spares::take(n);
        Headers { fields, text }
    }

    /// The text of a name or value of this list.
    #[inline]
    fn resolve(&self, text: Text) -> &str {
        text.within(&self.text)
    }

    /// Keeps `s` in the list's own string.
    #[inline]
    fn keep(&mut self, s: &str) -> Text {
        let start = self.text.len();
        self.text.push_str(s);
        Text::Here {
            start,
            end: self.text.len(),
        }
    }

    /// `Static` for `'static` text, else a copy kept in the list.
    #[inline]
    #[allow(clippy::ptr_arg)] // not `&str`: which `Cow` it is decides copy or not
    fn store(&mut self, text: &Cow<'static, str>) -> Text {
        match text {
            Cow::Borrowed(s) => Text::Static(s),
            Cow::Owned(s) => self.keep(s),
        }
    }

    #[inline]
    fn push(&mut self, name: Text, value: Text, checked: bool) {
        debug_assert!(
            !checked || (is_valid_name(self.resolve(name)) && is_valid_value(self.resolve(value)))
        );
        self.fields.push(Field {
            name,
            value,
            checked,
        });
    }

    /// Every field's name and value, with the field itself.
    fn entries(&self) -> impl Iterator<Item = (&str, &str, &Field)> {
        self.fields
            .iter()
            .map(|f| (self.resolve(f.name), self.resolve(f.value), f))
    }

    /// The value of the first field called `name`, if any.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&str> {
        for field in &self.fields {
            if field.is_named(&self.text, name) {
                return Some(self.resolve(field.value));
            }
        }
        None
    }

    /// The values of every field called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.is_named(&self.text, name))
            .map(|f| self.resolve(f.value))
    }

    /// Whether a field called `name` is present.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether the comma-separated list in the fields called `name` holds
    /// `token` (case-insensitive), as in `Connection: keep-alive, Upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name).any(|value| list_has_token(value, token))
    }

    /// Adds a field whose name and value rung has checked already
    /// ([`is_valid_name`], [`is_valid_value`]), so that the response writer
    /// need not check them again for every response.
    #[inline]
    pub(crate) fn append_checked(&mut self, name: Cow<'static, str>, value: Cow<'static, str>) {
        self.append_shared(&name, &value, true);
    }

    /// [`Headers::append_checked`] for a value that is only borrowed: it
    /// is copied into the list's own text, with no allocation of its own.
    pub(crate) fn append_checked_copy(&mut self, name: &'static str, value: &str) {
        let value = self.keep(value);
        self.push(Text::Static(name), value, true);
    }

    /// Adds a field whose text its owner keeps (a setting of the app, added
    /// to every response): `'static` text is pointed to, other text copied
    /// into the list's own, so that neither costs an allocation.
    /// `checked` is as for [`Headers::append_checked`].
    #[inline]
    #[allow(clippy::ptr_arg)] // not `&str`: which `Cow` it is decides copy or not
    pub(crate) fn append_shared(
        &mut self,
        name: &Cow<'static, str>,
        value: &Cow<'static, str>,
        checked: bool,
    ) {
        let (name, value) = (self.store(name), self.store(value));
        self.push(name, value, checked);
    }

    /// [`Headers::insert`] for a field rung has checked already (see
    /// [`Headers::append_checked`]).
    pub(crate) fn insert_checked(&mut self, name: &'static str, value: Cow<'static, str>) {
        self.remove(name);
        self.append_checked(Cow::Borrowed(name), value);
    }

    /// Adds a field read from a request head: name and value are copied
    /// into the list's own text (see [`Headers`]).
    pub(crate) fn append_copy(&mut self, name: &str, value: &str) {
        let (name, value) = (self.keep(name), self.keep(value));
        self.push(name, value, false);
    }

    /// Every field with whether it was checked already: for the writer.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.entries()
            .map(|(name, value, f)| (name, value, f.checked))
    }

    /// Adds a field, keeping any others of the same name (`Set-Cookie`).
    pub fn append(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.append_shared(&name.into(), &value.into(), false);
    }

    /// Sets a field, replacing every other field of the same name.
    pub fn insert(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        let name = name.into();
        self.remove(&name);
        self.append(name, value);
    }

    /// Removes every field called `name`.
    pub fn remove(&mut self, name: &str) {
        if self.contains(name) {
            let text = &self.text;
            self.fields.retain(|f| !f.is_named(text, name));
        }
    }

    /// Every `(name, value)` pair, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries().map(|(name, value, _)| (name, value))
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

/// Whether the comma-separated list `value` holds `token`, whatever its
/// case, as in `Connection: keep-alive, Close`.
pub(crate) fn list_has_token(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
}

/// Whether two field names (or other short tokens) are the same, whatever
/// their ASCII case. Byte by byte: for text this short, that costs less
/// than `str::eq_ignore_ascii_case`, which is made for long text.
#[inline]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x.eq_ignore_ascii_case(&y))
}

/// `s` without the optional whitespace around it: spaces and tabs only
/// (OWS, RFC 9110 §5.6.3). Not `str::trim`, which also strips Unicode
/// spaces: httparse lets U+00A0 through (its UTF-8 bytes are obs-text),
/// and `Transfer-Encoding: \u{a0}chunked` must not be `chunked` to rung
/// while it is an unknown coding to a proxy in front (request smuggling).
pub(crate) fn trim_ows(s: &str) -> &str {
    // Byte by byte: space and tab are ASCII, so the cuts fall on
    // character boundaries.
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Whether `name` may be written as a header name: a non-empty RFC 9110
/// token. Anything else (spaces, `:`, CR, LF, NUL) could split a response.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}

/// Whether `b` may be part of an RFC 9110 token (`tchar`): the methods,
/// header names, transfer codings and chunk extensions are tokens.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// [`is_tchar`] as a table: every header name of every response is checked
/// byte by byte, and one load per byte is the cheapest check there is.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// Whether `value` may be written as a header value: no CR, LF, NUL or other
/// control character except tab. A handler that puts `"x\r\nSet-Cookie: ..."`
/// in a header must not be able to write a second header (response splitting).
pub fn is_valid_value(value: &str) -> bool {
    // Every response header passes through here, so the common case —
    // nothing suspect — is checked eight bytes at a time (each word by
    // `word_may_hold_control`, the last one overlapping); a word that may
    // hold a control byte (a tab, say) sends the value to the exact,
    // byte-by-byte check.
    let bytes = value.as_bytes();
    let exact = || {
        bytes
            .iter()
            .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
    };
    if bytes.len() < 8 {
        return exact();
    }
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let suspect = (0..bytes.len() / 8).any(|i| word_may_hold_control(word(i * 8)))
        || word_may_hold_control(word(bytes.len() - 8));
    !suspect || exact()
}

/// Whether some byte of `x` is below 0x20 or is 0x7f (DEL): never wrong
/// when it says no. The classic tests from "Bit Twiddling Hacks": a byte
/// below `n` (n ≤ 0x80) turns its top bit on in `x - n·0x01…01` while it
/// was off in `x`; a byte equal to `b` is a zero byte of `x ^ b·0x01…01`.
fn word_may_hold_control(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    let del = x ^ (ONES * 0x7f);
    let has_del = del.wrapping_sub(ONES) & !del & HIGHS;
    (below_space | has_del) != 0
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
    fn optional_whitespace_is_trimmed_on_both_sides_only() {
        for (raw, trimmed) in [
            ("  a b\t", "a b"),
            ("\t\t", ""),
            ("", ""),
            ("x", "x"),
            (" é ", "é"),
            ("\u{a0}x\u{a0}", "\u{a0}x\u{a0}"),
        ] {
            assert_eq!(trim_ows(raw), trimmed, "{raw:?}");
        }
    }

    #[test]
    fn a_control_byte_anywhere_in_a_value_of_any_length_is_found() {
        for len in 0..40 {
            let clean = "a".repeat(len);
            assert!(is_valid_value(&clean), "{len}");
            for at in 0..len {
                for bad in [0u8, b'\r', b'\n', 0x1f, 0x7f] {
                    let mut value = clean.clone().into_bytes();
                    value[at] = bad;
                    let value = String::from_utf8(value).unwrap();
                    assert!(!is_valid_value(&value), "{value:?}");
                }
                let mut tabbed = clean.clone().into_bytes();
                tabbed[at] = b'\t';
                assert!(is_valid_value(std::str::from_utf8(&tabbed).unwrap()));
            }
        }
        // Bytes at and above 0x80 (UTF-8) and the edges of the range.
        assert!(is_valid_value("x ~ é ü 日本 \u{80}\u{ff} end of it"));
        assert!(!is_valid_value("x ~ é ü 日本 \u{7f} end of it"));
    }

    #[test]
    fn a_dropped_list_is_reused_emptied_by_the_same_thread() {
        let mut first = Headers::with_capacity(4);
        first.append("X-Owned", String::from("value"));
        let room = first.fields.as_ptr();
        let text_room = first.text.as_ptr();
        drop(first);
        let mut second = Headers::with_capacity(2);
        assert_eq!(second.fields.as_ptr(), room, "the same allocation");
        assert!(second.is_empty());
        assert!(second.text.is_empty(), "the text is emptied too");
        second.append_copy("Host", "example.com");
        assert_eq!(second.text.as_ptr(), text_room, "and reused");
        assert_eq!(second.get("host"), Some("example.com"));
        // A list asked for with more room than the spares have is new.
        let big = Headers::with_capacity(100);
        assert!(big.fields.capacity() >= 100);
    }

    #[test]
    fn fields_of_every_kind_of_text_read_back_in_order() {
        let mut h = Headers::new();
        h.append("X-Static", "fixed");
        h.append(String::from("X-Owned-Name"), String::from("owned value"));
        h.append_copy("x-copied", "from a request");
        h.append_checked_copy("X-Request-Id", "abc-1");
        h.append_checked("Vary".into(), String::from("Accept-Encoding").into());
        let all: Vec<_> = h.iter().collect();
        assert_eq!(
            all,
            [
                ("X-Static", "fixed"),
                ("X-Owned-Name", "owned value"),
                ("x-copied", "from a request"),
                ("X-Request-Id", "abc-1"),
                ("Vary", "Accept-Encoding"),
            ]
        );
        let checked: Vec<_> = h.fields().map(|(_, _, checked)| checked).collect();
        assert_eq!(checked, [false, false, false, true, true]);
        assert_eq!(format!("{h:?}"), format!("{all:?}"), "debugs as its pairs");
    }

    #[test]
    fn removing_and_replacing_fields_leaves_the_others_intact() {
        let mut h = Headers::new();
        h.append_copy("A", "1");
        h.append(String::from("B"), String::from("2"));
        h.append_copy("a", "3");
        h.append("C", "4");
        h.remove("a");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("B", "2"), ("C", "4")]);
        h.insert("b", String::from("22"));
        h.insert("C", "44");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("b", "22"), ("C", "44")]);
        let copy = h.clone();
        assert_eq!(copy, h);
        assert_eq!(copy.get("B"), Some("22"));
        h.remove("b");
        assert_eq!(copy.len(), 2, "a clone keeps its own text");
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn names_compare_as_eq_ignore_ascii_case_does() {
        let words = [
            "",
            "a",
            "A",
            "b",
            "@",
            "`",
            "[",
            "{",
            "Host",
            "hOST",
            "host ",
            "Content-Type",
            "content-type",
            "content_type",
            "é",
            "É",
            "\u{e9}x",
            "X-Request-Id",
            "x-request-id",
        ];
        for a in words {
            for b in words {
                assert_eq!(same_name(a, b), a.eq_ignore_ascii_case(b), "{a:?} {b:?}");
            }
        }
        // Every pair of bytes, on its own and inside a word.
        for x in 0..128u8 {
            for y in 0..128u8 {
                let (a, b) = (char::from(x).to_string(), char::from(y).to_string());
                assert_eq!(same_name(&a, &b), a.eq_ignore_ascii_case(&b), "{x} {y}");
                let (a, b) = (format!("ab{a}cd"), format!("AB{b}CD"));
                assert_eq!(same_name(&a, &b), a.eq_ignore_ascii_case(&b), "{x} {y}");
            }
        }
    }

    #[test]
    fn the_tchar_table_is_the_grammar_of_rfc_9110() {
        for b in 0..=255u8 {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), tchar, "byte {b:#04x}");
        }
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
