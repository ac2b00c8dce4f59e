//! `cargo run -p demo`: serves the demo site.
//!
//! ```text
//! cargo run -p demo -- --addr 127.0.0.1:9000 --data-dir ./data --trace
//! ```
//!
//! Options (`--help` lists them): `--addr HOST:PORT` (default
//! `127.0.0.1:9000`), `--data-dir DIR` (default `./data`, created if
//! missing), `--workers N` (default 4 per CPU, at least 16), `--secret KEY`
//! (or env `RUNG_SECRET`; random when absent), `--admin-token TOKEN` (or env
//! `RUNG_ADMIN_TOKEN`), `--trace` (print raw request and response heads).
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

use std::process::ExitCode;

use clap::Parser;
use demo::Options;

fn main() -> ExitCode {
    limit_malloc_arenas();
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

/// Caps glibc's malloc at two arenas. By default it gives each of the 16
/// worker threads an arena of its own and keeps, in each, the most that
/// thread ever needed: the server's memory then creeps up for many minutes
/// before it levels off (see `bench/SOAK.md`). With two shared arenas it
/// stays level, and smaller. (The same as `MALLOC_ARENA_MAX=2`, which many
/// thread-pool servers are run with; it has to be set before any thread is.)
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            /// glibc's `int mallopt(int param, int value)`.
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        /// `M_ARENA_MAX` in glibc's `<malloc.h>`.
        const M_ARENA_MAX: std::ffi::c_int = -8;
        // SAFETY: `mallopt` only adjusts glibc's allocator settings under its
        // own lock; it takes no pointers and has no preconditions, and an
        // unknown value would just be refused (returning 0). Called before
        // any other thread exists.
        unsafe {
            mallopt(M_ARENA_MAX, 2);
        }
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
    let service = demo::build_app(options)?.build()?;
    let routes = service.route_table();
    let workers = service.config().workers;
    let server = service.bind(&options.addr)?;
    server.handle_signals()?;
    println!("rung demo site: {}", rung::app::url_of(server.local_addr()));
    println!("{}", routes.trim_end());
    println!(
        "messages in {}, {workers} worker threads; Ctrl-C to stop",
        options.data_dir.display()
    );
    server.run()?;
    log::info!("stopped");
    Ok(())
}
