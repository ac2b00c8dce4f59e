//! Level 4 — a form: read a POST body, decode it, answer from a template.
//!
//! A browser sends a form as a `POST` whose body is
//! `name=Ada+Lovelace&message=Hi%21` (`application/x-www-form-urlencoded`).
//! Three things to get right:
//!
//! 1. **Where the body ends.** TCP delivers a stream of bytes, not
//!    messages: the body may come in the same `read` as the head, or in
//!    three more. `Content-Length` says how many bytes to wait for.
//! 2. **Decoding.** `+` is a space, `%XX` is the byte of hex value XX
//!    (`%C3%A9` is the two bytes of `é` in UTF-8).
//! 3. **Escaping.** What a visitor typed is put into HTML with `&`, `<`,
//!    `>`, `"` and `'` escaped, so `<script>` shows as text instead of
//!    running in the next visitor's browser.
//!
//! ```text
//! cargo run -p demo --bin level4
//! cargo run -p demo --bin check -- 4
//! curl -i -d 'name=<b>Ada</b>&message=hi' http://127.0.0.1:9000/contact
//! ```
//!
//! And one rule for error pages: a visitor sees "something went wrong",
//! the log gets the details. An error's text may name files and
//! internals, which are nobody's business outside.
//!
//! rung's answer: `core/src/extract/form.rs` (`Form<T>`, also
//! multipart), `core/src/template/` (`{{ }}`, `{% if %}`, `{% for %}`),
//! and the site's `demo/src/contact.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 3's own `main` goes unused here
#[path = "level3.rs"]
mod level3;
pub use level3::*;

use std::io::{self, BufRead};

/// The largest body we accept: a bigger `Content-Length` is refused before
/// reading a byte of it.
pub const MAX_BODY: usize = 1024 * 1024;

/// The templates of the lessons, found from where this crate's source is.
pub const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/lessons");

/// The routes this level adds.
pub const ROUTES: &[Route] = &[
    ("GET", "/contact", contact_form),
    ("POST", "/contact", contact_post),
];

/// The site of this level: its routes, then those of level 3.
pub fn route(req: &Request) -> Response {
    dispatch(ROUTES, req).unwrap_or_else(|| level3::route(req))
}

/// Reads a whole request: the head (level 2), then exactly
/// `Content-Length` bytes of body.
pub fn read_request(reader: &mut dyn BufRead) -> io::Result<Request> {
    let mut req = parse_request(reader)?;
    let length = match req.header("content-length") {
        None => 0,
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
    }
    req.body = vec![0; length];
    // `read_exact` loops over `read` until the buffer is full: the body
    // may come in several pieces.
    reader.read_exact(&mut req.body)?;
    Ok(req)
}

/// Decodes one `application/x-www-form-urlencoded` value: `+` is a space,
/// `%XX` a byte. A `%` not followed by two hex digits is kept as it is.
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    // The value of the hex digit at `at`, if there is one there.
    let hex = |at: usize| bytes.get(at).and_then(|&b| char::from(b).to_digit(16));
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8); // at most 255
                i += 2;
            }
            (byte, _, _) => out.push(byte),
        }
        i += 1;
    }
    // The bytes are UTF-8 text, unless someone sent garbage: then `�`.
    String::from_utf8_lossy(&out).into_owned()
}

/// A form body, `a=1&b=2`, as decoded (name, value) pairs.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    let body = String::from_utf8_lossy(body);
    let pairs = body.split('&').filter(|pair| !pair.is_empty());
    pairs
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(name), url_decode(value))
        })
        .collect()
}

/// The value of field `name` in a parsed form, or `""`.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Text made safe to put into HTML, between tags or in an attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills each `{{key}}` of `template` with its value in `vars`, escaped.
/// One pass from left to right: a value that itself contains `{{` is
/// never filled again. A key missing from `vars` is filled with nothing,
/// as in Jinja (so the empty form needs no values at all).
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let key = rest[start + 2..start + len].trim();
        out.push_str(&rest[..start]);
        if let Some((_, value)) = vars.iter().find(|(k, _)| *k == key) {
            out.push_str(&escape_html(value));
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The page made from template file `name`, with `status`; the 500 page
/// if the file cannot be read.
pub fn render(status: u16, name: &str, vars: &[(&str, &str)]) -> Response {
    match std::fs::read_to_string(format!("{TEMPLATES}/{name}")) {
        Ok(template) => Response::html(status, fill(&template, vars)),
        Err(e) => internal_error(&format!("template {name}: {e}")),
    }
}

/// `500`: the details go to the log, the visitor gets a plain page.
pub fn internal_error(details: &str) -> Response {
    eprintln!("internal error: {details}");
    Response::html(500, "<!doctype html>\n<title>500</title>\n<h1>500 Internal Server Error</h1>\n<p>Something went wrong on our side.</p>\n")
}

/// `GET /contact`: the form, empty.
pub fn contact_form(_req: &Request) -> Response {
    render(200, "contact.html", &[])
}

/// `POST /contact`: "Thank you, NAME!".
pub fn contact_post(req: &Request) -> Response {
    let form = parse_form(&req.body);
    thank_you(field(&form, "name"))
}

/// The thank-you page; a visitor who gave no name is "anonymous".
pub fn thank_you(name: &str) -> Response {
    let name = if name.trim().is_empty() {
        "anonymous"
    } else {
        name.trim()
    };
    render(200, "thankyou.html", &[("name", name)])
}

fn main() -> io::Result<()> {
    serve(&addr(), read_request, route)
}
