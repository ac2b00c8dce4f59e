//! The engine alone: `cargo run -p rung --example hello`, then
//! `curl -i localhost:8080/`.
use rung::{Config, Request, Response, Server};

fn main() -> std::io::Result<()> {
    let server = Server::bind(
        "127.0.0.1:8080",
        |req: &Request| Response::text(format!("you asked for {}\n", req.path())),
        Config::default(),
    )?;
    server.handle_signals()?;
    println!("listening on http://{}", server.local_addr());
    server.run()
}
