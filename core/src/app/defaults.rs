//! The safe defaults an app ships with, on unless it turns them off:
//! security headers on every response, and cross-origin protection for
//! requests that change something.

use std::borrow::Cow;

use crate::http::{is_valid_name, is_valid_value, same_name, Method, Request, Response, Status};
use crate::respond::Error;

/// The security headers every response carries by default, and why.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    // Browsers must not guess a type other than `Content-Type`: an upload
    // served as `text/plain` is never run as a script.
    ("X-Content-Type-Options", "nosniff"),
    // No other site may show these pages in a frame (clickjacking).
    ("X-Frame-Options", "DENY"),
    // Other sites see only the origin in `Referer`, never a path that may
    // hold a token or a search.
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    // A window this site opens, or that opens it, from another origin gets
    // no handle on it (no `window.opener` tricks).
    ("Cross-Origin-Opener-Policy", "same-origin"),
];

/// Headers added to every response that does not set them itself.
///
/// The defaults are borrowed `'static` text, so adding them to a response
/// copies two pointers per header; headers the app sets are copied into the
/// response's own header text. Neither allocates.
///
/// Each is checked once, when it is set: one that could not be written
/// (a CR in a value, say) is added unchecked, and the response writer
/// then refuses it with a `500`, as it does any bad header.
#[derive(Clone, Debug)]
pub(crate) struct SecurityHeaders {
    headers: Vec<SecurityHeader>,
}

#[derive(Clone, Debug)]
struct SecurityHeader {
    name: Cow<'static, str>,
    value: Cow<'static, str>,
    /// Whether the name and value may be written.
    valid: bool,
}

impl SecurityHeader {
    fn new(name: Cow<'static, str>, value: Cow<'static, str>) -> SecurityHeader {
        let valid = is_valid_name(&name) && is_valid_value(&value);
        SecurityHeader { name, value, valid }
    }
}

impl Default for SecurityHeaders {
    fn default() -> SecurityHeaders {
        SecurityHeaders {
            headers: SECURITY_HEADERS
                .iter()
                .map(|&(name, value)| SecurityHeader::new(name.into(), value.into()))
                .collect(),
        }
    }
}

impl SecurityHeaders {
    /// Adds `name`, or changes its value.
    pub fn set(&mut self, name: &str, value: &str) {
        self.remove(name);
        let (name, value) = (name.to_string(), value.to_string());
        self.headers
            .push(SecurityHeader::new(name.into(), value.into()));
    }

    /// Sends `name` no more.
    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
    }

    /// Adds every header the response does not have: a handler that sets
    /// one itself (a page that may be framed) keeps its own value.
    pub fn apply(&self, response: &mut Response) {
        let headers = response.headers_mut();
        // Most responses set none of these themselves: one pass over their
        // fields tells, and then no header needs a search of its own.
        let none_set = !headers.iter().any(|(name, _)| self.includes(name));
        for SecurityHeader { name, value, valid } in &self.headers {
            if none_set || !headers.contains(name) {
                headers.append_shared(name, value, *valid);
            }
        }
    }

    /// Whether `name` is one of the headers sent.
    fn includes(&self, name: &str) -> bool {
        self.headers.iter().any(|h| same_name(&h.name, name))
    }
}

/// Cross-origin protection without tokens, after Go's
/// `http.CrossOriginProtection`: a browser tells where a request comes
/// from (`Sec-Fetch-Site`, or else `Origin`), and a form posted to this
/// site by a page of another origin is refused with `403` — the attack
/// called cross-site request forgery. Clients that send neither header
/// (curl, scripts, API clients with a token) are not browsers acting for
/// a visitor, and pass.
#[derive(Clone, Debug, Default)]
pub(crate) struct CrossOrigin {
    /// Turned off by the app.
    pub off: bool,
    /// Origins allowed to send unsafe requests: `https://admin.example.com`.
    pub trusted: Vec<String>,
    /// Route patterns exempt from the check, as written: `/hooks/{*path}`.
    pub exempt: Vec<String>,
}

impl CrossOrigin {
    /// Refuses `req` with a `403` if a browser sent it from another origin.
    /// `route` is the pattern of the route that would answer it.
    pub fn check(&self, req: &Request, route: &str) -> Result<(), Error> {
        // Safe methods change nothing; OPTIONS is answered by rung itself.
        let unsafe_method = matches!(
            req.method(),
            Method::Post | Method::Put | Method::Patch | Method::Delete
        );
        if self.off || !unsafe_method || self.exempt.iter().any(|p| p == route) {
            return Ok(());
        }
        let origin = req.header("origin");
        if origin.is_some_and(|o| self.trusted.iter().any(|t| t.eq_ignore_ascii_case(o))) {
            return Ok(());
        }
        if let Some(site) = req.header("sec-fetch-site") {
            // `none`: the visitor typed the address or used a bookmark.
            return match site {
                "same-origin" | "none" => Ok(()),
                _ => Err(refused(&format!("the request came from a {site} page"))),
            };
        }
        // An older browser: compare `Origin` with the host it asked for.
        match (origin, req.header("host")) {
            (None, _) => Ok(()),
            (Some(origin), Some(host)) if host_of(origin).eq_ignore_ascii_case(host) => Ok(()),
            (Some(origin), _) => Err(refused(&format!("the request came from {origin}"))),
        }
    }
}

