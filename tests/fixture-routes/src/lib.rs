//! A library crate with one route, used by `tests/tests/registration.rs`
//! to show that a route defined in another crate of the program is
//! registered like one defined beside `main`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rung::get;

/// The fixture route: `GET /fixture`.
#[get("/fixture")]
pub fn fixture() -> &'static str {
    "hello from another crate"
}
