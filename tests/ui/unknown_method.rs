use rung::route;

#[route("/messages", methods = [GET, FETCH, post])]
fn messages() -> &'static str {
    "messages"
}

fn main() {}
