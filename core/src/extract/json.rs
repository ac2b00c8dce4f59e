//! JSON bodies and responses: `Json<T>`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::FromRequest;
use crate::http::{Request, Response, Status};
use crate::respond::Error;
use crate::respond::IntoResponse;

/// JSON, both ways: as an argument, the request body deserialized into `T`;
/// as a return value, `T` serialized with `Content-Type: application/json`.
///
/// As an extractor: a content type other than `application/json` (or
/// `…+json`) answers `415`, malformed JSON `400`, and JSON that does not fit
/// `T` (a missing field, a string for a number) `422`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Json<T> {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        let is_json = req
            .content_type()
            .is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"));
        if !is_json {
            return Err(Error::new(
                Status::UNSUPPORTED_MEDIA_TYPE,
                "expected Content-Type: application/json",
            ));
        }
        serde_json::from_slice(req.body()).map(Json).map_err(|e| {
            let status = match e.classify() {
                serde_json::error::Category::Data => Status::UNPROCESSABLE_ENTITY,
                _ => Status::BAD_REQUEST,
            };
            Error::new(status, format!("invalid JSON: {e}"))
        })
    }

    /// Absent: no body and no `Content-Type`.
    fn from_request_optional(req: &'a Request) -> Result<Option<Self>, Error> {
        if super::has_no_body(req) {
            return Ok(None);
        }
        Self::from_request(req).map(Some)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_string(&self.0) {
            Ok(text) => Response::json_text(text),
            Err(e) => {
                log::error!("cannot serialize a JSON response: {e}");
                Error::internal("cannot serialize the response").into_response()
            }
        }
    }
}
