use rung::get;

#[get("/count")]
fn count() -> u32 {
    42
}

fn main() {}
