//! Shared app state: `State<T>`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use super::{FromRequest, Requirements};
use crate::http::{Request, Status};
use crate::input::session_data::SessionHandle;
use crate::respond::Error;

/// Every value the app shares with its requests, found by type. The app
/// attaches it to each request's extensions before routing (one `Arc`
/// clone, no copy of the values).
#[derive(Clone, Debug, Default)]
pub(crate) struct StateMap(pub Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

/// What the app attaches to every request it answers, in one extension
/// (one allocation per request rather than one per part): its state, and
/// the place where the request's session is kept once a handler asks for
/// it (filled lazily: most requests never ask; see `session.rs`).
#[derive(Default)]
pub(crate) struct RequestScope {
    /// The app's state.
    pub state: StateMap,
    /// The session of this request, once loaded.
    pub session: OnceLock<SessionHandle>,
}

/// The app's state, on the request (defined here, with `State<T>`, and not
/// in `http/`, which knows nothing of apps).
impl Request {
    /// Shared app state of type `T`, if the app was given one.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let value = self
            .extensions()
            .get::<RequestScope>()?
            .state
            .0
            .get(&TypeId::of::<T>())?;
        value.clone().downcast::<T>().ok()
    }
}

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
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        req.state::<T>().map(State).ok_or_else(|| {
            Error::new(
                Status::INTERNAL_SERVER_ERROR,
                format!("no app state of type {}", std::any::type_name::<T>()),
            )
        })
    }

    fn requirements(requirements: &mut Requirements) {
        requirements.state::<T>();
    }
}
