//! Level 8 — refuse bad input politely, and fail without falling over.
//!
//! **Validation.** Until now any form was saved, even one with no message.
//! Now one set of rules checks every message, from the form or the API:
//!
//! | field | rule |
//! | --- | --- |
//! | `name` | optional (blank → "anonymous"), at most 100 characters |
//! | `email` | optional; if given, one `@`, something before it, a dot in the domain; at most 254 characters |
//! | `message` | required: 1 to 2000 characters after trimming spaces |
//!
//! A refused form is answered `422 Unprocessable Content` with the form
//! *again*: an error beside each bad field and what the visitor typed
//! still in the fields (escaped, as always), so nothing is typed twice.
//! The API answers `422` with `{"error": ..., "fields": {FIELD: ERROR}}`.
//!
//! **Error pages.** A bug in one handler must cost one request, not the
//! server. [`handle`] runs the router inside `catch_unwind`: a panic
//! becomes a `500` page (JSON under `/api/`), its details go to the log,
//! and the server goes on. `GET /boom` panics on purpose to show it.
//! Unknown pages get the 404 page that level 2 already made.
//!
//! ```text
//! cargo run -p demo --bin level8
//! cargo run -p demo --bin check -- 8
//! curl -i -d 'email=nope&message=' http://127.0.0.1:9000/contact     # 422, the form again
//! curl -i http://127.0.0.1:9000/boom                                  # 500, and still up
//! ```
//!
//! rung's answer: `demo/src/validate.rs` (the same rules, shared by
//! `demo/src/contact.rs` and `demo/src/api.rs`), `#[catch(404)]` pages in
//! `demo/src/errors.rs` (expansion: `macros/snapshots/catcher.expanded.rs`),
//! and the panic guards around every handler in `core/src/app.rs` and
//! `core/src/server/dispatcher.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 7's own `main` goes unused here
#[path = "level7.rs"]
mod level7;
pub use level7::*;

use serde_json::{json, Map, Value};

/// A message that passed every rule: name, email, text, all trimmed.
pub type Valid<'a> = (&'a str, Option<&'a str>, &'a str);

/// What is wrong, per field: `("email", "is not a valid email address")`.
pub type FieldErrors = Vec<(&'static str, &'static str)>;

/// The routes this level adds, or changes.
pub const ROUTES: &[Route] = &[
    ("POST", "/contact", contact_checked),
    ("POST", "/api/messages", api_create_checked),
    ("GET", "/boom", boom),
];

/// The site of this level: its routes, then those of level 7.
pub fn route(req: &Request) -> Response {
    dispatch(ROUTES, req).unwrap_or_else(|| level7::route(req))
}

/// The router, with a net under it: a panic is a `500`, not a dead thread
/// and a client left without an answer.
pub fn handle(req: &Request) -> Response {
    std::panic::catch_unwind(|| route(req)).unwrap_or_else(|_| {
        // The panic message is already in the log (stderr).
        if req.path.starts_with("/api/") {
            api_internal_error("a handler panicked")
        } else {
            internal_error("a handler panicked")
        }
    })
}

/// Applies the rules of the table above.
pub fn validate<'a>(
    name: &'a str,
    email: &'a str,
    message: &'a str,
) -> Result<Valid<'a>, FieldErrors> {
    let (name, email, message) = (name.trim(), email.trim(), message.trim());
    let mut errors = FieldErrors::new();
    if name.chars().count() > 100 {
        errors.push(("name", "must be at most 100 characters"));
    }
    if !email.is_empty() && (email.chars().count() > 254 || !is_plausible_email(email)) {
        errors.push((
            "email",
            "is not a valid email address (like name@example.com)",
        ));
    }
    match message.chars().count() {
        0 => errors.push(("message", "is required")),
        2001.. => errors.push(("message", "must be at most 2000 characters")),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = if name.is_empty() { "anonymous" } else { name };
    Ok((name, Some(email).filter(|e| !e.is_empty()), message))
}

/// One `@`, something before it, a domain with a dot not at either end,
/// no spaces. Only sending a mail would prove more.
fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
}

/// `POST /contact`: saved and thanked, or `422` and the form again.
pub fn contact_checked(req: &Request) -> Response {
    let form = parse_form(&req.body);
    let (name, email, message) = (
        field(&form, "name"),
        field(&form, "email"),
        field(&form, "message"),
    );
    match validate(name, email, message) {
        Ok((name, email, message)) => match save_message(name, email, message) {
            Ok(_) => thank_you(name),
            Err(e) => internal_error(&format!("saving a message: {e}")),
        },
        Err(errors) => {
            let error = |f: &str| errors.iter().find(|(n, _)| *n == f).map_or("", |(_, e)| *e);
            let vars = [
                ("name", name),
                ("email", email),
                ("message", message),
                ("name_error", error("name")),
                ("email_error", error("email")),
                ("message_error", error("message")),
            ];
            render(422, "contact.html", &vars)
        }
    }
}

/// `POST /api/messages`, with every field checked: `201`, or `422`
/// naming each bad field.
pub fn api_create_checked(req: &Request) -> Response {
    let object = match json_object(req) {
        Ok(object) => object,
        Err(response) => return response,
    };
    let mut type_errors = FieldErrors::new();
    let mut text = |key: &'static str| match object.get(key) {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            type_errors.push((key, "must be a string"));
            ""
        }
    };
    let (name, email, message) = (text("name"), text("email"), text("message"));
    match validate(name, email, message) {
        Ok((name, email, message)) if type_errors.is_empty() => created(name, email, message),
        Ok(_) => invalid(&type_errors),
        Err(mut errors) => {
            // A field of the wrong type is reported as that, not as empty.
            errors.retain(|(f, _)| !type_errors.iter().any(|(t, _)| t == f));
            errors.extend(type_errors);
            invalid(&errors)
        }
    }
}

/// `422` with an error per field.
fn invalid(errors: &FieldErrors) -> Response {
    let fields: Map<String, Value> = errors
        .iter()
        .map(|(f, e)| (f.to_string(), json!(e)))
        .collect();
    json_response(422, &json!({ "error": "invalid fields", "fields": fields }))
}

/// `GET /boom`: a handler with a bug.
pub fn boom(_req: &Request) -> Response {
    panic!("boom: this handler panics on purpose (GET /boom)")
}

fn main() -> std::io::Result<()> {
    serve(&addr(), read_request, handle)
}
