//! Cookies (RFC 6265): reading the `Cookie` request header and writing
//! `Set-Cookie` response headers.
//!
//! The two directions are treated differently on purpose:
//!
//! - *Reading* is tolerant. Browsers, proxies and old scripts send odd
//!   things, and one bad cookie must not make the whole request fail, so
//!   [`parse_cookie_header`] skips what it cannot read.
//! - *Writing* is strict. A cookie value with `;` or a line break in it
//!   could add attributes or even split the response, so [`SetCookie`]
//!   checks everything when it is built and refuses what is not allowed.
//!   Once you hold a `SetCookie`, its header is safe to send.

use std::fmt;
use std::time::{Duration, SystemTime};

/// Reads a `Cookie` header (`a=1; b="two"`) into `(name, value)` pairs, in
/// the order sent.
///
/// Names and values are trimmed of spaces and tabs, and a value in double
/// quotes loses them. Pieces that are not `name=value` with a valid name
/// (an RFC 6265 token), or whose value contains control characters, are
/// skipped. Values are not percent-decoded: a cookie value is opaque.
///
/// A name can appear more than once (cookies set for different paths);
/// browsers send the most specific one first.
///
/// ```
/// use rung::input::cookies::parse_cookie_header;
/// let cookies = parse_cookie_header("theme=dark; junk; id=\"42\"");
/// assert_eq!(cookies, vec![
///     ("theme".to_string(), "dark".to_string()),
///     ("id".to_string(), "42".to_string()),
/// ]);
/// ```
pub fn parse_cookie_header(header: &str) -> Vec<(String, String)> {
    header.split(';').filter_map(parse_cookie_pair).collect()
}

/// Reads one `name=value` piece of a `Cookie` header, or `None` to skip it.
fn parse_cookie_pair(piece: &str) -> Option<(String, String)> {
    const WHITESPACE: [char; 2] = [' ', '\t'];
    let (name, value) = piece.split_once('=')?;
    let name = name.trim_matches(WHITESPACE);
    if !is_token(name) {
        return None;
    }
    let mut value = value.trim_matches(WHITESPACE);
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value = &value[1..value.len() - 1];
    }
    if value.chars().any(char::is_control) {
        return None;
    }
    Some((name.to_string(), value.to_string()))
}

/// Whether `s` is a non-empty HTTP token (RFC 9110 `tchar`s), which is what
/// RFC 6265 requires of a cookie name.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `s` is a valid cookie value: RFC 6265 `cookie-octet`s only,
/// that is printable ASCII except space, `"`, `,`, `;` and `\`.
/// The empty value is valid.
fn is_cookie_value(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'))
}

/// Whether `s` may be the value of a `Path` or `Domain` attribute: no
/// control characters and no `;` (RFC 6265 `av-octet`s).
fn is_attribute_value(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| !b.is_ascii_control() && b != b';' && b.is_ascii())
}

/// The `SameSite` attribute: when a browser sends the cookie along with
/// requests that other sites start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// Only for requests from this site.
    Strict,
    /// Also when following a link from another site (a top-level GET);
    /// what browsers assume when the attribute is absent.
    Lax,
    /// Always, even from other sites' pages. Browsers require `Secure`
    /// with it and drop the cookie otherwise.
    None,
}

impl SameSite {
    /// The attribute value as written in the header.
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Why a cookie could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieError {
    /// The name is empty or not an RFC 6265 token (it contains spaces,
    /// `=`, `;`, control characters, non-ASCII, ...).
    InvalidName(String),
    /// The value contains characters a cookie value cannot hold. The value
    /// itself is not kept, as it may be secret; encode it first, e.g. with
    /// [`percent::encode_component`](super::percent::encode_component).
    InvalidValue {
        /// The cookie's name.
        name: String,
    },
    /// A `Path` or `Domain` value is empty or contains `;` or control
    /// characters.
    InvalidAttribute {
        /// `"Path"` or `"Domain"`.
        attribute: &'static str,
    },
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::InvalidName(name) => write!(f, "{name:?} is not a valid cookie name"),
            CookieError::InvalidValue { name } => write!(
                f,
                "the value of cookie {name:?} contains characters a cookie cannot hold \
                 (spaces, quotes, commas, semicolons, backslashes or control characters)"
            ),
            CookieError::InvalidAttribute { attribute } => write!(
                f,
                "the cookie's {attribute} is empty or contains ';' or control characters"
            ),
        }
    }
}

