//! The query string: `Query<T>`.

use serde::de::DeserializeOwned;

use super::{FromRequest, Rejection};
use crate::http::{Request, Status};

/// The query string, deserialized: `/search?q=rust&page=2` into
/// `struct Search { q: String, page: u32 }`. A missing or malformed field
/// answers `400 Bad Request`. Use `Option<...>` fields for optional ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Query<T> {
    fn from_request(req: &'a Request) -> Result<Self, Rejection> {
        let query = req.query().unwrap_or("");
        crate::input::percent::decode(query)
            .map_err(|e| Rejection::new(Status::BAD_REQUEST, format!("bad query string: {e}")))?;
        serde_urlencoded::from_str(query)
            .map(Query)
            .map_err(|e| Rejection::new(Status::BAD_REQUEST, format!("bad query string: {e}")))
    }
}
