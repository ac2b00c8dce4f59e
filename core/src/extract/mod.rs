//! Extractors: how a handler's arguments are made from the request.
//!
//! A handler argument is either a path parameter (named like a `{param}`
//! of the route, parsed with `FromStr`) or a type implementing
//! [`FromRequest`]. The route attribute generates one call per argument;
//! the first that fails answers the request with its [`Error`]: one
//! error type for extractors and handlers alike.

mod cookies;
mod form;
mod json;
mod path;
mod query;
mod state;

use std::any::TypeId;

use crate::http::Request;
use crate::respond::Error;
use crate::server::RequestId;

pub use cookies::Cookies;
pub use form::{Form, Multipart};
pub use json::Json;
pub use path::path_param;
pub use query::Query;
pub use state::State;
pub(crate) use state::{RequestScope, StateMap};

/// A type that can be made from a request, to be a handler argument.
///
/// Implement it for your own types to make them extractors:
///
/// ```
/// use rung::{Error, FromRequest, Request, Status};
///
/// /// The value of the `X-Api-Key` header, required.
/// struct ApiKey(String);
///
/// impl<'a> FromRequest<'a> for ApiKey {
///     fn from_request(req: &'a Request) -> Result<Self, Error> {
///         req.header("x-api-key")
///             .map(|k| ApiKey(k.to_string()))
///             .ok_or_else(|| Error::new(Status::UNAUTHORIZED, "missing X-Api-Key"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a handler argument",
    label = "not a path parameter of the route, and not an extractor",
    note = "an argument is either named like a `{{param}}` of the path, or a type that implements `rung::FromRequest` (`&Request`, `Query<T>`, `Form<T>`, `Json<T>`, `State<T>`, `Cookies`, `Session`, ...)"
)]
pub trait FromRequest<'a>: Sized {
    /// Makes the value, or says why the request cannot be answered.
    fn from_request(req: &'a Request) -> Result<Self, Error>;

    /// What an `Option<Self>` argument gets: `Ok(None)` when the request
    /// simply does not have this (no query string, no body), and the
    /// refusal when it has it but malformed — a broken form stays a `400`
    /// rather than turning into a silent `None` (axum 0.8 changed the same
    /// thing for the same reason).
    ///
    /// rung's extractors say what "absent" means for each. The default,
    /// for extractors of your own, takes every refusal as absent.
    fn from_request_optional(req: &'a Request) -> Result<Option<Self>, Error> {
        Ok(Self::from_request(req).ok())
    }

    /// Declares what this extractor needs from the app, so that a missing
    /// piece stops the server at start-up instead of failing each request.
    /// Most extractors need nothing.
    fn requirements(_requirements: &mut Requirements) {}
}

/// Whether the request has no body at all (nor a type for one): then a
/// body extractor in an `Option` is `None`.
pub(crate) fn has_no_body(req: &Request) -> bool {
    req.body().is_empty() && req.header("content-type").is_none()
}

/// The request itself: `fn handler(req: &Request)`.
impl<'a> FromRequest<'a> for &'a Request {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        Ok(req)
    }
}

/// Optional extractors: `None` when the request does not have it (see
/// [`FromRequest::from_request_optional`]).
impl<'a, T: FromRequest<'a>> FromRequest<'a> for Option<T> {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        T::from_request_optional(req)
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements)
    }
}

/// The request's id: `fn handler(id: RequestId)` (see [`RequestId`]).
impl<'a> FromRequest<'a> for RequestId {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        req.request_id()
            .cloned()
            .ok_or_else(|| Error::internal("this request has no id: it was not served"))
    }
}

/// What a handler's extractors need from the app, gathered at start-up.
#[derive(Debug, Default)]
pub struct Requirements {
    pub(crate) states: Vec<(TypeId, &'static str)>,
}

impl Requirements {
    /// Declares that app state of type `T` must be provided.
    pub fn state<T: 'static>(&mut self) {
        self.states
            .push((TypeId::of::<T>(), std::any::type_name::<T>()));
    }
}
