//! Placeholder until the input modules land.
pub mod percent;
