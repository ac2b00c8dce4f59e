use rung::get;

#[get("/users/{id}/friends/{id}")]
fn friend(id: u64) -> String {
    format!("friend {id}")
}

fn main() {}
