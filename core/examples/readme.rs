//! The example at the top of the README, kept compiling by `cargo test`
//! (which builds examples): `cargo run -p rung --example readme`.

use rung::{post, route, Error, Form, Html};
use serde::Deserialize;

#[derive(Deserialize)]
struct Contact {
    name: String,
}

#[route("/about")]
fn about() -> Html<&'static str> {
    Html("<h1>About</h1>")
}

#[post("/contact")]
fn contact(Form(form): Form<Contact>) -> Result<Html<String>, Error> {
    let name = rung::template::escape_html(&form.name);
    Ok(Html(format!("<p>Thank you, {name}!</p>")))
}

fn main() -> Result<(), rung::StartError> {
    rung::serve("127.0.0.1:9000") // every #[route] of the program, no list to maintain
}
