//! Path patterns: `/about`, `/api/messages/{id}`, `/static/{*path}`.
//!
//! The grammar lives in the `rung-path` crate, which the route attributes
//! use too: a path that compiles in `#[get("...")]` is a path the router
//! accepts, and the other way round.

pub use rung_path::{Pattern, PatternError, Segment};
