//! URLs built from routes (SPEC §2, issue 17): each route attribute writes
//! a `url` function beside its route (`site::note::url("ada", "todo")`),
//! and the URL it builds, sent to the app over a real socket, reaches that
//! route with the very values it was built from: values with `/`, `%`,
//! spaces, non-ASCII text, and empty ones where the route allows them.

mod support;

use std::sync::OnceLock;

use proptest::prelude::*;
use rung::{get, App, Config};
use serde_json::Value;
use support::{get as get_request, TestServer};

/// The routes, in a module of their own: their URLs are built from
/// outside it, by path, as a site's pages link to each other.
mod site {
    use std::fmt;
    use std::str::FromStr;

    use rung::{get, Json, Query};
    use serde::{Deserialize, Serialize};

    #[get("/names/{name}")]
    pub fn name(name: String) -> Json<Vec<String>> {
        Json(vec![name])
    }

    #[get("/users/{user}/notes/{title}")]
    pub fn note(user: String, title: String) -> Json<Vec<String>> {
        Json(vec![user, title])
    }

    /// A static segment that must be encoded, and a trailing slash.
    #[get("/café/{word}/")]
    pub fn word(word: String) -> Json<Vec<String>> {
        Json(vec![word])
    }

    #[get("/files/{owner}/{*path}")]
    pub fn file(owner: String, path: String) -> Json<Vec<String>> {
        Json(vec![owner, path])
    }

    #[get("/numbers/{n}")]
    pub fn number(n: i64) -> Json<i64> {
        Json(n)
    }

    /// A type of the site's own, for a parameter: `FromStr` reads it from
    /// the request, `Display` writes it into the URL.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Slug(pub String);

    impl FromStr for Slug {
        type Err = String;

        fn from_str(text: &str) -> Result<Slug, String> {
            let good = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if good {
                Ok(Slug(text.to_string()))
            } else {
                Err(format!("`{text}` is not a slug"))
            }
        }
    }

    impl fmt::Display for Slug {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    #[get("/posts/{slug}")]
    pub fn post(slug: Slug) -> Json<String> {
        Json(slug.0)
    }

    /// The query string of `/search/{topic}`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Search {
        pub q: String,
        pub page: Option<u32>,
        #[serde(default)]
        pub tag: Vec<String>,
    }

    #[get("/search/{topic}")]
    pub fn search(topic: String, query: Query<Search>) -> Json<(String, Search)> {
        Json((topic, query.0))
    }
}

/// A parameter named like a keyword, received by a raw identifier.
#[get("/kinds/{type}")]
fn kind(r#type: String) -> String {
    r#type
}

/// A route that is not `pub`: its URL can be built in its own module.
#[get("/private/{n}")]
fn private(n: u8) -> String {
    n.to_string()
}

/// One server for every case: the routes of this file, over a socket.
fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let service = App::new().build().expect("the routes of this file build");
        TestServer::start(service, Config::default())
    })
}

/// `GET url` over a socket: the status and the body as JSON (`Null` when
/// it is not JSON).
fn fetch(url: impl std::fmt::Display) -> (u16, Value) {
    let response = server().connect().request(get_request(&url.to_string()));
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body)
}

#[test]
fn values_are_percent_encoded_for_their_segment() {
    assert_eq!(site::name::url("a/b"), "/names/a%2Fb");
    assert_eq!(site::name::url("two words"), "/names/two%20words");
    assert_eq!(site::name::url("100%"), "/names/100%25");
    assert_eq!(
        site::note::url("ada", "é?#"),
        "/users/ada/notes/%C3%A9%3F%23"
    );
    assert_eq!(site::word::url("x"), "/caf%C3%A9/x/");
    assert_eq!(site::number::url(-5), "/numbers/-5");
    assert_eq!(
        site::post::url(site::Slug("hello-2".into())),
        "/posts/hello-2"
    );
    assert_eq!(private::url(7), "/private/7");
    assert_eq!(kind::url("a b"), "/kinds/a%20b");
    assert_eq!(fetch(kind::url("a b")).0, 200);
}

