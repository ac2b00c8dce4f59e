//! A program that cannot start, two of its routes answering the same
//! requests: the test `main_prints_a_start_error_as_text` runs it to see
//! what a user sees when `main` returns a `rung::StartError`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rung::get;

/// One of the two conflicting routes.
#[get("/items/{id}")]
fn by_id(id: u64) -> String {
    format!("item {id}")
}

/// The other.
#[get("/items/{name}")]
fn by_name(name: String) -> String {
    format!("item {name}")
}

fn main() -> Result<(), rung::StartError> {
    rung::serve("127.0.0.1:0")
}
