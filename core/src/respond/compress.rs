//! gzip compression of responses, when the client asks for it.
//!
//! HTML, CSS, JavaScript, JSON and SVG are text, and text shrinks to a
//! quarter or less under gzip. The app calls [`compress`] on every response
//! on its way out (the last step of `AppService::call`), and it gzips one
//! when all of these hold:
//!
//! - the type is text-like ([`is_compressible_type`]), the response has no
//!   `Content-Encoding` yet and no `Cache-Control: no-transform`;
//! - the client's `Accept-Encoding` gives `gzip` (or `*`) a weight above 0
//!   ([`accepts_gzip`]: `gzip;q=0` means "never");
//! - the request has no `Range` header: a byte range counts bytes of the
//!   *uncompressed* file (served by `files.rs`), and mixing the two would
//!   hand out pieces of different bytes;
//! - the status has a body and is not `206 Partial Content`;
//! - the body is at least [`MIN_SIZE`] bytes (or of unknown length): below
//!   that, the gzip header and the extra work cost more than they save.
//!
//! A response of a compressible type always gets `Vary: Accept-Encoding`,
//! compressed or not, so that a cache never hands the gzip form to a
//! client that did not ask for it (or the plain form to every client).
//!
//! The compressed bytes are another representation of the resource, so
//! they get an ETag of their own: [`gzip_etag`] turns `"abc"` into
//! `"abc-gzip"`, the single place that knows this convention. Static files
//! use it too, so that `If-None-Match: "abc-gzip"` still gets a `304`.
//!
//! Bodies in memory are compressed at once (the response keeps an exact
//! `Content-Length`, and is sent as is if gzip did not make it smaller).
//! Streamed bodies (`Body::Stream`, static files) are compressed while they
//! are sent, through [`gzip_reader`]: memory stays flat whatever the size,
//! and as the compressed length is not known beforehand, the engine sends
//! them with chunked framing. A `HEAD` request is answered exactly like a
//! `GET` — the engine drops the body afterwards — so its headers match.

use std::io::{Read, Write};

use flate2::read::GzEncoder;
use flate2::write::GzEncoder as GzWriter;
use flate2::Compression;

use crate::http::{list_has_token, same_name, trim_ows, Body, Headers, Request, Response, Status};

/// Bodies shorter than this many bytes are sent as they are.
pub(crate) const MIN_SIZE: u64 = 1024;

/// The response, gzipped if the request allows it and it is worth it (see
/// the module documentation for the rules).
pub(crate) fn compress(req: &Request, mut response: Response) -> Response {
    let seen = Seen::in_headers(response.headers());
    if !seen.compressible || seen.encoded || seen.no_transform {
        return response;
    }
    // The type is compressible: the client decides.
    let chosen = client_takes_gzip(req, response.body().len());
    if !seen.varies {
        let headers = response.headers_mut();
        headers.append_checked("Vary".into(), "Accept-Encoding".into());
    }
    let status = response.status();
    if !chosen || !status.allows_body() || status == Status::PARTIAL_CONTENT {
        return response;
    }
    let compressed = match std::mem::replace(response.body_mut(), Body::Empty) {
        Body::Bytes(bytes) => match gzip_bytes(&bytes) {
            Some(smaller) if smaller.len() < bytes.len() => Body::Bytes(smaller.into()),
            // Already dense (random bytes, say): not worth a coding.
            _ => {
                *response.body_mut() = Body::Bytes(bytes);
                return response;
            }
        },
        Body::Stream { reader, .. } => Body::Stream {
            reader: Box::new(gzip_reader(reader)),
            len: None,
        },
        // Shorter than `MIN_SIZE`: `gzip_chosen` said no before this.
        Body::Empty => return response,
    };
    *response.body_mut() = compressed;
    let headers = response.headers_mut();
    headers.insert("Content-Encoding", "gzip");
    if let Some(etag) = headers.get("etag") {
        let etag = gzip_etag(etag);
        headers.insert("ETag", etag);
    }
    response
}

