//! `multipart/form-data` (RFC 7578, framing from RFC 2046 §5.1): the body
//! format of HTML forms that upload files.
//!
//! The request's `Content-Type` names a *boundary*, a string that does not
//! occur in the data. The body is then a list of parts, each introduced by a
//! line `--BOUNDARY`, and the list ends with `--BOUNDARY--`:
//!
//! ```text
//! ignored preamble (usually empty)
//! --XyZ
//! Content-Disposition: form-data; name="title"
//!
//! Hello
//! --XyZ
//! Content-Disposition: form-data; name="photo"; filename="cat.png"
//! Content-Type: image/png
//!
//! <bytes of the file>
//! --XyZ--
//! ignored epilogue
//! ```
//!
//! Every line break in the framing is CRLF, and the CRLF just before a
//! `--BOUNDARY` belongs to the delimiter, not to the data (so the value of
//! `title` above is `Hello`, with no line break). A `--BOUNDARY` that is not
//! at the start of a line, or that is followed by something other than
//! `--` or a line end, is plain data.
//!
//! The body is already in memory (the engine caps it), so [`parse`] simply
//! slices it up. It never panics, whatever the bytes; every problem is a
//! [`MultipartError`] that says what is wrong (the extractors turn a
//! too-large part into `413` and the rest into `400`).

use std::fmt;

/// Default for [`MultipartLimits::max_parts`].
pub const DEFAULT_MAX_PARTS: usize = 100;
/// Default for [`MultipartLimits::max_header_bytes`]: 8 KiB.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;
/// Default for [`MultipartLimits::max_part_bytes`]: 1 MiB, the engine's
/// default body limit.
pub const DEFAULT_MAX_PART_BYTES: usize = 1024 * 1024;

/// Limits that keep a hostile body from costing too much to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartLimits {
    /// Most parts one body may hold. Protects against bodies of many tiny
    /// parts, each of which costs an allocation.
    pub max_parts: usize,
    /// Most bytes in the header block of one part (its lines before the
    /// blank line). Real headers are a few hundred bytes.
    pub max_header_bytes: usize,
    /// Most bytes of data in one part, file or text field.
    pub max_part_bytes: usize,
}

impl Default for MultipartLimits {
    fn default() -> Self {
        MultipartLimits {
            max_parts: DEFAULT_MAX_PARTS,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_part_bytes: DEFAULT_MAX_PART_BYTES,
        }
    }
}

/// One part of a multipart form: a text field or an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The form field's name (`name="..."`).
    pub name: String,
    /// The uploaded file's name, for file inputs (`filename="..."`).
    ///
    /// It is whatever the client sent, possibly empty (no file chosen) or
    /// with `..` and slashes in it: never use it as a path as it is.
    pub filename: Option<String>,
    /// The part's `Content-Type` header, if it had one (files usually do).
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: Vec<u8>,
}

impl Part {
    /// The data as text, or `None` if it is not valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.data).ok()
    }

    /// Whether this part is a file upload (it has a `filename`).
    pub fn is_file(&self) -> bool {
        self.filename.is_some()
    }
}

/// Why a multipart body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartError {
    /// The boundary is empty, longer than 70 characters, or uses characters
    /// RFC 2046 does not allow.
    InvalidBoundary,
    /// The body never contains a `--BOUNDARY` line.
    NoBoundary,
    /// The body ends before the closing `--BOUNDARY--` (it was cut short).
    MissingFinalBoundary,
    /// A part's header block is longer than the limit.
    HeadersTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A part's headers are malformed; the text says how.
    BadHeader(String),
    /// The body has more parts than the limit.
    TooManyParts {
        /// The limit.
        limit: usize,
    },
    /// One part holds more data than the limit.
    PartTooLarge {
        /// The part's field name.
        name: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A text field (a part without a filename) is not valid UTF-8.
    NotUtf8 {
        /// The field's name.
        name: String,
    },
}

