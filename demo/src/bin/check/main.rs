//! `cargo run -p demo --bin check -- LEVEL [URL] [--verbose]`: grades an
//! HTTP server against the course's levels, from the outside.
//!
//! It speaks raw HTTP/1.1 over `std::net` (see `http.rs`), so it checks a
//! server written in any language: the lessons in `demo/src/bin/`, the
//! demo site, or your own. Checks are cumulative: `check 4` runs the steps
//! of levels 1 to 4 (the table in `steps.rs`). One line per step, PASS or
//! FAIL; a failure shows the exact bytes sent, what came back and a hint.
//! `--verbose` shows every exchange, passed or not. The exit status is 0
//! only when every step passed.
//!
//! ```text
//! cargo run -p demo --bin level3 &
//! cargo run -p demo --bin check -- 3                  # http://127.0.0.1:9000/
//! cargo run -p demo --bin check -- 9 http://127.0.0.1:8080/ --verbose
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod http;
mod steps;

use std::process::ExitCode;

use http::{show, Exchange, Target};
use steps::{Ctx, Failure, STEPS};

/// Where a server listens when no URL is given: the lessons' default.
const DEFAULT_URL: &str = "http://127.0.0.1:9000/";

/// How many bytes of a request or response a report shows.
const SHOWN_BYTES: usize = 700;

const USAGE: &str = "usage: check LEVEL [URL] [--verbose]
  LEVEL      1 to 9: runs the steps of every level up to this one
  URL        the server to check (default http://127.0.0.1:9000/)
  --verbose  show every request and response, not only failures";

fn main() -> ExitCode {
    let mut level = None;
    let mut url = DEFAULT_URL.to_string();
    let mut verbose = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if level.is_none() => match arg.parse::<u8>() {
                Ok(n @ 1..=9) => level = Some(n),
                _ => return usage_error(&format!("LEVEL must be 1 to 9, not {arg:?}")),
            },
            _ => url = arg,
        }
    }
    let Some(level) = level else {
        return usage_error("which level? e.g. `check 3`");
    };
    let target = match Target::parse(&url) {
        Ok(target) => target,
        Err(e) => return usage_error(&e),
    };
    raise_open_files_limit();

    println!("checking level {level} at http://{}/", target.host);
    if let Err(e) = target.connect() {
        println!("FAIL cannot connect to http://{}/: {e}", target.host);
        println!("     hint: is the server running? e.g. `cargo run -p demo --bin level{level}`");
        return ExitCode::FAILURE;
    }
    let ctx = Ctx::new(target);
    let steps: Vec<_> = STEPS.iter().filter(|s| s.level <= level).collect();
    let mut failed = 0;
    for step in &steps {
        let outcome = (step.run)(&ctx);
        let verdict = if outcome.is_ok() { "PASS" } else { "FAIL" };
        println!("{verdict} {} {}", step.id, step.name);
        if let Err(failure) = &outcome {
            failed += 1;
            report(failure);
        }
        let log = ctx.take_log();
        if verbose {
            for exchange in &log {
                print_exchange(exchange);
                if let Err(e) = &exchange.response {
                    println!("     error: {e}");
                }
            }
        }
    }
    if failed == 0 {
        println!("all {} steps of levels 1-{level} passed", steps.len());
        ExitCode::SUCCESS
    } else {
        println!("{failed} of {} steps failed", steps.len());
        ExitCode::FAILURE
    }
}

/// The details under a FAIL line.
fn report(failure: &Failure) {
    println!("     what: {}", failure.what);
    if let Some(exchange) = &failure.exchange {
        print_exchange(exchange);
    }
    println!("     hint: {}", failure.hint);
}

/// The bytes that went each way.
fn print_exchange(exchange: &Exchange) {
    println!("     sent ({} bytes):", exchange.sent.len());
    println!("{}", show(&exchange.sent, SHOWN_BYTES));
    if exchange.received.is_empty() {
        println!("     received: nothing");
    } else {
        println!(
            "     received ({} bytes in {} ms):",
            exchange.received.len(),
            exchange.took.as_millis()
        );
        println!("{}", show(&exchange.received, SHOWN_BYTES));
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("check: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Level 9 holds a thousand connections open at once, and each is a file
/// descriptor; many systems allow only 1,024 by default (`ulimit -n`).
/// A process may raise its own "soft" limit up to the "hard" one, so do
/// that; if the hard limit is too low, step 9 says so.
fn raise_open_files_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if let (Some(soft), Some(hard)) = (limit.current, limit.maximum) {
        if soft < hard {
            limit.current = Some(hard);
            let _ = setrlimit(Resource::Nofile, limit);
        }
    }
}