/// Whether an answer of `content_type`, `len` bytes long if known, is sent
/// gzipped to `req`: the type is compressible, the client accepts gzip,
/// asked for no byte range, and the body is not tiny.
///
/// The one rule, used by [`compress`] and by the static files (which pick
/// their ETag, and a precompressed `.gz` file, before answering).
pub(crate) fn gzip_chosen(req: &Request, content_type: &str, len: Option<u64>) -> bool {
    is_compressible_type(content_type) && client_takes_gzip(req, len)
}

/// The client's half of [`gzip_chosen`]: it accepts gzip, asked for no
/// byte range, and the body is not tiny.
fn client_takes_gzip(req: &Request, len: Option<u64>) -> bool {
    len.is_none_or(|len| len >= MIN_SIZE) && accepts_gzip(req) && !req.headers().contains("range")
}

/// Whether `content_type` is text that gzip shrinks: `text/*` (but not
/// `text/event-stream`, whose events must not wait in a compressor),
/// JavaScript, JSON, XML and SVG. Images, audio, video, fonts and archives
/// are compressed already.
pub(crate) fn is_compressible_type(content_type: &str) -> bool {
    let end = content_type.bytes().position(|b| b == b';');
    let essence = trim_ows(&content_type[..end.unwrap_or(content_type.len())]);
    // Compared without a lowercased copy: this runs for every response.
    let is = |name: &str| same_name(essence, name);
    let starts = |prefix: &str| {
        essence
            .get(..prefix.len())
            .is_some_and(|head| same_name(head, prefix))
    };
    let ends = |suffix: &str| {
        essence
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| essence.get(at..))
            .is_some_and(|tail| same_name(tail, suffix))
    };
    // The commonest types first: this runs for every response.
    if starts("text/") {
        return !is("text/event-stream");
    }
    is("application/json")
        || ends("+json")
        || ends("+xml")
        || is("application/javascript")
        || is("application/xml")
}

/// Whether the client's `Accept-Encoding` allows gzip: the weight of its
/// `gzip` entry (`x-gzip` is the old name), else of `*`, is above 0.
///
/// `Accept-Encoding: gzip, br` → yes; `gzip;q=0.5` → yes; `gzip;q=0` → no;
/// `*` → yes; `*, gzip;q=0` → no; `identity` alone, an empty header or
/// none → no (without the header any coding is allowed in theory, but
/// clients that can decode gzip say so). A weight that is not a valid
/// `qvalue` counts as 0: gzip is sent only when clearly wanted.
pub(crate) fn accepts_gzip(req: &Request) -> bool {
    let entries: Vec<(&str, u16)> = req
        .headers()
        .get_all("accept-encoding")
        .flat_map(|value| value.split(','))
        .filter_map(coding_and_weight)
        .collect();
    let weight_of = |name: &str| {
        entries
            .iter()
            .find(|(coding, _)| coding.eq_ignore_ascii_case(name))
            .map(|&(_, weight)| weight)
    };
    weight_of("gzip")
        .or_else(|| weight_of("x-gzip"))
        .or_else(|| weight_of("*"))
        .is_some_and(|weight| weight > 0)
}

/// `gzip;q=0.5` → `("gzip", 500)`: a coding and its weight in thousandths
/// (1000 when no `q` is given, 0 when it is malformed). `None` for an empty
/// list element.
fn coding_and_weight(entry: &str) -> Option<(&str, u16)> {
    let mut parts = entry.split(';').map(trim_ows);
    let coding = parts.next().filter(|c| !c.is_empty())?;
    let weight = parts
        .find_map(|param| {
            let (name, value) = param.split_once('=')?;
            trim_ows(name)
                .eq_ignore_ascii_case("q")
                .then(|| qvalue(trim_ows(value)).unwrap_or(0))
        })
        .unwrap_or(1000);
    Some((coding, weight))
}

