use rung::get;

#[get("/files/{*path}/edit")]
fn edit(path: String) -> String {
    format!("editing {path}")
}

fn main() {}
