use rung::get;

#[get("/messages/{id}")]
fn show(id: u64) -> String {
    format!("message {id}")
}

fn main() {
    let _ = show::url(5, "draft");
}
