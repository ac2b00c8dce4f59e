//! actix-web 4 with 2 workers: `/plaintext` and `/json`.
use actix_web::{get, App, HttpResponse, HttpServer};

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

#[get("/plaintext")]
async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body("Hello, World!")
}

#[get("/json")]
async fn json() -> HttpResponse {
    let body = serde_json::to_string(&Message {
        message: "Hello, World!",
    })
    .unwrap();
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8082".into());
    println!("actix-web listening on {addr}");
    HttpServer::new(|| App::new().service(plaintext).service(json))
        .workers(2)
        .bind(addr)?
        .run()
        .await
}