impl std::error::Error for CookieError {}

/// A cookie to send in a `Set-Cookie` response header.
///
/// Build it with [`SetCookie::new`] and the attribute methods, then write
/// it with [`to_header_value`](SetCookie::to_header_value). Everything is
/// checked as it is set, so a `SetCookie` always renders to a valid header.
///
/// ```
/// use std::time::Duration;
/// use rung::input::cookies::{SameSite, SetCookie};
///
/// # fn main() -> Result<(), rung::input::cookies::CookieError> {
/// let cookie = SetCookie::new("theme", "dark")?
///     .path("/")?
///     .max_age(Duration::from_secs(3600))
///     .http_only(true)
///     .same_site(SameSite::Lax);
/// assert_eq!(
///     cookie.to_header_value(),
///     "theme=dark; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<Duration>,
    expires: Option<SystemTime>,
    http_only: bool,
    secure: bool,
    same_site: Option<SameSite>,
}

impl SetCookie {
    /// Starts a cookie called `name` holding `value`, with no attributes.
    ///
    /// Fails if the name is not a token or the value holds anything but
    /// printable ASCII without space, `"`, `,`, `;` and `\`. To store
    /// arbitrary text, encode it first (e.g.
    /// [`percent::encode_component`](super::percent::encode_component)).
    pub fn new(
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<SetCookie, CookieError> {
        let name = name.into();
        let value = value.into();
        if !is_token(&name) {
            return Err(CookieError::InvalidName(name));
        }
        if !is_cookie_value(&value) {
            return Err(CookieError::InvalidValue { name });
        }
        Ok(SetCookie {
            name,
            value,
            path: None,
            domain: None,
            max_age: None,
            expires: None,
            http_only: false,
            secure: false,
            same_site: None,
        })
    }

    /// A cookie that tells the browser to delete `name`: empty value,
    /// `Max-Age=0` and an `Expires` in 1970.
    ///
    /// A browser only deletes the cookie whose `Path` and `Domain` match,
    /// so set the same ones the cookie was created with.
    pub fn removal(name: impl Into<String>) -> Result<SetCookie, CookieError> {
        Ok(SetCookie::new(name, "")?
            .max_age(Duration::ZERO)
            .expires(SystemTime::UNIX_EPOCH))
    }

    /// Sends the cookie only for URLs under `path` (`Path=/` means the
    /// whole site; without it, the browser uses the current URL's folder).
    pub fn path(mut self, path: impl Into<String>) -> Result<SetCookie, CookieError> {
        let path = path.into();
        if !is_attribute_value(&path) {
            return Err(CookieError::InvalidAttribute { attribute: "Path" });
        }
        self.path = Some(path);
        Ok(self)
    }

    /// Sends the cookie to `domain` and its subdomains too (without it, only
    /// to the exact host that set it).
    pub fn domain(mut self, domain: impl Into<String>) -> Result<SetCookie, CookieError> {
        let domain = domain.into();
        if !is_attribute_value(&domain) {
            return Err(CookieError::InvalidAttribute {
                attribute: "Domain",
            });
        }
        self.domain = Some(domain);
        Ok(self)
    }

    /// Keeps the cookie for this long (`Max-Age`, in whole seconds). Without
    /// `max_age` or `expires` the cookie lasts until the browser closes.
    pub fn max_age(mut self, max_age: Duration) -> SetCookie {
        self.max_age = Some(max_age);
        self
    }

    /// Keeps the cookie until this moment (`Expires`). Browsers prefer
    /// `Max-Age` when both are given; `Expires` is for very old clients.
    pub fn expires(mut self, expires: SystemTime) -> SetCookie {
        self.expires = Some(expires);
        self
    }

    /// `HttpOnly`: hides the cookie from JavaScript, which limits what a
    /// cross-site scripting bug can steal. Use it for session cookies.
    pub fn http_only(mut self, http_only: bool) -> SetCookie {
        self.http_only = http_only;
        self
    }

    /// `Secure`: the browser sends the cookie over HTTPS only.
    pub fn secure(mut self, secure: bool) -> SetCookie {
        self.secure = secure;
        self
    }

    /// `SameSite`: see [`SameSite`].
    pub fn same_site(mut self, same_site: SameSite) -> SetCookie {
        self.same_site = Some(same_site);
        self
    }

    /// The cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie's value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value of the `Set-Cookie` header, attributes in a fixed order:
    /// `name=value; Path=..; Domain=..; Max-Age=..; Expires=..; Secure;
    /// HttpOnly; SameSite=..`.
    pub fn to_header_value(&self) -> String {
        let mut header = format!("{}={}", self.name, self.value);
        if let Some(path) = &self.path {
            header.push_str("; Path=");
            header.push_str(path);
        }
        if let Some(domain) = &self.domain {
            header.push_str("; Domain=");
            header.push_str(domain);
        }
        if let Some(max_age) = self.max_age {
            header.push_str(&format!("; Max-Age={}", max_age.as_secs()));
        }
        if let Some(expires) = self.expires {
            header.push_str("; Expires=");
            header.push_str(&httpdate::fmt_http_date(expires));
        }
        if self.secure {
            header.push_str("; Secure");
        }
        if self.http_only {
            header.push_str("; HttpOnly");
        }
        if let Some(same_site) = self.same_site {
            header.push_str("; SameSite=");
            header.push_str(same_site.as_str());
        }
        header
    }
}

impl fmt::Display for SetCookie {
    /// Writes the same text as [`SetCookie::to_header_value`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_header_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_normal_header_is_read_in_order() {
        assert_eq!(
            parse_cookie_header("a=1; b=2;c=3"),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
    }

