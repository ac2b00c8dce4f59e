//! Level 3 — a router, and static files with the right type.
//!
//! Level 2 chose the page in one `match`. A router turns that into data: a
//! table of (method, path, function), searched for each request. Adding a
//! page is adding a row. Files under `/static/` come from `demo/public/`,
//! each with the `Content-Type` its extension calls for — and never a file
//! from outside that folder, whatever the path says.
//!
//! ```text
//! cargo run -p demo --bin level3
//! cargo run -p demo --bin check -- 3
//! curl -i http://127.0.0.1:9000/static/style.css      # Content-Type: text/css
//! curl -i --path-as-is http://127.0.0.1:9000/static/../Cargo.toml   # 404
//! ```
//!
//! # How rung fills the same table
//!
//! In [`ROUTES`] every row is written by hand, in one place, far from the
//! function it names. rung writes the row *next to* the function:
//!
//! ```text
//! #[route("/about")]
//! fn about() -> Html<&'static str> { ... }
//! ```
//!
//! The attribute keeps the function as written and adds, after it, the
//! row (from `macros/snapshots/about.expanded.rs`, the exact expansion,
//! checked in and tested):
//!
//! ```text
//! const _: () = {
//!     fn handler(_: &::rung::Request) -> ::rung::Response {
//!         IntoResponse::into_response(about())
//!     }
//!     const ROUTE: ::rung::Route = ::rung::Route {
//!         methods: &[::rung::Method::Get],
//!         path: "/about",
//!         handler,
//!         file: file!(), line: line!(), /* ... */
//!     };
//!     ::rung::__private::inventory::submit!(ROUTE);
//! };
//! ```
//!
//! `inventory::submit!` puts the row in a table that the linker gathers
//! from every file of the program, and at start rung reads it with
//! `inventory::iter` (`core/src/registry.rs`): our [`ROUTES`], with no
//! list to keep up to date.
//! The router that also matches `/{id}` and `/{*path}` is in
//! `core/src/router/`; files (with `304` and ranges) in `core/src/files.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 2's own `main` and `handle_request` go unused here
#[path = "level2.rs"]
mod level2;
pub use level2::*;

use std::path::Path;

/// A row of the routing table: method, path, function.
pub type Route = (&'static str, &'static str, Handler);

/// The routes of levels 1–3, registered by hand.
pub const ROUTES: &[Route] = &[
    ("GET", "/", hello),
    ("GET", "/sleep", sleep),
    ("GET", "/about", about),
];

/// The folder `/static/` serves, found from where this crate's source is.
pub const PUBLIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/public");

/// Runs the function of the first row of `routes` that fits the request.
pub fn dispatch(routes: &[Route], req: &Request) -> Option<Response> {
    let row = routes
        .iter()
        .find(|(m, p, _)| *m == req.method && *p == req.path);
    row.map(|(_, _, handler)| handler(req))
}

/// The site of this level: the table, then static files, then 404.
pub fn route(req: &Request) -> Response {
    dispatch(ROUTES, req)
        .or_else(|| static_file(req))
        .unwrap_or_else(|| not_found(req))
}

/// `GET /about`.
pub fn about(_req: &Request) -> Response {
    Response::html(
        200,
        "<!doctype html>\n<title>About</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n\
         <h1>About</h1>\n<p>A server written from scratch, one level at a time.</p>\n\
         <img src=\"/static/logo.svg\" alt=\"a ladder\" width=\"96\">\n",
    )
}

/// `GET /static/NAME`: a file of [`PUBLIC`], or `None` (then: 404).
///
/// The danger is a path like `/static/../Cargo.toml`, or the same with
/// `..` sent as `%2e%2e`: joined to the folder, it names a file outside.
/// Rather than list what is forbidden (and forget a case), we allow only
/// what is safe: names of letters, digits, `-`, `_` and `.`, not starting
/// with a dot. `..`, `%`, `\` and hidden files are then all refused.
pub fn static_file(req: &Request) -> Option<Response> {
    let name = req.path.strip_prefix("/static/")?;
    if req.method != "GET" || !is_safe_path(name) {
        return None;
    }
    let file = Path::new(PUBLIC).join(name);
    let body = std::fs::read(&file).ok()?;
    // The type from the extension: `.css` → `text/css`, `.svg` → `image/svg+xml`.
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let content_type = if mime.type_() == "text" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    Some(Response::new(200, &content_type, body))
}

/// `style.css`, `img/logo.svg`: segments of safe characters only.
fn is_safe_path(path: &str) -> bool {
    path.split('/').all(|segment| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    })
}

fn main() -> std::io::Result<()> {
    serve(&addr(), parse_request, route)
}
