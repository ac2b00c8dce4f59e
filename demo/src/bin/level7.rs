//! Level 7 — an API: the same messages as JSON, for programs.
//!
//! A page is for people; an API is for programs, which read the *status
//! code* first. So each outcome has its own:
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/messages` | `200`, an array of messages |
//! | `POST /api/messages` (JSON) | `201 Created`, `Location: /api/messages/ID`, the message |
//! | … a body that does not parse | `400 Bad Request`: the client's mistake |
//! | … a body that is not JSON at all | `415 Unsupported Media Type` |
//! | `GET /api/messages/ID` | `200` the message, or `404` |
//!
//! Errors are JSON too, `{"error": "..."}`, and so is every 404 under
//! `/api/`: a program should never have to parse an HTML error page.
//!
//! ```text
//! cargo run -p demo --bin level7
//! cargo run -p demo --bin check -- 7
//! curl -i -H 'Content-Type: application/json' -d '{"message": "hi"}' http://127.0.0.1:9000/api/messages
//! ```
//!
//! `/api/messages/ID` is the first path with a *parameter*: no row of the
//! table can list every ID, so [`route`] matches the prefix and parses
//! the rest. rung's router does it from the pattern
//! `#[get("/api/messages/{id}")] fn show(id: u64)`: see
//! `macros/snapshots/path_params.expanded.rs` and `demo/src/api.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 6's own `main` goes unused here
#[path = "level6.rs"]
mod level6;
pub use level6::*;

use serde_json::{json, Map, Value};

/// The routes this level adds.
pub const ROUTES: &[Route] = &[
    ("GET", "/api/messages", api_list),
    ("POST", "/api/messages", api_create),
];

/// The site of this level: its routes, one message by ID, JSON 404s
/// under `/api/`, then the routes of level 6.
pub fn route(req: &Request) -> Response {
    if let Some(response) = dispatch(ROUTES, req) {
        return response;
    }
    if let ("GET", Some(id)) = (req.method.as_str(), req.path.strip_prefix("/api/messages/")) {
        return api_show(id);
    }
    if req.path.starts_with("/api/") {
        return json_error(404, "no such API path");
    }
    level6::route(req)
}

/// A JSON response.
pub fn json_response(status: u16, value: &Value) -> Response {
    Response::new(status, "application/json", value.to_string())
}

/// `{"error": message}` with `status`.
pub fn json_error(status: u16, message: &str) -> Response {
    json_response(status, &json!({ "error": message }))
}

/// `GET /api/messages`: all of them, oldest first.
pub fn api_list(_req: &Request) -> Response {
    match load_messages() {
        Ok(messages) => json_response(200, &Value::Array(messages)),
        Err(e) => api_internal_error(&format!("reading the messages: {e}")),
    }
}

/// `GET /api/messages/ID`. An ID that is not a number cannot exist: 404.
pub fn api_show(id: &str) -> Response {
    let messages = match load_messages() {
        Ok(messages) => messages,
        Err(e) => return api_internal_error(&format!("reading the messages: {e}")),
    };
    let id: Option<u64> = id.parse().ok();
    match messages
        .into_iter()
        .find(|m| id.is_some() && m["id"].as_u64() == id)
    {
        Some(message) => json_response(200, &message),
        None => json_error(404, "no message with this id"),
    }
}

/// The JSON object a request carries, or the error response that says
/// why there is none (`415` or `400`).
pub fn json_object(req: &Request) -> Result<Map<String, Value>, Response> {
    // `application/json; charset=utf-8` is JSON too: compare the type alone.
    let content_type = req.header("content-type").unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(json_error(415, "send Content-Type: application/json"));
    }
    match serde_json::from_slice(&req.body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(json_error(400, "expected a JSON object")),
        // serde's message says where the JSON broke: the client's own data,
        // so it is fine to show.
        Err(e) => Err(json_error(400, &format!("malformed JSON: {e}"))),
    }
}

/// `POST /api/messages`: `{"name", "email", "message"}`; only `message`
/// is required (level 8 checks every field properly).
pub fn api_create(req: &Request) -> Response {
    let object = match json_object(req) {
        Ok(object) => object,
        Err(response) => return response,
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::trim);
    let Some(message) = text("message").filter(|m| !m.is_empty()) else {
        return json_error(400, "\"message\" must be a non-empty string");
    };
    let name = text("name")
        .filter(|n| !n.is_empty())
        .unwrap_or("anonymous");
    created(name, text("email").filter(|e| !e.is_empty()), message)
}

/// Saves a message and answers `201 Created`, saying where it now lives.
pub fn created(name: &str, email: Option<&str>, message: &str) -> Response {
    match save_message(name, email, message) {
        Ok(saved) => {
            let location = format!("/api/messages/{}", saved["id"]);
            json_response(201, &saved).with_header("Location", &location)
        }
        Err(e) => api_internal_error(&format!("saving a message: {e}")),
    }
}

/// `500` as JSON: details to the log only.
pub fn api_internal_error(details: &str) -> Response {
    eprintln!("internal error: {details}");
    json_error(500, "internal error")
}

fn main() -> std::io::Result<()> {
    serve(&addr(), read_request, route)
}
