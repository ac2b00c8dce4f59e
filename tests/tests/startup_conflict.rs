//! Two routes that can match the same request are an error at start-up,
//! naming both source locations — never a silent shadowing.

use rung::{get, route, App};

#[get("/users/{id}")]
fn by_id(id: u64) -> String {
    id.to_string()
}

#[route("/users/{name}", methods = [GET, POST])]
fn by_name(name: String) -> String {
    name
}

#[get("/users/me")]
fn me() -> &'static str {
    "me: a static segment beats a parameter, no conflict"
}

#[test]
fn a_conflict_names_both_routes_and_the_app_does_not_start() {
    let error = App::new().build().unwrap_err().to_string();
    println!("{error}");
    assert!(
        error.contains("two routes answer the same GET requests"),
        "{error}"
    );
    assert!(error.contains("startup_conflict::by_id"), "{error}");
    assert!(error.contains("startup_conflict::by_name"), "{error}");
    assert!(error.contains("startup_conflict.rs:7"), "{error}");
    assert!(error.contains("startup_conflict.rs:12"), "{error}");
    assert!(
        !error.contains("startup_conflict::me"),
        "/users/me does not conflict: {error}"
    );
    // Binding is refused the same way: the server never starts.
    assert!(App::new().bind("127.0.0.1:0").is_err());
}

#[test]
fn main_prints_a_start_error_as_text() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_start_error"))
        .output()
        .expect("run the program");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(
            "Error: the app cannot start:\n  - two routes answer the same GET requests"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("start_error::by_id at tests/src/bin/start_error.rs:12"),
        "{stderr}"
    );
    assert!(!stderr.contains("Invalid(["), "not a debug dump: {stderr}");
}