impl MultipartError {
    /// Shorthand for a [`MultipartError::BadHeader`].
    fn bad_header(message: &str) -> MultipartError {
        MultipartError::BadHeader(message.to_string())
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::InvalidBoundary => {
                write!(
                    f,
                    "the multipart boundary is missing or not allowed by RFC 2046"
                )
            }
            MultipartError::NoBoundary => {
                write!(f, "the multipart body does not contain its boundary")
            }
            MultipartError::MissingFinalBoundary => write!(
                f,
                "the multipart body ends before its closing boundary (was it cut short?)"
            ),
            MultipartError::HeadersTooLarge { limit } => {
                write!(f, "the headers of a multipart part exceed {limit} bytes")
            }
            MultipartError::BadHeader(message) => {
                write!(f, "malformed multipart part headers: {message}")
            }
            MultipartError::TooManyParts { limit } => {
                write!(f, "the multipart body has more than {limit} parts")
            }
            MultipartError::PartTooLarge { name, limit } => {
                write!(f, "the multipart part {name:?} exceeds {limit} bytes")
            }
            MultipartError::NotUtf8 { name } => {
                write!(f, "the form field {name:?} is not valid UTF-8 text")
            }
        }
    }
}

impl std::error::Error for MultipartError {}

/// Finds the boundary in a `Content-Type` header value such as
/// `multipart/form-data; boundary=XyZ` (or `boundary="Xy Z"`).
///
/// Returns `None` unless the type is `multipart/form-data` and it has
/// exactly one valid boundary: 1–70 characters from RFC 2046's set
/// (letters, digits, `'()+_,-./:=?` and inner spaces).
///
/// ```
/// use rung::input::multipart::boundary_from_content_type;
/// let ct = "multipart/form-data; boundary=----WebKitFormBoundary7MA4";
/// assert_eq!(boundary_from_content_type(ct).as_deref(), Some("----WebKitFormBoundary7MA4"));
/// assert_eq!(boundary_from_content_type("text/plain; boundary=x"), None);
/// ```
pub fn boundary_from_content_type(ct: &str) -> Option<String> {
    let (media_type, params) = split_first_token(ct);
    if !media_type.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let params = parse_params(params)?;
    let mut boundaries = params.into_iter().filter(|(name, _)| name == "boundary");
    let (_, boundary) = boundaries.next()?;
    if boundaries.next().is_some() || !is_valid_boundary(&boundary) {
        return None;
    }
    Some(boundary)
}

/// Splits a `multipart/form-data` body into its parts.
///
/// `boundary` is the value from the `Content-Type` header (see
/// [`boundary_from_content_type`]), without the leading `--`.
///
/// ```
/// use rung::input::multipart::{parse, MultipartLimits};
/// let body = b"--XyZ\r\n\
///     Content-Disposition: form-data; name=\"title\"\r\n\
///     \r\n\
///     Hello\r\n\
///     --XyZ--\r\n";
/// let parts = parse(body, "XyZ", &MultipartLimits::default()).unwrap();
/// assert_eq!(parts[0].name, "title");
/// assert_eq!(parts[0].text(), Some("Hello"));
/// ```
pub fn parse(
    body: &[u8],
    boundary: &str,
    limits: &MultipartLimits,
) -> Result<Vec<Part>, MultipartError> {
    if !is_valid_boundary(boundary) {
        return Err(MultipartError::InvalidBoundary);
    }
    // "\r\n--BOUNDARY": what ends one part's data and starts the next line.
    let delimiter = [b"\r\n--", boundary.as_bytes()].concat();

    let mut line = find_first_delimiter(body, &delimiter).ok_or(MultipartError::NoBoundary)?;
    let mut parts = Vec::new();
    while !line.is_last {
        if parts.len() == limits.max_parts {
            return Err(MultipartError::TooManyParts {
                limit: limits.max_parts,
            });
        }
        let (headers, data_start) = split_headers(body, line.next, limits.max_header_bytes)?;
        let next_line = find_delimiter(body, data_start, &delimiter)
            .ok_or(MultipartError::MissingFinalBoundary)?;
        let data = &body[data_start..next_line.data_end];
        parts.push(build_part(headers, data, limits)?);
        line = next_line;
    }
    Ok(parts)
}

