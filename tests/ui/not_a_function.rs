use rung::get;

#[get("/about")]
struct About;

fn main() {}
