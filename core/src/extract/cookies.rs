//! Request cookies: `Cookies`.

use super::FromRequest;
use crate::http::Request;
use crate::input::cookies::parse_cookie_header;
use crate::respond::Error;

/// The cookies the client sent, by name. Malformed pieces of the `Cookie`
/// header are skipped, never an error. To set a cookie, add a `Set-Cookie`
/// header built with [`SetCookie`](crate::input::cookies::SetCookie) to the
/// response ([`Response::with_cookie`](crate::Response::with_cookie)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cookies {
    pairs: Vec<(String, String)>,
}

impl Cookies {
    /// The value of the cookie called `name` (the first one, if repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair, in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl<'a> FromRequest<'a> for Cookies {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        let pairs = req
            .headers()
            .get_all("cookie")
            .flat_map(parse_cookie_header)
            .collect();
        Ok(Cookies { pairs })
    }
}