/// The text fields of a form (parts without a filename) as `(name, value)`
/// pairs, ready for [`urlencoded::from_pairs`](super::urlencoded::from_pairs).
///
/// File parts are left out; a text field that is not UTF-8 is an error.
pub fn text_fields(parts: &[Part]) -> Result<Vec<(String, String)>, MultipartError> {
    parts
        .iter()
        .filter(|part| !part.is_file())
        .map(|part| match part.text() {
            Some(text) => Ok((part.name.clone(), text.to_string())),
            None => Err(MultipartError::NotUtf8 {
                name: part.name.clone(),
            }),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Framing: finding delimiter lines and header blocks.

/// A delimiter line found in the body.
struct DelimiterLine {
    /// Where the data of the part before it ends (the delimiter's CRLF).
    data_end: usize,
    /// Where the next part's headers start, just after this line.
    next: usize,
    /// Whether this was the closing `--BOUNDARY--`.
    is_last: bool,
}

/// Finds the first delimiter line: at the very start of the body, or after
/// a CRLF that ends the preamble.
fn find_first_delimiter(body: &[u8], delimiter: &[u8]) -> Option<DelimiterLine> {
    let dash_boundary = &delimiter[2..]; // "--BOUNDARY", without the CRLF
    if body.starts_with(dash_boundary) {
        if let Some(line) = finish_delimiter_line(body, 0, dash_boundary.len()) {
            return Some(line);
        }
    }
    find_delimiter(body, 0, delimiter)
}

/// Finds the next real delimiter line at or after `from`.
fn find_delimiter(body: &[u8], from: usize, delimiter: &[u8]) -> Option<DelimiterLine> {
    let mut search_from = from;
    while let Some(offset) = find(&body[search_from..], delimiter) {
        let start = search_from + offset;
        if let Some(line) = finish_delimiter_line(body, start, start + delimiter.len()) {
            return Some(line);
        }
        // "\r\n--BOUNDARYsomething": data that merely looks like a delimiter.
        search_from = start + 1;
    }
    None
}

/// Checks what follows a `--BOUNDARY` that was found at `start`, ending at
/// `after`: `--` (the closing delimiter; the rest of the body is the
/// epilogue), or optional spaces and tabs and then CRLF.
fn finish_delimiter_line(body: &[u8], start: usize, after: usize) -> Option<DelimiterLine> {
    let rest = &body[after..];
    if rest.starts_with(b"--") {
        return Some(DelimiterLine {
            data_end: start,
            next: body.len(),
            is_last: true,
        });
    }
    let padding = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    if rest[padding..].starts_with(b"\r\n") {
        Some(DelimiterLine {
            data_end: start,
            next: after + padding + 2,
            is_last: false,
        })
    } else {
        None
    }
}

/// Splits off the header block of the part starting at `start`: returns the
/// header bytes (without the blank line) and where the part's data starts.
fn split_headers(
    body: &[u8],
    start: usize,
    max_header_bytes: usize,
) -> Result<(&[u8], usize), MultipartError> {
    let rest = &body[start..];
    if rest.starts_with(b"\r\n") {
        return Ok((&[], start + 2)); // a part with no headers at all
    }
    // Look no further than the limit: a header block of `max_header_bytes`
    // bytes is followed by its blank line within the next 4 bytes.
    let window = max_header_bytes.saturating_add(4);
    match find(&rest[..rest.len().min(window)], b"\r\n\r\n") {
        Some(end) => Ok((&rest[..end], start + end + 4)),
        None if rest.len() >= window => Err(MultipartError::HeadersTooLarge {
            limit: max_header_bytes,
        }),
        None => Err(MultipartError::MissingFinalBoundary),
    }
}

/// The position of the first occurrence of `needle` in `haystack`.
///
/// A plain scan is fast enough here: the needles start with `\r`, which
/// cannot occur inside a boundary, so matches cannot overlap and the scan
/// stays linear in the body's length.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

// ---------------------------------------------------------------------------
// One part: its headers and data.

/// Reads a part's headers and makes the [`Part`].
fn build_part(
    headers: &[u8],
    data: &[u8],
    limits: &MultipartLimits,
) -> Result<Part, MultipartError> {
    let headers = std::str::from_utf8(headers)
        .map_err(|_| MultipartError::bad_header("the headers are not valid UTF-8"))?;

    let mut disposition = None;
    let mut content_type = None;
    for line in headers.split("\r\n").filter(|line| !line.is_empty()) {
        let (name, value) = parse_header_line(line)?;
        let slot = if name.eq_ignore_ascii_case("content-disposition") {
            &mut disposition
        } else if name.eq_ignore_ascii_case("content-type") {
            &mut content_type
        } else {
            continue; // other headers (e.g. Content-Transfer-Encoding) are ignored
        };
        if slot.replace(value).is_some() {
            return Err(MultipartError::BadHeader(format!("repeated {name} header")));
        }
    }

    let disposition = disposition
        .ok_or_else(|| MultipartError::bad_header("a part has no Content-Disposition header"))?;
    let (name, filename) = parse_disposition(disposition)?;
    if data.len() > limits.max_part_bytes {
        return Err(MultipartError::PartTooLarge {
            name,
            limit: limits.max_part_bytes,
        });
    }
    Ok(Part {
        name,
        filename,
        content_type: content_type.map(str::to_string),
        data: data.to_vec(),
    })
}

/// Splits `Name: value` and checks both halves.
fn parse_header_line(line: &str) -> Result<(&str, &str), MultipartError> {
    if line.starts_with([' ', '\t']) {
        return Err(MultipartError::bad_header(
            "folded (continued) header lines are not allowed",
        ));
    }
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| MultipartError::bad_header("a header line has no ':'"))?;
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(MultipartError::bad_header(
            "a header name is not a valid token",
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(MultipartError::bad_header(
            "a header value contains a control character",
        ));
    }
    Ok((name, value.trim_matches([' ', '\t'])))
}

/// Reads `form-data; name="field"; filename="file.txt"` into the name and
/// the optional filename.
fn parse_disposition(value: &str) -> Result<(String, Option<String>), MultipartError> {
    let (kind, params) = split_first_token(value);
    if !kind.eq_ignore_ascii_case("form-data") {
        return Err(MultipartError::BadHeader(format!(
            "Content-Disposition is {kind:?}, expected \"form-data\""
        )));
    }
    let params = parse_params(params).ok_or_else(|| {
        MultipartError::bad_header("the Content-Disposition parameters are malformed")
    })?;

    let mut name = None;
    let mut filename = None;
    for (param, param_value) in params {
        let slot = match param.as_str() {
            "name" => &mut name,
            "filename" => &mut filename,
            _ => continue, // e.g. `filename*`, which browsers do not send here
        };
        if slot.replace(param_value).is_some() {
            return Err(MultipartError::BadHeader(format!(
                "Content-Disposition repeats the {param:?} parameter"
            )));
        }
    }
    let name = name
        .ok_or_else(|| MultipartError::bad_header("Content-Disposition has no name parameter"))?;
    Ok((name, filename))
}

// ---------------------------------------------------------------------------
// Header values with parameters, shared by Content-Type and
// Content-Disposition: `value; name=token; other="quoted \"string\""`.

/// Splits a header value into its first token (trimmed) and the rest, which
/// starts at the first `;` (or is empty).
fn split_first_token(value: &str) -> (&str, &str) {
    let end = value.find(';').unwrap_or(value.len());
    (value[..end].trim_matches([' ', '\t']), &value[end..])
}

/// Parses `; name=value; name="quoted value"` into `(lower-cased name,
/// value)` pairs. Returns `None` if the syntax is broken.
fn parse_params(mut rest: &str) -> Option<Vec<(String, String)>> {
    const WHITESPACE: [char; 2] = [' ', '\t'];
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(WHITESPACE);
        if rest.is_empty() {
            return Some(params);
        }
        rest = rest.strip_prefix(';')?.trim_start_matches(WHITESPACE);
        if rest.is_empty() {
            return Some(params); // a trailing ';' is harmless
        }
        let name_len = rest.bytes().take_while(|&b| is_token_byte(b)).count();
        if name_len == 0 {
            return None;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..]
            .trim_start_matches(WHITESPACE)
            .strip_prefix('=')?
            .trim_start_matches(WHITESPACE);
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            (value, rest) = read_quoted_string(quoted)?;
        } else {
            let value_len = rest.bytes().take_while(|&b| is_token_byte(b)).count();
            if value_len == 0 {
                return None;
            }
            value = rest[..value_len].to_string();
            rest = &rest[value_len..];
        }
        params.push((name, value));
    }
}

/// Reads a quoted string whose opening `"` is already consumed: `\x`
/// stands for `x`, and a `"` ends it. Returns the unescaped text and what
/// follows the closing quote, or `None` if there is no closing quote.
fn read_quoted_string(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[index + 1..])),
            '\\' => value.push(chars.next()?.1),
            _ => value.push(c),
        }
    }
    None
}

