use rung::get;

#[get("/search?q=rust")]
fn search() -> &'static str {
    "results"
}

#[get("/my page")]
fn page() -> &'static str {
    "my page"
}

#[get("/faq#install")]
fn faq() -> &'static str {
    "faq"
}

fn main() {}
