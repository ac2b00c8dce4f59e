//! Shared app state: `State<T>`.

use std::ops::Deref;
use std::sync::Arc;

use super::{FromRequest, Rejection, Requirements};
use crate::http::{Request, Status};

/// A value shared by every request, given to the app with
/// [`App::state`](crate::App::state): a database handle, a store, settings.
///
/// A handler that asks for `State<T>` when the app has no `T` stops the
/// server at start-up, with a message naming the handler and `T`.
#[derive(Debug)]
pub struct State<T>(pub Arc<T>);

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<'a, T: Send + Sync + 'static> FromRequest<'a> for State<T> {
    fn from_request(req: &'a Request) -> Result<Self, Rejection> {
        req.state::<T>().map(State).ok_or_else(|| {
            Rejection::new(
                Status::INTERNAL_SERVER_ERROR,
                format!("no app state of type {}", std::any::type_name::<T>()),
            )
        })
    }

    fn requirements(requirements: &mut Requirements) {
        requirements.state::<T>();
    }
}
