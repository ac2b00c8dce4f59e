use rung::catch;

#[catch(200)]
fn ok() -> &'static str {
    "fine"
}

#[catch(600)]
fn beyond() -> &'static str {
    "beyond"
}

fn main() {}