#[test]
fn a_route_in_a_function_body_has_its_url_there() {
    #[get("/local/{n}")]
    fn local(n: u32) -> String {
        n.to_string()
    }
    assert_eq!(local::url(3), "/local/3");
    assert_eq!(fetch(local::url(3)).1, serde_json::json!(3));
}

#[test]
fn a_tail_keeps_its_slashes_and_encodes_the_rest() {
    assert_eq!(
        site::file::url("ada", "css/site 2.css"),
        "/files/ada/css/site%202.css"
    );
    let (status, body) = fetch(site::file::url("ada", "css/site 2.css"));
    assert_eq!(
        (status, body),
        (200, serde_json::json!(["ada", "css/site 2.css"]))
    );
    // A tail may be empty.
    assert_eq!(
        fetch(site::file::url("ada", "")).1,
        serde_json::json!(["ada", ""])
    );
}

#[test]
fn a_query_string_is_built_from_the_routes_query_type() {
    let search = site::Search {
        q: "rust & web".into(),
        page: None,
        tag: vec!["a".into(), "b/c".into()],
    };
    let url = site::search::url("http").query(&search);
    assert_eq!(url, "/search/http?q=rust%20%26%20web&tag=a&tag=b%2Fc");
    let (status, body) = fetch(url);
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!(["http", search]));
}

/// Documented in `rung::url`: a `{param}` matches a non-empty segment
/// only, so the URL built with an empty value is one that route never
/// answers.
#[test]
fn an_empty_value_for_a_parameter_builds_a_url_no_route_answers() {
    assert_eq!(site::name::url(""), "/names/");
    assert_eq!(fetch(site::name::url("")).0, 404);
    assert_eq!(fetch(site::note::url("", "t")).0, 404);
}

/// Any text but NUL (which no request may carry), often with the
/// characters that mean something in a URL.
fn text(min: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!("[^\\x00]{{{min},12}}")).unwrap(),
        proptest::string::string_regex(&format!("[/%?#&=+. aé€🦀]{{{min},12}}")).unwrap(),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // No file of failing seeds for this test binary: a failure prints
        // its minimal input, to be made a plain test.
        failure_persistence: None,
        // 256 cases, or `PROPTEST_CASES`.
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// For every route of this file and arbitrary values, the URL built
    /// for the route, sent to the app, reaches that route with the same
    /// values.
    #[test]
    fn a_built_url_reaches_its_route_with_the_same_values(
        name in text(1),
        user in text(1),
        title in text(1),
        word in text(1),
        owner in text(1),
        path in text(0),
        n in any::<i64>(),
        slug in "[a-z0-9-]{1,10}",
        topic in text(1),
        q in text(0),
        page in proptest::option::of(any::<u32>()),
        tag in proptest::collection::vec(text(0), 0..3),
    ) {
        prop_assert_eq!(fetch(site::name::url(&name)), (200, serde_json::json!([name])));
        prop_assert_eq!(
            fetch(site::note::url(&user, &title)),
            (200, serde_json::json!([user, title]))
        );
        prop_assert_eq!(fetch(site::word::url(&word)), (200, serde_json::json!([word])));
        prop_assert_eq!(
            fetch(site::file::url(&owner, &path)),
            (200, serde_json::json!([owner, path]))
        );
        prop_assert_eq!(fetch(site::number::url(n)), (200, serde_json::json!(n)));
        let slug = site::Slug(slug);
        prop_assert_eq!(fetch(site::post::url(slug.clone())), (200, serde_json::json!(slug.0)));
        let search = site::Search { q, page, tag };
        prop_assert_eq!(
            fetch(site::search::url(&topic).query(&search)),
            (200, serde_json::json!([topic, search]))
        );
    }
}