/// `https://example.com:8443` → `example.com:8443`; `null` stays `null`
/// (and matches no host).
fn host_of(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, host)| host)
}

fn refused(why: &str) -> Error {
    Error::new(
        Status::FORBIDDEN,
        format!("cross-origin request refused: {why}, not from this site"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder(method, "/contact").header("Host", "127.0.0.1:9000");
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.build()
    }

    fn allowed(protection: &CrossOrigin, method: Method, headers: &[(&str, &str)]) -> bool {
        protection
            .check(&request(method, headers), "/contact")
            .is_ok()
    }

    #[test]
    fn a_configured_header_that_could_split_a_response_is_refused_when_written() {
        use crate::http::write::{encode, Answering};
        use crate::http::Version;
        let mut headers = SecurityHeaders::default();
        headers.set("X-Evil", "a\r\nSet-Cookie: owned=1");
        let mut response = Response::text("hi");
        headers.apply(&mut response);
        let answering = Answering {
            head_only: false,
            version: Version::Http11,
            keep_alive: true,
            now: std::time::Instant::now(),
        };
        let mut out = Vec::new();
        let encoded = encode(response, answering, &mut out);
        assert_eq!(encoded.status, Status::INTERNAL_SERVER_ERROR);
        assert!(!String::from_utf8(out).unwrap().contains("owned"));
    }

    #[test]
    fn the_rule_of_the_spec() {
        let p = CrossOrigin::default();
        use Method::*;
        // Neither header: curl, scripts, API clients.
        assert!(allowed(&p, Post, &[]));
        for site in ["same-origin", "none"] {
            assert!(allowed(&p, Post, &[("Sec-Fetch-Site", site)]));
        }
        for site in ["same-site", "cross-site", "anything"] {
            assert!(!allowed(&p, Post, &[("Sec-Fetch-Site", site)]), "{site}");
        }
        // Sec-Fetch-Site wins over Origin when both are sent.
        let both = [
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", "http://127.0.0.1:9000"),
        ];
        assert!(!allowed(&p, Post, &both));
        // Origin alone: the same host and port, or refused.
        assert!(allowed(&p, Post, &[("Origin", "http://127.0.0.1:9000")]));
        assert!(!allowed(&p, Post, &[("Origin", "http://127.0.0.1:9001")]));
        assert!(!allowed(&p, Delete, &[("Origin", "https://evil.example")]));
        assert!(!allowed(&p, Put, &[("Origin", "null")]));
        // Safe methods are never checked.
        assert!(allowed(&p, Get, &[("Sec-Fetch-Site", "cross-site")]));
        assert!(allowed(&p, Head, &[("Origin", "https://evil.example")]));
    }

    #[test]
    fn trusted_origins_exemptions_and_off() {
        let cross = [
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", "https://admin.example"),
        ];
        let trusting = CrossOrigin {
            trusted: vec!["https://admin.example".into()],
            ..CrossOrigin::default()
        };
        assert!(allowed(&trusting, Method::Post, &cross));
        let exempting = CrossOrigin {
            exempt: vec!["/contact".into()],
            ..CrossOrigin::default()
        };
        assert!(allowed(&exempting, Method::Post, &cross));
        let other_route = exempting.check(&request(Method::Post, &cross), "/other");
        assert_eq!(other_route.unwrap_err().status(), Status::FORBIDDEN);
        let off = CrossOrigin {
            off: true,
            ..CrossOrigin::default()
        };
        assert!(allowed(&off, Method::Post, &cross));
    }

    #[test]
    fn security_headers_are_added_unless_set() {
        let mut headers = SecurityHeaders::default();
        let mut response = Response::text("x").with_header("X-Frame-Options", "SAMEORIGIN");
        headers.apply(&mut response);
        assert_eq!(
            response.headers().get("x-frame-options"),
            Some("SAMEORIGIN")
        );
        assert_eq!(
            response.headers().get("x-content-type-options"),
            Some("nosniff")
        );
        headers.remove("referrer-policy");
        headers.set("Content-Security-Policy", "default-src 'self'");
        let mut response = Response::text("x");
        headers.apply(&mut response);
        assert_eq!(response.headers().get("referrer-policy"), None);
        assert_eq!(
            response.headers().get("content-security-policy"),
            Some("default-src 'self'")
        );
    }
}
