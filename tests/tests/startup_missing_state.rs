//! Wiring mistakes no type can catch are found at start-up: a handler that
//! asks for `State<T>` when the app has no `T` stops the app from starting,
//! with a message naming the handler, its file:line and `T`.

use rung::{get, App, State};

/// Something the app is supposed to provide.
struct Db;

#[get("/needs-state")]
fn needs_db(_db: State<Db>) -> &'static str {
    "ok"
}

#[test]
fn missing_state_stops_the_start_naming_handler_location_and_type() {
    let error = App::new().build().unwrap_err().to_string();
    assert!(error.contains("startup_missing_state::needs_db"), "{error}");
    assert!(error.contains("startup_missing_state.rs:11"), "{error}"); // `fn needs_db`
    assert!(
        error.contains("State<startup_missing_state::Db>"),
        "{error}"
    );
    assert!(
        error.contains(".state("),
        "the message says how to fix it: {error}"
    );
}

#[test]
fn with_the_state_given_the_app_starts() {
    let client = rung::test::Client::new(App::new().state(Db));
    assert_eq!(client.get("/needs-state").send().text(), "ok");
}
