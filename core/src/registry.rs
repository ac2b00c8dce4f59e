//! The distributed table that route attributes submit into.
//!
//! `#[get("/about")] fn about()` expands to the function itself plus one
//! `inventory::submit!` of a [`Route`]. `inventory` gathers every submitted
//! value of the whole program at start-up, wherever it was defined — in
//! another module or another crate — so no list of routes is written by
//! hand. [`crate::App`] reads the table with [`routes`] and [`catchers`].
//!
//! One pitfall: a crate that the final binary never refers to is not linked
//! at all, and its routes vanish with it. If routes live in a library crate
//! that `main` does not otherwise use, write `use that_crate as _;` in the
//! binary.

use crate::extract::Requirements;
use crate::http::{Method, Request, Response};

/// A route, as registered by a route attribute.
#[derive(Debug)]
pub struct Route {
    /// The methods it answers (`#[route]` gives GET; HEAD is implied by GET).
    pub methods: &'static [Method],
    /// The path pattern, e.g. `/api/messages/{id}`.
    pub path: &'static str,
    /// The handler's name with its module path, e.g. `demo::api::show`.
    pub name: &'static str,
    /// The source file of the handler.
    pub file: &'static str,
    /// The source line of the handler.
    pub line: u32,
    /// Extracts the arguments, calls the handler, converts its result.
    pub handler: fn(&Request) -> Response,
    /// Declares what the handler's extractors need from the app (such as
    /// `State<T>`), checked once at start-up.
    pub requirements: fn(&mut Requirements),
}

/// An error page handler, as registered by `#[catch(404)]`.
#[derive(Debug)]
pub struct Catcher {
    /// The status it renders a page for.
    pub status: u16,
    /// Only for paths under this prefix (`/api`), or every path (`""`).
    pub prefix: &'static str,
    /// The handler's name with its module path.
    pub name: &'static str,
    /// The source file of the handler.
    pub file: &'static str,
    /// The source line of the handler.
    pub line: u32,
    /// Builds the error page for a request that failed with `status`.
    pub handler: fn(&Request) -> Response,
    /// What the handler's extractors need from the app.
    pub requirements: fn(&mut Requirements),
}

inventory::collect!(Route);
inventory::collect!(Catcher);

/// Every route registered in the program, in link order (unspecified:
/// the router sorts them).
pub fn routes() -> impl Iterator<Item = &'static Route> {
    inventory::iter::<Route>.into_iter()
}

/// Every error page handler registered in the program.
pub fn catchers() -> impl Iterator<Item = &'static Catcher> {
    inventory::iter::<Catcher>.into_iter()
}
