use rung::{catch, get, route};

#[get("/about", name = "about")]
fn about() -> &'static str {
    "about"
}

#[route("/contact", method = [POST])]
fn contact() -> &'static str {
    "contact"
}

#[get("/messages", methods = [POST])]
fn messages() -> &'static str {
    "messages"
}

#[catch(404, path = "/api")]
fn api_not_found() -> &'static str {
    "not found"
}

fn main() {}
