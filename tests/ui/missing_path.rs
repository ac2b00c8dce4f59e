use rung::{catch, get};

#[get]
fn about() -> &'static str {
    "about"
}

#[catch]
fn not_found() -> &'static str {
    "not found"
}

fn main() {}
