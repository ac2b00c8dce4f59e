//! rung: `/plaintext` and `/json`, written the way a user would write them
//! (route attributes, the router, `IntoResponse`; no benchmark-only path).
//!
//! It runs with rung's defaults, as a user gets them (`RUNG_WORKERS=N`
//! changes the worker count, for experiments only). With
//! `RUNG_BENCH_FILES=DIR`, it also serves DIR under `/files/` (the
//! big-file check of run.sh).

use rung::{get, App, Json};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

#[get("/plaintext")]
fn plaintext() -> &'static str {
    "Hello, World!"
}

#[get("/json")]
fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

fn main() -> Result<(), rung::StartError> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut app = App::new();
    if let Ok(dir) = std::env::var("RUNG_BENCH_FILES") {
        app = app.files("/files", dir);
    }
    if let Ok(n) = std::env::var("RUNG_WORKERS") {
        app.config_mut().workers = n.parse().expect("RUNG_WORKERS is a number");
    }
    println!("rung listening on {addr}");
    app.serve(addr)
}
