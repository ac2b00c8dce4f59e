use rung::get;

// `page` is not a `{param}` of the path, and `u32` is not an extractor.
#[get("/messages")]
fn list(page: u32) -> String {
    format!("page {page}")
}

fn main() {}
