//! Property tests for every parser rung owns: generated input, checked
//! against what must always hold. Case counts are fixed to keep CI short;
//! failing seeds are saved in `core/src/props.proptest-regressions` and
//! replayed on every later run.
//!
//! They live inside the crate (a `#[cfg(test)]` module), not in `tests/`,
//! because they drive the engine's internals (the head parser, the body
//! decoder, the router), which are not public API.

use std::io::Read;

use crate::http::body::BodyDecoder;
use crate::http::head::{self, Framing, Parsed};
use crate::input::{cookies, multipart, percent, signed, urlencoded};
use crate::router::{RouteEntry, Routed, Router};
use crate::{Limits, Method, Request, Response};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    ProptestConfig {
        // 256 in CI; `PROPTEST_CASES=20000 cargo test -p rung --lib props` for a long run.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        // Failing seeds are kept beside this file and replayed first.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "src/props.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// A header name: an RFC 9110 token.
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9!#$&'*+.^_`|~-]{0,15}"
}

/// A path segment, sometimes percent-encoded, never `.`/`..`.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_~-]{1,8}",
        "[a-z]{1,4}%[2-7][0-9A-F]",
        "%C3%A9[a-z]{0,3}",
    ]
}

fn limits() -> Limits {
    Limits::default()
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the bytes, parsing never panics, and a head it accepts is
    /// one rung can trust: a known method, a UTF-8 target without NUL, and
    /// header fields that could be written back without splitting anything.
    #[test]
    fn arbitrary_bytes_never_yield_a_bad_head(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(Parsed::Complete { head, len }) = head::parse(&bytes, &limits()) {
            prop_assert!(len <= bytes.len());
            prop_assert!(Method::ALL.contains(&head.method));
            prop_assert!(!head.path().contains('\0'));
            prop_assert!(head.target.starts_with('/') || head.target == "*");
            for (name, value) in head.headers.iter() {
                prop_assert!(crate::http::is_valid_name(name), "{name:?}");
                prop_assert!(crate::http::is_valid_value(value), "{value:?}");
            }
        }
    }

    /// Request-like text with damage in random places never panics either.
    #[test]
    fn damaged_requests_never_panic(
        cut in 0usize..120,
        noise in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut raw = b"POST /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n".to_vec();
        let at = cut.min(raw.len());
        raw.splice(at..at, noise);
        let _ = head::parse(&raw, &limits());
    }

    /// A valid request, written out and parsed, comes back as it was.
    #[test]
    fn valid_requests_round_trip(
        method in prop::sample::select(vec![Method::Get, Method::Post, Method::Put, Method::Delete, Method::Patch]),
        segments in proptest::collection::vec(segment(), 0..5),
        query in proptest::option::of("[a-z]{1,5}=([a-z0-9]|%2B){0,6}"),
        headers in proptest::collection::vec((token(), "[ -~]{0,30}"), 0..10),
        length in proptest::option::of(0u64..5000),
    ) {
        let path = format!("/{}", segments.join("/"));
        let target = match &query { Some(q) => format!("{path}?{q}"), None => path.clone() };
        let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: example.com\r\n");
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(n, _)| !["host", "content-length", "transfer-encoding", "expect", "connection"].contains(&n.to_ascii_lowercase().as_str()))
            .map(|(n, v)| (n, v.trim().to_string()))
            .collect();
        for (name, value) in &headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(n) = length {
            raw.push_str(&format!("Content-Length: {n}\r\n"));
        }
        raw.push_str("\r\n");
        let Ok(Parsed::Complete { head, len }) = head::parse(raw.as_bytes(), &limits()) else {
            return Err(TestCaseError::fail(format!("did not parse: {raw:?}")));
        };
        prop_assert_eq!(len, raw.len());
        prop_assert_eq!(head.method, method);
        prop_assert_eq!(&head.target, &target);
        prop_assert_eq!(head.path(), &percent::decode(&path).unwrap().into_owned());
        for (name, value) in &headers {
            prop_assert!(head.headers.get_all(name).any(|v| v == value));
        }
        let expected = match length { Some(0) | None => Framing::None, Some(n) => Framing::Length(n) };
        prop_assert_eq!(head.framing, expected);
    }

    /// Any body, cut into random chunks with random extensions and
    /// trailers, and fed to the decoder in random pieces, comes back whole;
    /// the bytes after it are left for the next request.
    #[test]
    fn chunked_bodies_round_trip(
        body in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(1usize..700, 0..20),
        extension in proptest::option::of(";[a-z]{1,5}(=[a-z0-9]{1,5})?"),
        trailer in proptest::option::of("[A-Za-z-]{1,10}: [a-z ]{0,10}"),
        feed in proptest::collection::vec(1usize..50, 1..10),
        upper in any::<bool>(),
    ) {
        let mut wire = Vec::new();
        let mut rest = &body[..];
        let mut cuts = cuts.into_iter().cycle();
        while !rest.is_empty() {
            let n = cuts.next().unwrap_or(rest.len()).min(rest.len());
            let size = if upper { format!("{n:X}") } else { format!("{n:x}") };
            wire.extend_from_slice(size.as_bytes());
            wire.extend_from_slice(extension.as_deref().unwrap_or("").as_bytes());
            wire.extend_from_slice(b"\r\n");
            wire.extend_from_slice(&rest[..n]);
            wire.extend_from_slice(b"\r\n");
            rest = &rest[n..];
        }
        wire.extend_from_slice(b"0\r\n");
        if let Some(t) = &trailer {
            wire.extend_from_slice(t.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b"\r\nNEXT");
        let mut decoder = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
        let mut at = 0;
        let mut pieces = feed.into_iter().cycle();
        while !decoder.is_done() {
            prop_assert!(at < wire.len(), "decoder wants more than the body");
            let end = (at + pieces.next().unwrap()).min(wire.len());
            at += decoder.feed(&wire[at..end]).unwrap();
        }
        prop_assert_eq!(&wire[at..], b"NEXT");
        prop_assert_eq!(decoder.into_body(), body);
    }

    /// A chunk size with anything but hex digits before the extensions is
    /// rejected, never read as some other number.
    #[test]
    fn malformed_chunk_sizes_are_rejected(
        size in 1u32..0xffff,
        damage in prop::sample::select(vec!["+", "-", "0x", "_", " ", "\t", "g", "\u{b}"]),
        before in any::<bool>(),
    ) {
        let hex = format!("{size:x}");
        let line = if before { format!("{damage}{hex}") } else { format!("{hex}{damage}") };
        let raw = format!("{line}\r\n");
        let mut decoder = BodyDecoder::new(Framing::Chunked, 1 << 20).unwrap();
        prop_assert!(decoder.feed(raw.as_bytes()).is_err(), "{line:?} accepted");
    }

    /// Percent-decoding either fails or yields UTF-8 without NUL, and
    /// encoding then decoding gives the input back.
    #[test]
    fn percent_decoding_is_strict_and_round_trips(input in "[^\0]{0,40}", raw in "[%0-9a-fA-F/.a-z]{0,30}") {
        let encoded = percent::encode_component(&input);
        prop_assert_eq!(percent::decode(&encoded).unwrap(), input.clone());
        if let Ok(decoded) = percent::decode(&raw) {
            prop_assert!(!decoded.contains('\0'));
        }
    }

    /// Urlencoded pairs written out and parsed come back equal.
    #[test]
    fn urlencoded_pairs_round_trip(pairs in proptest::collection::vec(("[^\0]{1,10}", "[^\0]{0,10}"), 0..8)) {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent::encode_component(k), percent::encode_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        prop_assert_eq!(urlencoded::parse_pairs(&body).unwrap(), pairs);
    }

    /// Arbitrary bytes never crash the multipart parser; generated forms
    /// parse back into their fields.
    #[test]
    fn multipart_forms_round_trip(
        fields in proptest::collection::vec(("[a-z]{1,8}", proptest::collection::vec(any::<u8>(), 0..200)), 1..6),
        garbage in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let boundary = "rung-boundary-7MA4YWxkTrZu0gW";
        let limits = multipart::MultipartLimits::default();
        let _ = multipart::parse(&garbage, boundary, &limits);
        let mut body = Vec::new();
        for (name, data) in &fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let parts = multipart::parse(&body, boundary, &limits).unwrap();
        prop_assert_eq!(parts.len(), fields.len());
        for (part, (name, data)) in parts.iter().zip(&fields) {
            prop_assert_eq!(&part.name, name);
            prop_assert_eq!(&part.data, data);
        }
    }

    /// Any `Cookie` header is handled, and what it yields is well-formed.
    #[test]
    fn cookie_headers_never_panic(header in ".{0,200}") {
        for (name, value) in cookies::parse_cookie_header(&header) {
            prop_assert!(!name.is_empty());
            prop_assert!(!name.contains([';', '=', ' ']));
            prop_assert!(!value.contains(';'));
        }
    }

    /// Any change to a signed value is rejected: a flipped character, a
    /// cut, or bytes added.
    #[test]
    fn changed_signed_values_are_rejected(
        payload in proptest::collection::vec(any::<u8>(), 0..100),
        at in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9_.=-]",
        cut in any::<prop::sample::Index>(),
    ) {
        let key = signed::SessionKey::from_secret("property tests need a key of 32+ bytes");
        let value = signed::sign(&key, &payload);
        prop_assert_eq!(signed::verify(&key, &value), Some(payload.clone()));
        let mut chars: Vec<char> = value.chars().collect();
        let i = at.index(chars.len());
        let r = replacement.chars().next().unwrap();
        if chars[i] != r {
            chars[i] = r;
            let changed: String = chars.iter().collect();
            prop_assert_eq!(signed::verify(&key, &changed), None, "{} accepted", changed);
        }
        let shorter = &value[..cut.index(value.len())];
        prop_assert_eq!(signed::verify(&key, shorter), None);
        prop_assert_eq!(signed::verify(&key, &format!("{value}A")), None);
    }
}

