//! The query string: `Query<T>`.

use serde::de::DeserializeOwned;

use super::FromRequest;
use crate::http::{Request, Status};
use crate::input::urlencoded;
use crate::respond::Error;

/// The query string, deserialized: `/search?q=rust&page=2` into
/// `struct Search { q: String, page: u32 }`. A missing or malformed field
/// answers `400 Bad Request`, naming it. Use `Option<...>` for optional ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Query<T> {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        urlencoded::parse(req.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| Error::new(Status::BAD_REQUEST, format!("bad query string: {e}")))
    }

    /// Absent: no query string, or an empty one (`/search?`).
    fn from_request_optional(req: &'a Request) -> Result<Option<Self>, Error> {
        match req.query() {
            None | Some("") => Ok(None),
            Some(_) => Self::from_request(req).map(Some),
        }
    }
}
