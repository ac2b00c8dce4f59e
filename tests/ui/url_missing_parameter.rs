use rung::get;

#[get("/users/{user}/messages/{id}")]
fn message(user: String, id: u64) -> String {
    format!("message {id} of {user}")
}

fn main() {
    let _ = message::url("ada");
}
