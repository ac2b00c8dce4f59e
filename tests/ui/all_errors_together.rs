use rung::route;

// Every mistake of one attribute is reported at once, in the order they
// are written.
#[route("messages/{id}/{}", methods = [GET, FETCH])]
async fn show<T>() -> &'static str {
    "a message"
}

fn main() {}
