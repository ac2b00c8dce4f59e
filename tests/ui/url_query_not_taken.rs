use rung::get;
use serde::Serialize;

#[derive(Serialize)]
struct Page {
    before: Option<u64>,
}

#[get("/messages")]
fn list() -> &'static str {
    "every message"
}

fn main() {
    let _ = list::url().query(&Page { before: Some(40) });
}
