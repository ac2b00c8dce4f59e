//! A tiny server for the graceful-shutdown test: binds a free port on the
//! loopback interface, prints it, and runs until SIGINT or SIGTERM.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
use std::io::Write;

use rung::{Config, Request, Response, Server};

fn main() -> std::io::Result<()> {
    let server = Server::bind(
        "127.0.0.1:0",
        |req: &Request| {
            if req.path() == "/slow" {
                std::thread::sleep(std::time::Duration::from_millis(800));
            }
            Response::text(format!("you asked for {}\n", req.path()))
        },
        Config::default(),
    )?;
    server.handle_signals()?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{}", server.local_addr().port())?;
    stdout.flush()?;
    server.run()
}
