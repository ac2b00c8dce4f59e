//! tiny_http with 2 threads: `/plaintext` and `/json`.
use std::sync::Arc;

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8083".into());
    let server = Arc::new(tiny_http::Server::http(&addr).unwrap());
    println!("tiny_http listening on {addr}");
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let (body, content_type) = match request.url() {
                        "/plaintext" => (b"Hello, World!".to_vec(), "text/plain"),
                        "/json" => (
                            serde_json::to_vec(&Message {
                                message: "Hello, World!",
                            })
                            .unwrap(),
                            "application/json",
                        ),
                        _ => {
                            let _ = request.respond(tiny_http::Response::empty(404));
                            continue;
                        }
                    };
                    let header =
                        tiny_http::Header::from_bytes("Content-Type", content_type).unwrap();
                    let _ =
                        request.respond(tiny_http::Response::from_data(body).with_header(header));
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}
