use rung::get;

#[get("/users/{user-id}")]
fn user(user_id: u64) -> String {
    format!("user {user_id}")
}

fn main() {}
