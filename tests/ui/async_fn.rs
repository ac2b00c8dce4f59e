use rung::get;

#[get("/about")]
async fn about() -> &'static str {
    "about"
}

fn main() {}
