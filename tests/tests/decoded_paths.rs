//! Routes match the percent-decoded path, segment by segment (SPEC §2):
//! `#[get("/café/menu")]` answers `GET /caf%C3%A9/menu`, and a `%2F` is a
//! character inside its segment, never a separator. Over a real socket,
//! with routes registered by the attributes.

mod support;

use rung::{get, App, Config};
use support::{get as get_request, TestServer};

#[get("/café/menu")]
fn menu() -> &'static str {
    "the menu"
}

#[get("/files/{name}")]
fn file(name: String) -> String {
    format!("file {name:?}")
}

fn server() -> TestServer {
    let service = App::new().build().expect("the routes of this file build");
    TestServer::start(service, Config::default())
}

#[test]
fn a_route_with_non_ascii_text_answers_its_encoded_path() {
    let server = server();
    let mut client = server.connect();
    let response = client.request(get_request("/caf%C3%A9/menu"));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "the menu");
    // Hex digits in either case name the same bytes.
    assert_eq!(client.request(get_request("/caf%c3%a9/menu")).status, 200);
    // An escape that spells another segment is another path.
    assert_eq!(client.request(get_request("/caf%C3%A8/menu")).status, 404);
}

#[test]
fn an_encoded_slash_stays_inside_its_segment() {
    let server = server();
    let mut client = server.connect();
    let response = client.request(get_request("/files/a%2Fb"));
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "file \"a/b\"");
    // As a separator it would have made `/café/menu` of this.
    assert_eq!(client.request(get_request("/caf%C3%A9%2Fmenu")).status, 404);
}
