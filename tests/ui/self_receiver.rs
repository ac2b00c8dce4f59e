use rung::get;

struct Site;

impl Site {
    #[get("/about")]
    fn about(&self) -> &'static str {
        "about"
    }
}

fn main() {}
