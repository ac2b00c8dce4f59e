//! Form bodies: `Form<T>`.

use serde::de::DeserializeOwned;

use super::{FromRequest, Rejection};
use crate::http::{Request, Status};

/// A submitted HTML form, deserialized into `T`.
///
/// Accepts `application/x-www-form-urlencoded` bodies. Another content type
/// answers `415`, a malformed body `400`, and a body whose fields do not
/// fit `T` (one missing, a number that is not a number) `422`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    fn from_request(req: &'a Request) -> Result<Self, Rejection> {
        match req.content_type().as_deref() {
            Some("application/x-www-form-urlencoded") => {}
            _ => {
                return Err(Rejection::new(
                    Status::UNSUPPORTED_MEDIA_TYPE,
                    "expected a form (application/x-www-form-urlencoded)",
                ))
            }
        }
        let body = std::str::from_utf8(req.body())
            .map_err(|_| Rejection::new(Status::BAD_REQUEST, "form body is not UTF-8"))?;
        crate::input::percent::decode(body)
            .map_err(|e| Rejection::new(Status::BAD_REQUEST, format!("malformed form: {e}")))?;
        serde_urlencoded::from_str(body)
            .map(Form)
            .map_err(|e| Rejection::new(Status::UNPROCESSABLE_ENTITY, format!("invalid form: {e}")))
    }
}
