//! Level 3 — a router, and files with the right type.
//!
//! Level 2 matched paths in one `match`. Here each page is a function with
//! a route attribute; the router picks the function for the method and
//! path, and answers `404`, `405` (with `Allow`) and `OPTIONS` itself.
//! Static files come from a folder, each with the `Content-Type` its
//! extension calls for (`text/css; charset=utf-8`, `image/svg+xml`, ...).
//!
//! Run `cargo run -p demo --example rung_level3`, then:
//!
//! ```text
//! curl -i http://127.0.0.1:9003/about
//! curl -i http://127.0.0.1:9003/hello/Ada
//! curl -i -X POST http://127.0.0.1:9003/about        # 405, Allow: GET, HEAD, OPTIONS
//! curl -i http://127.0.0.1:9003/static/style.css     # Content-Type: text/css; charset=utf-8
//! ```
//!
//! Read next: `core/src/router/` (how `/hello/{name}` matches) and
//! `core/src/files.rs` (types, `304`, ranges, and no way out of the folder).
//!
//! This is the framework version of the lesson `src/bin/level3.rs`: the
//! same idea with rung doing the work, to compare with what you wrote.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rung::{get, route, App, Html};

#[route("/")]
fn home() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html>\n<title>Level 3</title>\n",
        "<link rel=\"stylesheet\" href=\"/static/style.css\">\n",
        "<h1>Hello, world!</h1>\n",
        "<p><a href=\"/about\">About</a> · <a href=\"/hello/you\">Hello you</a></p>\n"
    ))
}

#[route("/about")]
fn about() -> Html<&'static str> {
    Html("<!doctype html>\n<title>About</title>\n<h1>About</h1>\n<p>Routed by <code>#[route(\"/about\")]</code>.</p>\n")
}

/// `{name}` is a path parameter: it becomes the `name` argument.
#[get("/hello/{name}")]
fn hello(name: String) -> String {
    format!("Hello, {name}!\n")
}

fn main() -> Result<(), rung::StartError> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let public = concat!(env!("CARGO_MANIFEST_DIR"), "/public");
    let app = App::new().files("/static", public).build()?;
    println!("level 3: http://127.0.0.1:9003/\n{}", app.route_table());
    let server = app.bind("127.0.0.1:9003").map_err(rung::StartError::Io)?;
    server.handle_signals().map_err(rung::StartError::Io)?;
    server.run().map_err(rung::StartError::Io)
}