/// A `qvalue` (RFC 9110 §12.4.2) in thousandths: `0`, `0.5`, `0.125`, `1`,
/// `1.000`; `None` for anything else (`2`, `0.1234`, `-1`, `abc`).
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The ETag of the gzip form of the representation tagged `etag`:
/// `"abc"` → `"abc-gzip"`, `W/"abc"` → `W/"abc-gzip"` (a weak tag stays
/// weak). Something that is not a quoted tag gets `-gzip` at the end, so
/// it still differs from the plain form's.
pub(crate) fn gzip_etag(etag: &str) -> String {
    let (weak, tag) = match etag.strip_prefix("W/") {
        Some(tag) => ("W/", tag),
        None => ("", etag),
    };
    match tag
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
    {
        Some(inner) => format!("{weak}\"{inner}-gzip\""),
        None => format!("{etag}-gzip"),
    }
}

/// Adds `Accept-Encoding` to the response's `Vary`, unless it is there.
pub(crate) fn add_vary(headers: &mut Headers) {
    if !headers.has_token("vary", "accept-encoding") && !headers.has_token("vary", "*") {
        headers.append_checked("Vary".into(), "Accept-Encoding".into());
    }
}

/// What [`compress`] needs to know of a response's own headers, gathered
/// in one pass over them (this runs for every response).
struct Seen {
    /// Its `Content-Type` is one gzip shrinks.
    compressible: bool,
    /// It has a `Content-Encoding` already.
    encoded: bool,
    /// `Cache-Control: no-transform`.
    no_transform: bool,
    /// Its `Vary` names `Accept-Encoding` (or is `*`) already.
    varies: bool,
}

impl Seen {
    fn in_headers(headers: &Headers) -> Seen {
        let mut seen = Seen {
            compressible: false,
            encoded: false,
            no_transform: false,
            varies: false,
        };
        let mut typed = false;
        for (name, value) in headers.iter() {
            if same_name(name, "content-type") && !typed {
                typed = true; // the first one counts, as `Headers::get` has it
                seen.compressible = is_compressible_type(value);
            } else if same_name(name, "content-encoding") {
                seen.encoded = true;
            } else if same_name(name, "cache-control") {
                seen.no_transform |= list_has_token(value, "no-transform");
            } else if same_name(name, "vary") {
                seen.varies |=
                    list_has_token(value, "accept-encoding") || list_has_token(value, "*");
            }
        }
        seen
    }
}

