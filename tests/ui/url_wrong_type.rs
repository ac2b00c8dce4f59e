use rung::get;

#[get("/messages/{id}")]
fn show(id: u64) -> String {
    format!("message {id}")
}

fn main() {
    let id = "5";
    let _ = show::url(id);
}