/// Whether `b` may appear in an HTTP token (RFC 9110 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `boundary` is allowed by RFC 2046: 1–70 characters from
/// `bchars`, not ending in a space.
fn is_valid_boundary(boundary: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b);
    (1..=70).contains(&boundary.len()) && boundary.bytes().all(allowed) && !boundary.ends_with(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Joins lines with CRLF, as the wire format wants.
    fn crlf(lines: &[&str]) -> Vec<u8> {
        lines.join("\r\n").into_bytes()
    }

    fn parse_default(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
        parse(body, boundary, &MultipartLimits::default())
    }

    /// A body with `count` small text parts.
    fn body_with_parts(count: usize) -> Vec<u8> {
        let mut body = Vec::new();
        for i in 0..count {
            body.extend_from_slice(
                format!("--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv{i}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(b"--b--\r\n");
        body
    }

    #[test]
    fn two_text_fields_and_a_file() {
        let body = crlf(&[
            "--XyZ",
            "Content-Disposition: form-data; name=\"name\"",
            "",
            "Ada",
            "--XyZ",
            "content-disposition: form-data; name=\"message\"",
            "",
            "line one",
            "line two",
            "--XyZ",
            "Content-Disposition: form-data; name=\"photo\"; filename=\"cat.png\"",
            "Content-Type: image/png",
            "",
            "\u{1}PNG binary\r\n--XyZnot-a-delimiter",
            "--XyZ--",
            "",
        ]);
        let parts = parse_default(&body, "XyZ").unwrap();
        assert_eq!(parts.len(), 3);

        assert_eq!(parts[0].name, "name");
        assert_eq!(parts[0].text(), Some("Ada"));
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[0].content_type, None);

        assert_eq!(parts[1].name, "message");
        assert_eq!(parts[1].text(), Some("line one\r\nline two"));

        assert_eq!(parts[2].name, "photo");
        assert_eq!(parts[2].filename.as_deref(), Some("cat.png"));
        assert_eq!(parts[2].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[2].data, b"\x01PNG binary\r\n--XyZnot-a-delimiter");
        assert!(parts[2].is_file());

        assert_eq!(
            text_fields(&parts).unwrap(),
            vec![
                ("name".to_string(), "Ada".to_string()),
                ("message".to_string(), "line one\r\nline two".to_string()),
            ]
        );
    }

    #[test]
    fn boundary_text_inside_data_but_not_at_a_line_start_is_data() {
        let body = crlf(&[
            "--b",
            "Content-Disposition: form-data; name=\"x\"",
            "",
            "a--b b--b-- --b\n--b\r--b",
            "--b--",
        ]);
        let parts = parse_default(&body, "b").unwrap();
        assert_eq!(parts[0].text(), Some("a--b b--b-- --b\n--b\r--b"));
    }

    #[test]
    fn preamble_and_epilogue_are_ignored() {
        let body = crlf(&[
            "This is a preamble.",
            "--b is not a delimiter when followed by text",
            "--b",
            "Content-Disposition: form-data; name=\"x\"",
            "",
            "1",
            "--b--",
            "This is the epilogue.",
            "--b",
            "Content-Disposition: form-data; name=\"ignored\"",
        ]);
        let parts = parse_default(&body, "b").unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].text(), Some("1"));
    }

    #[test]
    fn crlf_edge_cases() {
        // Data that itself ends with CRLF keeps it: only the last CRLF
        // belongs to the delimiter.
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n\r\n--b--";
        assert_eq!(parse_default(body, "b").unwrap()[0].data, b"v\r\n");

        // Empty data.
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n--b--";
        assert_eq!(parse_default(body, "b").unwrap()[0].data, b"");

        // Data of only CRLFs.
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n\r\n\r\n--b--";
        assert_eq!(parse_default(body, "b").unwrap()[0].data, b"\r\n\r\n");

        // Spaces after the boundary (transport padding) are allowed.
        let body = b"--b  \r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b\t\r\n\
            Content-Disposition: form-data; name=\"y\"\r\n\r\n2\r\n--b--";
        let parts = parse_default(body, "b").unwrap();
        assert_eq!((parts[0].text(), parts[1].text()), (Some("1"), Some("2")));

        // Bare LF line endings are not multipart framing.
        let body = b"--b\nContent-Disposition: form-data; name=\"x\"\n\n1\n--b--\n";
        assert_eq!(parse_default(body, "b"), Err(MultipartError::NoBoundary));

        // A part with no blank line after its headers.
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n--b--";
        assert_eq!(
            parse_default(body, "b"),
            Err(MultipartError::MissingFinalBoundary)
        );
    }

    #[test]
    fn an_empty_form_is_just_the_closing_delimiter() {
        assert_eq!(parse_default(b"--b--\r\n", "b").unwrap(), vec![]);
        assert_eq!(parse_default(b"--b--", "b").unwrap(), vec![]);
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let full = crlf(&[
            "--b",
            "Content-Disposition: form-data; name=\"x\"",
            "",
            "value",
            "--b--",
        ]);
        // Every cut before the closing "--" is an error, never a panic.
        for len in 0..full.len() - 1 {
            let error = parse_default(&full[..len], "b").unwrap_err();
            assert!(
                matches!(
                    error,
                    MultipartError::NoBoundary | MultipartError::MissingFinalBoundary
                ),
                "cut at {len}: {error:?}"
            );
        }
        assert_eq!(parse_default(b"", "b"), Err(MultipartError::NoBoundary));
        assert!(parse_default(&full, "b").is_ok());
    }

    #[test]
    fn too_many_parts_is_413() {
        let limits = MultipartLimits::default();
        assert_eq!(
            parse(&body_with_parts(100), "b", &limits).unwrap().len(),
            100
        );
        let error = parse(&body_with_parts(101), "b", &limits).unwrap_err();
        assert_eq!(error, MultipartError::TooManyParts { limit: 100 });
    }

    #[test]
    fn a_part_too_large_is_413() {
        let limits = MultipartLimits {
            max_part_bytes: 10,
            ..MultipartLimits::default()
        };
        let ok = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n0123456789\r\n--b--";
        assert_eq!(parse(ok, "b", &limits).unwrap()[0].data.len(), 10);
        let big = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n0123456789A\r\n--b--";
        let error = parse(big, "b", &limits).unwrap_err();
        assert_eq!(
            error,
            MultipartError::PartTooLarge {
                name: "x".to_string(),
                limit: 10
            }
        );
        assert_eq!(
            error.to_string(),
            "the multipart part \"x\" exceeds 10 bytes"
        );
    }

    #[test]
    fn headers_too_large_is_an_error() {
        let limits = MultipartLimits {
            max_header_bytes: 64,
            ..MultipartLimits::default()
        };
        let filler = "a".repeat(64);
        let body = format!(
            "--b\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Filler: {filler}\r\n\r\n1\r\n--b--"
        );
        let error = parse(body.as_bytes(), "b", &limits).unwrap_err();
        assert_eq!(error, MultipartError::HeadersTooLarge { limit: 64 });

        // A header block of exactly the limit is fine.
        let header = "Content-Disposition: form-data; name=\"x\"";
        let limits = MultipartLimits {
            max_header_bytes: header.len(),
            ..MultipartLimits::default()
        };
        let body = format!("--b\r\n{header}\r\n\r\n1\r\n--b--");
        assert!(parse(body.as_bytes(), "b", &limits).is_ok());
    }

    #[test]
    fn content_disposition_details() {
        let parse_one = |disposition: &str| {
            let body = format!("--b\r\nContent-Disposition: {disposition}\r\n\r\n1\r\n--b--");
            parse_default(body.as_bytes(), "b").map(|mut parts| parts.remove(0))
        };

        let part =
            parse_one(r#"form-data; name="a \"quoted\" \\ name"; filename="x;y.txt""#).unwrap();
        assert_eq!(part.name, r#"a "quoted" \ name"#);
        assert_eq!(part.filename.as_deref(), Some("x;y.txt"));

        let part = parse_one("FORM-DATA ; NAME=plain ; filename=\"\" ;").unwrap();
        assert_eq!(part.name, "plain");
        assert_eq!(part.filename.as_deref(), Some(""));

        let part = parse_one("form-data; name=\"été\"; filename=\"naïve.txt\"").unwrap();
        assert_eq!(
            (part.name.as_str(), part.filename.as_deref()),
            ("été", Some("naïve.txt"))
        );

        for bad in [
            "attachment; name=\"x\"",
            "form-data",
            "form-data; filename=\"x\"",
            "form-data; name=\"unterminated",
            "form-data; name=",
            "form-data; name=\"a\"; name=\"b\"",
            "form-data; =x",
            "form-data name=\"x\"",
        ] {
            let error = parse_one(bad).unwrap_err();
            assert!(
                matches!(error, MultipartError::BadHeader(_)),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn malformed_part_headers_are_errors() {
        for headers in [
            "",                                                      // no headers at all
            "No-Colon-Here",
            "Content-Disposition: form-data; name=\"x\"\r\n folded",
            "Bad Name: x\r\nContent-Disposition: form-data; name=\"x\"",
            "Content-Disposition: form-data; name=\"x\"\r\nContent-Disposition: form-data; name=\"y\"",
            "Content-Disposition: form-data; name=\"x\u{7f}\"",
        ] {
            let body = format!("--b\r\n{headers}\r\n\r\n1\r\n--b--");
            let error = parse_default(body.as_bytes(), "b").unwrap_err();
            assert!(matches!(error, MultipartError::BadHeader(_)), "{headers:?}: {error:?}");
        }
        let body = b"--b\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n1\r\n--b--";
        assert!(matches!(
            parse_default(body, "b"),
            Err(MultipartError::BadHeader(_))
        ));
    }

    #[test]
    fn text_fields_rejects_binary_text() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\xff\r\n--b--";
        let parts = parse_default(body, "b").unwrap();
        assert_eq!(parts[0].text(), None);
        assert_eq!(
            text_fields(&parts),
            Err(MultipartError::NotUtf8 {
                name: "x".to_string()
            })
        );
    }

    #[test]
    fn boundaries_from_content_types() {
        let boundary = |ct: &str| boundary_from_content_type(ct);
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Form-Data;boundary=\"a b:c?\"; charset=utf-8").as_deref(),
            Some("a b:c?")
        );
        assert_eq!(
            boundary("multipart/form-data; BOUNDARY=x").as_deref(),
            Some("x")
        );
        let longest = "x".repeat(70);
        assert_eq!(
            boundary(&format!("multipart/form-data; boundary={longest}")),
            Some(longest)
        );

        for bad in [
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=\"ends with space \"",
            "multipart/form-data; boundary=\"bad\u{1}char\"",
            "multipart/form-data; boundary=\"unterminated",
            "multipart/form-data; boundary=a; boundary=b",
            "multipart/mixed; boundary=abc",
            "text/plain; boundary=abc",
            "",
        ] {
            assert_eq!(boundary(bad), None, "{bad}");
        }
        let too_long = format!("multipart/form-data; boundary={}", "x".repeat(71));
        assert_eq!(boundary(&too_long), None);
    }

    #[test]
    fn a_quoted_boundary_with_spaces_parses() {
        let ct = "multipart/form-data; boundary=\"my boundary\"";
        let boundary = boundary_from_content_type(ct).unwrap();
        let body = b"--my boundary\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--my boundary--";
        assert_eq!(parse_default(body, &boundary).unwrap()[0].text(), Some("1"));
    }

    #[test]
    fn invalid_boundaries_are_refused_by_parse() {
        for boundary in ["", "a\r\nb", "x".repeat(71).as_str()] {
            assert_eq!(
                parse_default(b"--x--", boundary),
                Err(MultipartError::InvalidBoundary)
            );
        }
    }

    #[test]
    fn a_megabyte_of_near_delimiters_is_still_parsed_in_one_pass() {
        // Each "\r\n--" + almost-the-boundary must be looked at and refused;
        // the scan stays linear, so this finishes at once even in debug builds.
        let boundary = "b".repeat(70);
        let near_miss = format!("\r\n--{}X", &boundary[..69]);
        let mut body =
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n");
        while body.len() < 1024 * 1024 {
            body.push_str(&near_miss);
        }
        assert_eq!(
            parse_default(body.as_bytes(), &boundary),
            Err(MultipartError::MissingFinalBoundary)
        );
        body.push_str(&format!("\r\n--{boundary}--"));
        let parts = parse_default(body.as_bytes(), &boundary).unwrap();
        assert!(parts[0].data.len() > 1000 * 1000);
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            MultipartError::MissingFinalBoundary.to_string(),
            "the multipart body ends before its closing boundary (was it cut short?)"
        );
        assert_eq!(
            MultipartError::TooManyParts { limit: 100 }.to_string(),
            "the multipart body has more than 100 parts"
        );
    }
}
