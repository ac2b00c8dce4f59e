//! Form bodies: `Form<T>` and `Multipart`.

use serde::de::DeserializeOwned;

use super::FromRequest;
use crate::http::{Request, Status};
use crate::input::multipart::{self, MultipartError, MultipartLimits, Part};
use crate::input::urlencoded::{self, FormError};
use crate::respond::Error;

/// A submitted HTML form, deserialized into `T`.
///
/// Accepts `application/x-www-form-urlencoded` and `multipart/form-data`
/// (its text fields; use [`Multipart`] for file parts). For a raw map, ask
/// for `Form<HashMap<String, String>>`.
///
/// Another content type answers `415`, a malformed body `400`, parts over
/// the limits `413`, and fields that do not fit `T` (one missing, a number
/// that is not a number) `422`, naming the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        let pairs = match req.content_type().as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let body = std::str::from_utf8(req.body())
                    .map_err(|_| Error::new(Status::BAD_REQUEST, "form body is not UTF-8"))?;
                urlencoded::parse_pairs(body)
                    .map_err(|e| Error::new(Status::BAD_REQUEST, format!("malformed form: {e}")))?
            }
            Some("multipart/form-data") => {
                let parts = multipart_parts(req)?;
                multipart::text_fields(&parts).map_err(multipart_rejection)?
            }
            _ => {
                return Err(Error::new(
                    Status::UNSUPPORTED_MEDIA_TYPE,
                    "expected a form (application/x-www-form-urlencoded or multipart/form-data)",
                ))
            }
        };
        urlencoded::from_pairs(&pairs)
            .map(Form)
            .map_err(|e| Error::new(form_status(&e), format!("invalid form: {e}")))
    }

    /// Absent: no body and no `Content-Type`.
    fn from_request_optional(req: &'a Request) -> Result<Option<Self>, Error> {
        if super::has_no_body(req) {
            return Ok(None);
        }
        Self::from_request(req).map(Some)
    }
}

/// Every part of a `multipart/form-data` body, files included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multipart(pub Vec<Part>);

impl Multipart {
    /// The first part called `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.0.iter().find(|p| p.name == name)
    }
}

impl<'a> FromRequest<'a> for Multipart {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        if req.content_type().as_deref() != Some("multipart/form-data") {
            return Err(Error::new(
                Status::UNSUPPORTED_MEDIA_TYPE,
                "expected multipart/form-data",
            ));
        }
        multipart_parts(req).map(Multipart)
    }

    /// Absent: no body and no `Content-Type`.
    fn from_request_optional(req: &'a Request) -> Result<Option<Self>, Error> {
        if super::has_no_body(req) {
            return Ok(None);
        }
        Self::from_request(req).map(Some)
    }
}

fn multipart_parts(req: &Request) -> Result<Vec<Part>, Error> {
    let content_type = req.header("content-type").unwrap_or("");
    let boundary = multipart::boundary_from_content_type(content_type).ok_or_else(|| {
        Error::new(
            Status::BAD_REQUEST,
            "multipart/form-data without a valid boundary",
        )
    })?;
    multipart::parse(req.body(), &boundary, &MultipartLimits::default())
        .map_err(multipart_rejection)
}

/// Broken form text is a `400`; well-formed text that does not fit the
/// type (a field missing, or of the wrong kind) is a `422`.
fn form_status(e: &FormError) -> Status {
    match e {
        FormError::Malformed(_) => Status::BAD_REQUEST,
        FormError::Invalid { .. } => Status::UNPROCESSABLE_ENTITY,
    }
}

/// Too much is a `413` (too many parts, a part too large); the rest of what
/// can go wrong in a multipart body is a `400`.
fn multipart_rejection(e: MultipartError) -> Error {
    let status = match e {
        MultipartError::PartTooLarge { .. } | MultipartError::TooManyParts { .. } => {
            Status::PAYLOAD_TOO_LARGE
        }
        _ => Status::BAD_REQUEST,
    };
    Error::new(status, format!("malformed multipart form: {e}"))
}
