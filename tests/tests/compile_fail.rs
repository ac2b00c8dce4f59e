//! Mistakes in route attributes are compile errors that point at the
//! user's tokens. Each file in `tests/ui/` is one mistake; the `.stderr`
//! beside it is what the compiler says, checked in.
//!
//! After changing a message, regenerate the files with
//! `TRYBUILD=overwrite cargo test -p rung-tests --test compile_fail`
//! and read the diff.

#[test]
fn route_attribute_mistakes() {
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
