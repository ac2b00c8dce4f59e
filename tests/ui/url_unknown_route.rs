use rung::get;

#[get("/messages/{id}")]
fn show(id: u64) -> String {
    format!("message {id}")
}

/// Not a route: no attribute, so no URL.
fn helper() {}

fn main() {
    let _ = shwo::url(5);
    let _ = helper::url();
}
