use rung::get;

#[get("/messages/{id}")]
fn show<T: std::fmt::Display>(id: T) -> String {
    format!("message {id}")
}

fn main() {}
