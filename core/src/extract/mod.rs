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

pub use cookies::Cookies;
pub use form::{Form, Multipart};
pub use json::Json;
pub use path::path_param;
pub use query::Query;
pub use state::State;
pub(crate) use state::StateMap;

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

    /// Declares what this extractor needs from the app, so that a missing
    /// piece stops the server at start-up instead of failing each request.
    /// Most extractors need nothing.
    fn requirements(_requirements: &mut Requirements) {}
}

/// The request itself: `fn handler(req: &Request)`.
impl<'a> FromRequest<'a> for &'a Request {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        Ok(req)
    }
}

/// Optional extractors: `None` instead of a rejection.
impl<'a, T: FromRequest<'a>> FromRequest<'a> for Option<T> {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        Ok(T::from_request(req).ok())
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements)
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
