use rung::get;

#[get("/messages/{id}")]
fn show() -> &'static str {
    "a message"
}

fn main() {}
