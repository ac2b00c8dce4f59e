//! End-to-end tests of rung and the demo over real sockets live in
//! `tests/tests/`; this library is empty. The package's one binary,
//! `signal_server`, is the process the graceful-shutdown test signals.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
