use rung::get;

#[get("/users/{}")]
fn user() -> &'static str {
    "a user"
}

fn main() {}