/// Route sets: distinct literal prefixes, each with params and maybe a tail.
fn route_set() -> impl Strategy<Value = Vec<(String, usize, bool)>> {
    proptest::collection::btree_map("[a-z]{1,6}", (0usize..3, any::<bool>()), 1..8).prop_map(|m| {
        m.into_iter()
            .map(|(name, (params, tail))| (name, params, tail))
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    /// For a generated set of routes without conflicts, every path built to
    /// match a route reaches that route, with its parameters decoded.
    #[test]
    fn generated_paths_reach_their_route(
        routes in route_set(),
        values in proptest::collection::vec("[a-zA-Z0-9]{1,6}|%20[a-z]{1,3}", 4),
    ) {
        let entries = routes.iter().enumerate().map(|(i, (name, params, tail))| {
            let mut pattern = format!("/{name}");
            for p in 0..*params {
                pattern.push_str(&format!("/{{p{p}}}"));
            }
            if *tail {
                pattern.push_str("/{*rest}");
            }
            let label = i.to_string();
            RouteEntry::new(vec![Method::Get], pattern, label.clone(), "props", std::sync::Arc::new(move |_: &Request| Response::text(label.clone())))
        }).collect();
        let router = Router::new(entries).unwrap();
        for (i, (name, params, tail)) in routes.iter().enumerate() {
            let mut path = format!("/{name}");
            for v in values.iter().take(*params) {
                path.push('/');
                path.push_str(v);
            }
            if *tail {
                path.push_str("/x/y");
            }
            match router.route(Method::Get, &path) {
                Routed::Found(route, found) => {
                    prop_assert_eq!(&route.name, &i.to_string(), "{} reached the wrong route", path);
                    for (j, (_, value)) in found.iter().take(*params).enumerate() {
                        prop_assert_eq!(value, &percent::decode(&values[j]).unwrap().into_owned());
                    }
                }
                _ => return Err(TestCaseError::fail(format!("{path} matched nothing"))),
            }
            // One segment too many (and no tail to take it) matches nothing.
            if !*tail {
                let longer = format!("{path}/extra");
                prop_assert!(matches!(router.route(Method::Get, &longer), Routed::NotFound), "{} matched", longer);
            }
        }
    }
}

/// Route sets for URL building: distinct static prefixes (some that must
/// be percent-encoded in a URL), each with parameters and maybe a tail.
fn url_route_set() -> impl Strategy<Value = Vec<(String, usize, bool)>> {
    proptest::collection::btree_map("[a-zé:@!]{1,6}", (0usize..3, any::<bool>()), 1..6).prop_map(
        |m| {
            m.into_iter()
                .map(|(name, (params, tail))| (name, params, tail))
                .collect()
        },
    )
}

/// Any text but NUL, often with the characters that mean something in a
/// URL.
fn url_value(min: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!("[^\\x00]{{{min},10}}")).unwrap(),
        proptest::string::string_regex(&format!("[/%?#&=+. é🦀]{{{min},10}}")).unwrap(),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// For a generated set of routes and arbitrary values, the URL built
    /// for a route reaches that route with the same values: the route's
    /// URL template (`Pattern::url_template`, the format string the route
    /// attributes write) filled as the generated `url` functions fill it,
    /// each value encoded by `url::segment` (a parameter) or `url::tail`.
    #[test]
    fn built_urls_reach_their_route_with_the_same_values(
        routes in url_route_set(),
        values in proptest::collection::vec(url_value(1), 2),
        tail_value in url_value(0),
    ) {
        let pattern_of = |(name, params, tail): &(String, usize, bool)| {
            let mut pattern = format!("/{name}");
            for p in 0..*params {
                pattern.push_str(&format!("/{{p{p}}}"));
            }
            if *tail {
                pattern.push_str("/{*rest}");
            }
            pattern
        };
        let entries = routes.iter().enumerate().map(|(i, route)| {
            let label = i.to_string();
            RouteEntry::new(vec![Method::Get], pattern_of(route), label, "props", std::sync::Arc::new(|_: &Request| Response::text("")))
        }).collect();
        let router = Router::new(entries).unwrap();
        for (i, route) in routes.iter().enumerate() {
            let (_, params, tail) = route;
            let pattern = rung_path::Pattern::parse(&pattern_of(route)).unwrap();
            let mut url = pattern.url_template();
            let mut expected = Vec::new();
            for (p, value) in values.iter().take(*params).enumerate() {
                url = url.replace(&format!("{{p{p}}}"), &crate::url::segment(value));
                expected.push(value.clone());
            }
            if *tail {
                url = url.replace("{rest}", &crate::url::tail(&tail_value));
                expected.push(tail_value.clone());
            }
            match router.route(Method::Get, &url) {
                Routed::Found(found, captured) => {
                    prop_assert_eq!(&found.name, &i.to_string(), "{} reached the wrong route", url);
                    let captured: Vec<String> = captured.into_iter().map(|(_, value)| value).collect();
                    prop_assert_eq!(captured, expected, "{}", url);
                }
                _ => return Err(TestCaseError::fail(format!("{url} matched nothing"))),
            }
        }
    }
}

mod static_root {
    use super::*;
    use crate::files::StaticFiles;

    fn setup() -> (std::path::PathBuf, StaticFiles) {
        let dir = std::env::temp_dir().join(format!("rung-props-files-{}", std::process::id()));
        let public = dir.join("public");
        std::fs::create_dir_all(public.join("sub")).unwrap();
        std::fs::write(public.join("ok.txt"), "ok").unwrap();
        std::fs::write(public.join("sub/ok.txt"), "ok").unwrap();
        std::fs::write(dir.join("secret.txt"), "SECRET").unwrap();
        let _ = std::os::unix::fs::symlink(dir.join("secret.txt"), public.join("link"));
        let _ = std::os::unix::fs::symlink(&dir, public.join("up"));
        let files = StaticFiles::new(&public).unwrap();
        (dir, files)
    }

    proptest! {
        #![proptest_config(config())]

        /// However the pieces are combined — `..`, encoded dots and
        /// slashes, backslashes, NUL, symlinks out of the root — no answer
        /// ever carries a file from outside the root.
        #[test]
        fn no_path_escapes_the_root(pieces in proptest::collection::vec(prop::sample::select(vec![
            "..", ".", "", "sub", "ok.txt", "secret.txt", "link", "up", "%2e%2e", "%2f", "\\", "..\\", "\0", "/", "%00", "..%2f",
        ]), 0..8)) {
            let (_dir, files) = setup();
            let relative = pieces.join("/");
            // The router hands `serve` the decoded tail; try both spellings.
            let decoded = percent::decode(&relative).map(|d| d.into_owned()).unwrap_or_else(|_| relative.clone());
            for rel in [&relative, &decoded] {
                let req = Request::builder(Method::Get, "/static/x").build();
                let response = files.serve(&req, rel);
                let mut body = Vec::new();
                match response.body() {
                    crate::Body::Stream { .. } => {
                        let mut response = response;
                        if let crate::Body::Stream { reader, .. } = response.body_mut() {
                            reader.read_to_end(&mut body).unwrap();
                        }
                    }
                    _ => body.extend_from_slice(response.body_bytes().unwrap_or(&[])),
                }
                prop_assert!(!String::from_utf8_lossy(&body).contains("SECRET"), "{:?} escaped the root", rel);
            }
        }
    }
}