/// `bytes`, gzipped in memory.
fn gzip_bytes(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzWriter::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// A reader that gives `reader`'s bytes gzipped, compressing only as much
/// as is read (a 1 GiB file never sits in memory).
pub(crate) fn gzip_reader<R: Read>(reader: R) -> GzEncoder<R> {
    GzEncoder::new(reader, Compression::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use flate2::read::GzDecoder;

    fn request(accept_encoding: &[&str]) -> Request {
        let mut builder = Request::builder(Method::Get, "/");
        for value in accept_encoding {
            builder = builder.header("Accept-Encoding", value);
        }
        builder.build()
    }

    fn accepts(accept_encoding: &str) -> bool {
        accepts_gzip(&request(&[accept_encoding]))
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    /// A page of `n` bytes of HTML that compresses well.
    fn page(n: usize) -> String {
        "<p>hello, gzip</p>\n".repeat(n / 19 + 1)[..n].to_string()
    }

    #[test]
    fn q_values_decide() {
        assert!(accepts("gzip"));
        assert!(accepts("GZIP"));
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, gzip;q=0.8, *;q=0.1"));
        assert!(accepts("gzip;q=0.001"));
        assert!(accepts("gzip ; q=1"));
        assert!(accepts("gzip;Q=0.5"));
        assert!(accepts("x-gzip"));
        assert!(accepts("deflate, gzip;level=9"));

        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip;q=0.0"));
        assert!(!accepts("gzip;q=0.000"));
        assert!(!accepts("deflate, br"));
        assert!(!accepts(""));
        assert!(!accepts("identity"));
        assert!(!accepts("gzipped"));
        assert!(!accepts_gzip(&request(&[])));
    }

    #[test]
    fn the_star_counts_unless_gzip_is_named() {
        assert!(accepts("*"));
        assert!(accepts("br, *;q=0.5"));
        assert!(!accepts("*;q=0"));
        assert!(!accepts("*, gzip;q=0"));
        assert!(!accepts("gzip;q=0, *"));
        assert!(accepts("*;q=0, gzip"));
        // `identity` says nothing about gzip.
        assert!(accepts("identity;q=0, gzip"));
        assert!(!accepts("identity;q=1"));
    }

    #[test]
    fn malformed_weights_count_as_zero() {
        for header in [
            "gzip;q=2",
            "gzip;q=1.5",
            "gzip;q=0.1234",
            "gzip;q=-1",
            "gzip;q=abc",
            "gzip;q=",
            "gzip;q=.5",
        ] {
            assert!(!accepts(header), "{header}");
        }
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.05"), Some(50));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("1.001"), None);
    }

    #[test]
    fn several_header_fields_are_one_list() {
        assert!(accepts_gzip(&request(&["br", "gzip"])));
        assert!(!accepts_gzip(&request(&["*", "gzip;q=0"])));
    }

    #[test]
    fn compressible_types() {
        for yes in [
            "text/html; charset=utf-8",
            "text/css",
            "text/plain",
            "text/javascript",
            "application/javascript",
            "application/json",
            "Application/JSON",
            "application/problem+json",
            "application/xml",
            "application/atom+xml",
            "image/svg+xml",
            "TEXT/HTML",
            "Image/SVG+XML ; charset=utf-8",
        ] {
            assert!(is_compressible_type(yes), "{yes}");
        }
        for no in [
            "image/png",
            "image/jpeg",
            "application/gzip",
            "application/octet-stream",
            "font/woff2",
            "video/mp4",
            "text/event-stream",
            "Text/Event-Stream; charset=utf-8",
            "",
            "text",
            "json",
            "application/jsonp",
        ] {
            assert!(!is_compressible_type(no), "{no}");
        }
    }

    #[test]
    fn the_gzip_etag_is_distinct_and_keeps_weakness() {
        assert_eq!(gzip_etag("\"abc\""), "\"abc-gzip\"");
        assert_eq!(gzip_etag("W/\"abc\""), "W/\"abc-gzip\"");
        assert_eq!(gzip_etag("\"\""), "\"-gzip\"");
        assert_eq!(gzip_etag("unquoted"), "unquoted-gzip");
    }

    #[test]
    fn a_large_text_body_is_gzipped_with_its_own_etag_and_vary() {
        let html = page(5000);
        let response = Response::html(html.clone()).with_header("ETag", "\"v1\"");
        let response = compress(&request(&["gzip"]), response);
        assert_eq!(response.headers().get("content-encoding"), Some("gzip"));
        assert_eq!(response.headers().get("vary"), Some("Accept-Encoding"));
        assert_eq!(response.headers().get("etag"), Some("\"v1-gzip\""));
        let body = response.body_bytes().unwrap();
        assert!(body.len() < html.len() / 4, "{} bytes", body.len());
        assert_eq!(gunzip(body), html.as_bytes());
    }

    #[test]
    fn vary_is_added_even_when_not_compressing() {
        let not_accepted = compress(&request(&["gzip;q=0"]), Response::html(page(5000)));
        let small = compress(&request(&["gzip"]), Response::html(page(100)));
        for response in [not_accepted, small] {
            assert_eq!(response.headers().get("content-encoding"), None);
            assert_eq!(response.headers().get("vary"), Some("Accept-Encoding"));
        }
        // Not added twice, and kept beside what is there.
        let varied = Response::html(page(5000)).with_header("Vary", "Cookie, accept-encoding");
        let response = compress(&request(&["gzip"]), varied);
        assert_eq!(response.headers().get_all("vary").count(), 1);
        let varied = Response::html(page(5000)).with_header("Vary", "Cookie");
        let response = compress(&request(&["gzip"]), varied);
        assert_eq!(
            response.headers().get_all("vary").collect::<Vec<_>>(),
            ["Cookie", "Accept-Encoding"]
        );
        let everything = Response::html(page(5000)).with_header("VARY", "*");
        let response = compress(&request(&["gzip"]), everything);
        assert_eq!(
            response.headers().get_all("vary").collect::<Vec<_>>(),
            ["*"]
        );
        // An image is not compressible: no Vary, nothing changed.
        let png = Response::new(Status::OK)
            .with_header("Content-Type", "image/png")
            .with_body(vec![0u8; 5000]);
        let response = compress(&request(&["gzip"]), png);
        assert_eq!(response.headers().get("vary"), None);
        assert_eq!(response.body_bytes().unwrap().len(), 5000);
    }

    #[test]
    fn the_threshold_is_one_kibibyte() {
        let at = compress(&request(&["gzip"]), Response::html(page(1024)));
        assert_eq!(at.headers().get("content-encoding"), Some("gzip"));
        let below = compress(&request(&["gzip"]), Response::html(page(1023)));
        assert_eq!(below.headers().get("content-encoding"), None);
        assert_eq!(below.body_bytes().unwrap(), page(1023).as_bytes());
    }

    #[test]
    fn never_for_ranges_partial_or_bodiless_statuses_or_encoded_bodies() {
        let ranged = Request::builder(Method::Get, "/")
            .header("Accept-Encoding", "gzip")
            .header("Range", "bytes=0-99")
            .build();
        let response = compress(&ranged, Response::html(page(5000)));
        assert_eq!(response.headers().get("content-encoding"), None);
        assert_eq!(response.body_bytes().unwrap(), page(5000).as_bytes());

        for status in [
            Status::PARTIAL_CONTENT,
            Status::NOT_MODIFIED,
            Status::NO_CONTENT,
        ] {
            let response = Response::html(page(5000)).with_status(status);
            let response = compress(&request(&["gzip"]), response);
            assert_eq!(response.headers().get("content-encoding"), None, "{status}");
        }

        let encoded = Response::html(page(5000)).with_header("Content-Encoding", "br");
        let response = compress(&request(&["gzip"]), encoded);
        assert_eq!(response.headers().get("content-encoding"), Some("br"));
        assert_eq!(response.body_bytes().unwrap(), page(5000).as_bytes());

        let untouchable =
            Response::html(page(5000)).with_header("Cache-Control", "no-cache, no-transform");
        let response = compress(&request(&["gzip"]), untouchable);
        assert_eq!(response.headers().get("content-encoding"), None);
    }

    #[test]
    fn error_pages_are_compressed_like_any_page() {
        let response = Response::html(page(3000)).with_status(Status::NOT_FOUND);
        let response = compress(&request(&["gzip"]), response);
        assert_eq!(response.status(), Status::NOT_FOUND);
        assert_eq!(
            gunzip(response.body_bytes().unwrap()),
            page(3000).as_bytes()
        );
    }

    #[test]
    fn a_body_gzip_cannot_shrink_is_sent_as_is() {
        // Bytes with no pattern at all grow under gzip (its header, and
        // blocks stored as they are).
        let mut state = 12345u32;
        let noise: Vec<u8> = (0..2000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect();
        let response = Response::new(Status::OK)
            .with_header("Content-Type", "text/plain")
            .with_body(noise.clone());
        let response = compress(&request(&["gzip"]), response);
        assert_eq!(response.headers().get("content-encoding"), None);
        assert_eq!(response.headers().get("vary"), Some("Accept-Encoding"));
        assert_eq!(response.body_bytes().unwrap(), noise);
    }

    #[test]
    fn streams_are_compressed_as_they_are_read() {
        let text = page(200_000);
        let response = Response::new(Status::OK)
            .with_header("Content-Type", "text/css")
            .with_header("ETag", "W/\"s\"")
            .with_stream(
                std::io::Cursor::new(text.clone().into_bytes()),
                Some(200_000),
            );
        let mut response = compress(&request(&["gzip"]), response);
        assert_eq!(response.headers().get("content-encoding"), Some("gzip"));
        assert_eq!(response.headers().get("etag"), Some("W/\"s-gzip\""));
        // The compressed length is not known: the engine sends it chunked.
        assert_eq!(response.body().len(), None);
        let Body::Stream { reader, .. } = response.body_mut() else {
            panic!("still a stream");
        };
        let mut compressed = Vec::new();
        reader.read_to_end(&mut compressed).unwrap();
        assert!(compressed.len() < 10_000, "{} bytes", compressed.len());
        assert_eq!(gunzip(&compressed), text.as_bytes());
    }
}
