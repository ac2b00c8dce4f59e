//! Hooks: code that runs around every request without touching each
//! handler (Flask's `before_request` / `after_request`, Rocket's fairings).
//!
//! A before-hook runs before routing and may answer early — a maintenance
//! page, a login check — or attach something to the request's extensions
//! for the handlers. An after-hook sees, and may change, every response
//! the app makes: handlers', error pages, 404 and 405, static files, and
//! the answers to requests the engine could not read whole (a 413). Hooks
//! run in the order they were added. A panic in a hook is a 500, as in a
//! handler.

use std::sync::Arc;

use crate::http::{Request, Response};

/// A before-hook: `Some(response)` answers the request without routing it.
pub(crate) type Before = Arc<dyn Fn(&mut Request) -> Option<Response> + Send + Sync>;

/// An after-hook: changes the response about to be sent.
pub(crate) type After = Arc<dyn Fn(&Request, &mut Response) + Send + Sync>;
