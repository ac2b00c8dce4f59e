//! Mistakes in route attributes are compile errors that point at the
//! user's tokens. Each file in `tests/ui/` is one mistake; the `.stderr`
//! beside it is what the compiler says, checked in. The `url_*.rs` files
//! are mistakes in building a route's URL (`show::url(...)`): a route that
//! does not exist, a value too many or too few, a value of the wrong type.
//!
//! After changing a message, regenerate the files with
//! `TRYBUILD=overwrite cargo test -p rung-tests --test compile_fail`
//! and read the diff.

#[test]
fn route_attribute_mistakes() {
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
