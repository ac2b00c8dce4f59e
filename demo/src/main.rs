//! `cargo run -p demo`: serves the demo site.
//!
//! ```text
//! cargo run -p demo -- --addr 127.0.0.1:9000 --data-dir ./data --trace
//! ```
//!
//! Options (`--help` lists them): `--addr HOST:PORT` (default
//! `127.0.0.1:9000`), `--data-dir DIR` (default `./data`, created if
//! missing), `--database-url URL` (or env `DATABASE_URL`: messages in
//! PostgreSQL instead of the data dir), `--workers N` (default 4 per CPU,
//! at least 16), `--secret KEY` (or env `RUNG_SECRET`; random when absent;
//! repeated, or `RUNG_SECRET=new,old`, to rotate keys: the first signs, all
//! are accepted), `--admin-token TOKEN` (or env `RUNG_ADMIN_TOKEN`),
//! `--trace` (print raw request and response heads).
//!
//! Templates and static files are read from `demo/templates/` and
//! `demo/public/` in the source tree — their paths are compiled in with
//! `env!("CARGO_MANIFEST_DIR")` (see `demo::TEMPLATES_DIR`) — so the site
//! works from whatever directory the command runs in.
//!
//! The log goes to stderr: one access line per request (target
//! `rung::access`) and, with `--trace`, the heads (target `rung::trace`).
//! `RUST_LOG` changes what is shown, e.g. `RUST_LOG=warn` hides the access
//! log.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::process::ExitCode;

use clap::Parser;
use demo::Options;

fn main() -> ExitCode {
    tune_malloc();
    let options = Options::parse();
    init_logging(options.trace);
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The settings of glibc's malloc the demo runs with, in the syntax of the
/// `GLIBC_TUNABLES` environment variable.
///
/// By default glibc gives each of the 16 worker threads an arena and a
/// cache of freed blocks of its own ("tcache"). Requests are spread over all
/// the workers, so every thread's cache slowly fills with blocks of every
/// size, each pinning its part of the heap: in the soak (`bench/soak.sh`)
/// the server's memory crept up by 11 % in the last 400 of 600 seconds, with
/// the live heap level all along (heaptrack). Two shared arenas and no
/// per-thread cache keep it level, and a third smaller (4.7–5.1 MiB instead
/// of 7.5–8.3 MiB), at no cost in requests per second that `wrk` could
/// tell from run-to-run noise.
const MALLOC_TUNABLES: &str = "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0";

/// Runs the demo again with [`MALLOC_TUNABLES`] if `GLIBC_TUNABLES` is not
/// set: glibc reads it only when a program starts, and there is no call to
/// change the per-thread cache later. `exec` keeps the process (same PID,
/// arguments, environment plus the one variable), so nothing outside can
/// tell, and a `GLIBC_TUNABLES` set by the user wins. If `exec` fails, the
/// demo just runs with glibc's defaults.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
            .exec();
        eprintln!("demo: could not tune malloc ({error}); going on with its defaults");
    }
}

/// Logs at `info` unless `RUST_LOG` says otherwise; `--trace` always shows
/// the `rung::trace` target.
fn init_logging(trace: bool) {
    let env = env_logger::Env::default().default_filter_or("info");
    let mut builder = env_logger::Builder::from_env(env);
    if trace {
        builder.filter_module("rung::trace", log::LevelFilter::Info);
    }
    builder.init();
}

/// Builds the site, prints where it listens and its routes, then serves
/// until SIGINT (Ctrl-C) or SIGTERM, after a graceful shutdown.
fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let store = demo::open_store(options)?;
    let stored_in = store.describe();
    let service = demo::site(options, store).build()?;
    let routes = service.route_table();
    let workers = service.config().workers;
    let server = service.bind(&options.addr)?;
    server.handle_signals()?;
    println!("rung demo site: {}", server.url());
    println!("{}", routes.trim_end());
    println!("messages in {stored_in}, {workers} worker threads; Ctrl-C to stop");
    server.run()?;
    log::info!("stopped");
    Ok(())
}
