use rung::get;

#[get("/users/{id")]
fn user(id: u64) -> String {
    format!("user {id}")
}

fn main() {}