    #[test]
    fn odd_input_is_tolerated() {
        assert_eq!(parse_cookie_header(""), vec![]);
        assert_eq!(parse_cookie_header(";;; ;"), vec![]);
        assert_eq!(parse_cookie_header("   "), vec![]);
        assert_eq!(parse_cookie_header("novalue"), vec![]);
        assert_eq!(parse_cookie_header("=nameless"), vec![]);
        assert_eq!(
            parse_cookie_header("  a = 1 ;\tb=\t2\t; ; junk ; c="),
            pairs(&[("a", "1"), ("b", "2"), ("c", "")])
        );
        // Quotes are stripped only when they wrap the whole value.
        assert_eq!(
            parse_cookie_header(r#"q="x y"; h="half; e="""#),
            pairs(&[("q", "x y"), ("h", "\"half"), ("e", "")])
        );
        // `=` inside a value stays (base64 padding, for example).
        assert_eq!(
            parse_cookie_header("t=YQ==; u=a=b"),
            pairs(&[("t", "YQ=="), ("u", "a=b")])
        );
        // Names that are not tokens and values with control characters are
        // skipped, without losing the rest.
        assert_eq!(
            parse_cookie_header("bad name=1; ok=2; é=3; nul=a\0b; x=\u{7f}; last=4"),
            pairs(&[("ok", "2"), ("last", "4")])
        );
        // Repeated names are all kept, in order.
        assert_eq!(
            parse_cookie_header("id=1; id=2"),
            pairs(&[("id", "1"), ("id", "2")])
        );
        // Non-ASCII values are kept as sent.
        assert_eq!(parse_cookie_header("n=café"), pairs(&[("n", "café")]));
    }

    #[test]
    fn set_cookie_with_every_attribute() {
        let cookie = SetCookie::new("sid", "abc123")
            .unwrap()
            .path("/")
            .unwrap()
            .domain("example.org")
            .unwrap()
            .max_age(Duration::from_secs(86_400))
            .expires(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
            .secure(true)
            .http_only(true)
            .same_site(SameSite::Strict);
        assert_eq!(
            cookie.to_header_value(),
            "sid=abc123; Path=/; Domain=example.org; Max-Age=86400; \
             Expires=Sun, 09 Sep 2001 01:46:40 GMT; Secure; HttpOnly; SameSite=Strict"
        );
        assert_eq!(cookie.to_string(), cookie.to_header_value());
        assert_eq!((cookie.name(), cookie.value()), ("sid", "abc123"));
    }

    #[test]
    fn set_cookie_minimal_and_partial() {
        assert_eq!(SetCookie::new("a", "b").unwrap().to_header_value(), "a=b");
        assert_eq!(
            SetCookie::new("empty", "").unwrap().to_header_value(),
            "empty="
        );
        let cookie = SetCookie::new("lang", "en")
            .unwrap()
            .same_site(SameSite::None)
            .secure(true)
            .max_age(Duration::from_millis(1_999));
        assert_eq!(
            cookie.to_header_value(),
            "lang=en; Max-Age=1; Secure; SameSite=None"
        );
        // Turning a flag back off removes it.
        let cookie = SetCookie::new("a", "b")
            .unwrap()
            .http_only(true)
            .http_only(false);
        assert_eq!(cookie.to_header_value(), "a=b");
        let cookie = SetCookie::new("a", "b").unwrap().same_site(SameSite::Lax);
        assert_eq!(cookie.to_header_value(), "a=b; SameSite=Lax");
    }

    #[test]
    fn removal_cookie() {
        assert_eq!(
            SetCookie::removal("sid").unwrap().to_header_value(),
            "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            SetCookie::removal("sid")
                .unwrap()
                .path("/")
                .unwrap()
                .to_header_value(),
            "sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert!(SetCookie::removal("bad name").is_err());
    }

    #[test]
    fn invalid_names_are_refused() {
        for name in [
            "",
            "a b",
            "a=b",
            "a;b",
            "a\r\nSet-Cookie: x",
            "é",
            "a\0",
            "(x)",
            "a,b",
        ] {
            assert_eq!(
                SetCookie::new(name, "v"),
                Err(CookieError::InvalidName(name.to_string())),
                "{name:?}"
            );
        }
    }

    #[test]
    fn invalid_values_are_refused() {
        for value in [
            "a b",
            "a;b",
            "a,b",
            "\"quoted\"",
            "back\\slash",
            "line\r\nX-Injected: 1",
            "tab\t",
            "nul\0",
            "del\u{7f}",
            "café",
        ] {
            let error = SetCookie::new("n", value).unwrap_err();
            assert_eq!(
                error,
                CookieError::InvalidValue {
                    name: "n".to_string()
                },
                "{value:?}"
            );
        }
        // Everything else printable is fine, including `=` and `%`.
        let all_allowed: String = (0x21u8..0x7f)
            .map(char::from)
            .filter(|c| !matches!(c, '"' | ',' | ';' | '\\'))
            .collect();
        assert!(SetCookie::new("n", all_allowed).is_ok());
    }

    #[test]
    fn invalid_attributes_are_refused() {
        let cookie = || SetCookie::new("a", "b").unwrap();
        assert_eq!(
            cookie().path("/; Domain=evil.example"),
            Err(CookieError::InvalidAttribute { attribute: "Path" })
        );
        assert!(cookie().path("/x\r\nX: y").is_err());
        assert!(cookie().path("").is_err());
        assert!(cookie().domain("a\nb").is_err());
        assert!(cookie().domain("").is_err());
        assert!(cookie().path("/ünïcode").is_err());
        assert!(cookie().path("/a b/c").is_ok());
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            CookieError::InvalidName("a b".to_string()).to_string(),
            "\"a b\" is not a valid cookie name"
        );
        assert_eq!(
            CookieError::InvalidAttribute { attribute: "Path" }.to_string(),
            "the cookie's Path is empty or contains ';' or control characters"
        );
    }

    #[test]
    fn a_built_cookie_reads_back() {
        let cookie = SetCookie::new("k", "v%20w").unwrap().path("/").unwrap();
        let header = cookie.to_header_value();
        let (pair, _attributes) = header.split_once(';').unwrap();
        assert_eq!(parse_cookie_header(pair), pairs(&[("k", "v%20w")]));
    }
}
