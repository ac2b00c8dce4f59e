//! Level 4 — forms, POST, and `{{variable}}` templates.
//!
//! A browser sends a form as a POST whose body is `name=Ada+Lovelace`
//! (`application/x-www-form-urlencoded`). `Form<T>` decodes it into a
//! struct; a template fills `{{ name }}` into HTML, escaping `<`, `>`, `&`
//! and quotes so that what a visitor typed is shown, never run.
//!
//! Run `cargo run -p demo --example rung_level4`, then open http://127.0.0.1:9004/
//! or:
//!
//! ```text
//! curl -i -d 'name=<b>Ada</b>' http://127.0.0.1:9004/greet   # escaped in the page
//! curl -i -d 'nom=Ada' http://127.0.0.1:9004/greet           # 422: the field is missing
//! ```
//!
//! Read next: `core/src/extract/form.rs`, `core/src/template/`.
//!
//! This is the framework version of the lesson `src/bin/level4.rs`: the
//! same idea with rung doing the work, to compare with what you wrote.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rung::{get, post, App, Error, Form, Html, State, Templates};
use serde::Deserialize;

#[derive(Deserialize)]
struct Greeting {
    name: String,
}

#[get("/")]
fn form() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html>\n<title>Level 4</title>\n<h1>Who are you?</h1>\n",
        "<form method=\"post\" action=\"/greet\">\n",
        "  <label>Name <input name=\"name\"></label>\n",
        "  <button>Send</button>\n",
        "</form>\n"
    ))
}

#[post("/greet")]
fn greet(
    Form(greeting): Form<Greeting>,
    templates: State<Templates>,
) -> Result<Html<String>, Error> {
    let page = templates
        .render(
            "lessons/greet.html",
            &serde_json::json!({ "name": greeting.name }),
        )
        .map_err(|e| Error::internal(e.to_string()))?;
    Ok(Html(page))
}

fn main() -> Result<(), rung::StartError> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let templates = Templates::new(concat!(env!("CARGO_MANIFEST_DIR"), "/templates"));
    let app = App::new().state(templates).build()?;
    println!("level 4: http://127.0.0.1:9004/\n{}", app.route_table());
    let server = app.bind("127.0.0.1:9004").map_err(rung::StartError::Io)?;
    server.handle_signals().map_err(rung::StartError::Io)?;
    server.run().map_err(rung::StartError::Io)
}
