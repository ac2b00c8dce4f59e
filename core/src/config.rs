//! How the server runs: its limits and timeouts (defined with the wire
//! they protect, in `http/limits.rs`), its threads, and tracing. All of
//! them can be changed through [`crate::App`].

pub use crate::http::{Limits, Timeouts};

/// How the server runs: limits, timeouts, threads and tracing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Limits on requests.
    pub limits: Limits,
    /// Connection timeouts.
    pub timeouts: Timeouts,
    /// Worker threads that read requests and run handlers; by default four
    /// per CPU and at least 16, so a few slow handlers never hold up the rest.
    pub workers: usize,
    /// Print each raw request head and response head (HTTP on the wire, for
    /// learning) through the `log` target `rung::trace`.
    pub trace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            workers: default_workers(),
            trace: false,
        }
    }
}

/// Four worker threads per CPU, at least 16.
pub fn default_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus * 4).max(16)
}
