//! Level 2 — many clients at once, and a log line for each request.
//!
//! Level 1 served one client at a time: a slow client stalled everyone.
//! rung's engine runs handlers on a pool of worker threads, and a client
//! that is merely connected holds no thread at all (see the connection
//! model in `core/src/server/mod.rs`). Each request is logged on the
//! `rung::access` target: client address, request line, status, bytes and
//! time taken.
//!
//! Run `cargo run -p demo --example rung_level2`, then in two terminals:
//!
//! ```text
//! curl 'http://127.0.0.1:9002/sleep?ms=3000'   # slow: 3 seconds
//! curl 'http://127.0.0.1:9002/'                # answered at once anyway
//! ```
//!
//! This is the framework version of the lesson `src/bin/level2.rs`: the
//! same idea with rung doing the work, to compare with what you wrote.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::Duration;

use rung::{Config, Request, Response, Server, Status};

/// The whole site of this level: one function from request to response.
fn handle(req: &Request) -> Response {
    match req.path() {
        "/" => Response::html("<!doctype html>\n<title>Level 2</title>\n<h1>Hello, world!</h1>\n"),
        "/sleep" => {
            let ms: u64 = req
                .query()
                .and_then(|q| q.strip_prefix("ms="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000)
                .min(5000);
            std::thread::sleep(Duration::from_millis(ms));
            Response::text(format!("slept {ms} ms\n"))
        }
        _ => Response::text("not found\n").with_status(Status::NOT_FOUND),
    }
}

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let server = Server::bind("127.0.0.1:9002", handle, Config::default())?;
    server.handle_signals()?;
    println!("level 2: listening on http://{}/", server.local_addr());
    server.run()
}
