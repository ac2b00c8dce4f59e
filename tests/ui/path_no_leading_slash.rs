use rung::get;

#[get("about")]
fn about() -> &'static str {
    "about"
}

fn main() {
    // The function is still there beside the error: this call resolves.
    about();
}
