//! The route attributes register their functions: in another module, in
//! a function body, and in another crate of the program. The handlers
//! that the attributes generate extract the arguments and call the
//! function, which stays an ordinary function that can be called directly.

use rung::registry::{catchers, routes};
use rung::{Catcher, Method, Request, Response, Route};

// `rung-fixture-routes` defines `GET /fixture`. The linking pitfall: a
// crate that this binary never names is not linked at all (it is only a
// dependency in Cargo.toml), and its `inventory::submit!`s vanish with it,
// silently: the route is just missing from `routes()`. Naming the crate
// once, even as `_`, links it. A binary whose routes live in a library
// crate needs the same line.
use rung_fixture_routes as _;

mod pages {
    use rung::{catch, delete, get, patch, post, put, route, Form, Html, Query, Request, State};
    use serde::Deserialize;

    /// The line of `fn about` below.
    pub const ABOUT_LINE: u32 = line!() + 3;
    /// The about page.
    #[route("/about")]
    pub fn about() -> Html<&'static str> {
        Html("<h1>About</h1>")
    }

    #[route("/guestbook", methods = [GET, POST])]
    pub fn guestbook(req: &Request) -> String {
        format!("you sent a {}", req.method())
    }

    #[post("/messages")]
    pub fn create() -> &'static str {
        "created"
    }

    #[put("/messages/{id}")]
    pub fn replace(id: u64) -> String {
        format!("replaced {id}")
    }

    #[patch("/messages/{id}")]
    pub fn edit(id: u64) -> String {
        format!("edited {id}")
    }

    #[delete("/messages/{id}")]
    pub fn remove(id: u64) -> String {
        format!("removed {id}")
    }

    #[get("/users/{user}/messages/{id}")]
    pub fn message(user: String, id: u64) -> String {
        format!("message {id} of {user}")
    }

    #[get("/static/{*path}")]
    pub fn file(path: String) -> String {
        format!("file {path}")
    }

    #[derive(Deserialize)]
    pub struct Search {
        pub q: String,
    }

    #[get("/search")]
    pub fn search(Query(search): Query<Search>, _: &Request) -> String {
        format!("searching for {}", search.q)
    }

    #[derive(Deserialize)]
    pub struct Contact {
        pub name: String,
    }

    #[post("/contact")]
    pub fn contact(Form(contact): Form<Contact>) -> String {
        format!("thanks, {}", contact.name)
    }

    pub struct Counter;

    #[get("/count")]
    pub fn count(_counter: State<Counter>) -> &'static str {
        "counted"
    }

    /// The line of `fn not_found` below.
    pub const NOT_FOUND_LINE: u32 = line!() + 2;
    #[catch(404)]
    pub fn not_found(req: &Request) -> Html<String> {
        Html(format!("<h1>Nothing at {}</h1>", req.path()))
    }

    #[catch(404, prefix = "/api")]
    pub fn api_not_found() -> &'static str {
        "{\"error\": \"not found\"}"
    }
}

/// Names that the generated code must not confuse with its own.
mod awkward_names {
    use rung::{get, Request};

    // An argument named like the function.
    #[get("/echo/{echo}")]
    pub fn echo(echo: String) -> String {
        echo
    }

    // A function named like the generated helper.
    #[get("/handler")]
    pub fn handler(req: &Request) -> String {
        req.path().to_string()
    }

    // A path parameter named like the generated request variable.
    #[get("/req/{req}")]
    pub fn req(req: u32, request: &Request) -> String {
        format!("{req} at {}", request.path())
    }

    // A keyword as a parameter name.
    #[get("/types/{type}")]
    pub fn kind(r#type: String) -> String {
        r#type
    }
}

fn route(name: &str) -> &'static Route {
    routes()
        .find(|route| route.name == name)
        .unwrap_or_else(|| panic!("no route named {name}"))
}

fn catcher(name: &str) -> &'static Catcher {
    catchers()
        .find(|catcher| catcher.name == name)
        .unwrap_or_else(|| panic!("no catcher named {name}"))
}

fn get(target: &str) -> Request {
    Request::builder(Method::Get, target).build()
}

fn body(response: &Response) -> &str {
    std::str::from_utf8(response.body_bytes().expect("an in-memory body")).unwrap()
}

#[test]
fn a_route_in_another_module_is_registered_with_its_place() {
    let about = route("registration::pages::about");
    assert_eq!(about.methods, [Method::Get]);
    assert_eq!(about.path, "/about");
    assert!(about.file.ends_with("registration.rs"), "{}", about.file);
    // The line of the function's name, not of the attribute above it.
    assert_eq!(about.line, pages::ABOUT_LINE);

    let response = (about.handler)(&get("/about"));
    assert_eq!(response.status().code(), 200);
    assert_eq!(body(&response), "<h1>About</h1>");
}

#[test]
fn each_attribute_gives_its_methods() {
    let methods = |name: &str| route(&format!("registration::pages::{name}")).methods;
    assert_eq!(methods("guestbook"), [Method::Get, Method::Post]);
    assert_eq!(methods("create"), [Method::Post]);
    assert_eq!(methods("replace"), [Method::Put]);
    assert_eq!(methods("edit"), [Method::Patch]);
    assert_eq!(methods("remove"), [Method::Delete]);
    assert_eq!(methods("message"), [Method::Get]);
}

#[test]
fn a_route_in_another_crate_is_registered() {
    let fixture = route("rung_fixture_routes::fixture");
    assert_eq!(fixture.path, "/fixture");
    assert_eq!(fixture.methods, [Method::Get]);
    assert!(fixture.file.ends_with("lib.rs"), "{}", fixture.file);
    let response = (fixture.handler)(&get("/fixture"));
    assert_eq!(body(&response), "hello from another crate");
}

#[test]
fn a_route_in_a_function_body_is_registered() {
    #[rung::get("/local")]
    fn local() -> &'static str {
        "local"
    }
    let found = route("registration::local");
    assert_eq!(found.path, "/local");
    assert_eq!(body(&(found.handler)(&get("/local"))), "local");
}

#[test]
fn path_params_are_parsed_before_the_handler_runs() {
    let message = route("registration::pages::message");
    let req = Request::builder(Method::Get, "/users/ann/messages/42")
        .with_params(&[("user", "ann"), ("id", "42")])
        .build();
    let response = (message.handler)(&req);
    assert_eq!(response.status().code(), 200);
    assert_eq!(body(&response), "message 42 of ann");

    // A value that does not parse never reaches the handler.
    let req = Request::builder(Method::Get, "/users/ann/messages/abc")
        .with_params(&[("user", "ann"), ("id", "abc")])
        .build();
    assert_eq!((message.handler)(&req).status().code(), 404);

    let file = route("registration::pages::file");
    assert_eq!(file.path, "/static/{*path}");
    let req = Request::builder(Method::Get, "/static/css/site.css")
        .with_params(&[("path", "css/site.css")])
        .build();
    assert_eq!(body(&(file.handler)(&req)), "file css/site.css");
}

#[test]
fn extractors_with_patterns_are_extracted() {
    let search = route("registration::pages::search");
    let response = (search.handler)(&get("/search?q=rust"));
    assert_eq!(body(&response), "searching for rust");
    // A missing field is the extractor's rejection, not a call.
    assert_eq!((search.handler)(&get("/search")).status().code(), 400);

    let contact = route("registration::pages::contact");
    let req = Request::builder(Method::Post, "/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Ann")
        .build();
    assert_eq!(body(&(contact.handler)(&req)), "thanks, Ann");
}

#[test]
fn extractors_declare_their_requirements() {
    let mut needs = rung::Requirements::default();
    (route("registration::pages::count").requirements)(&mut needs);
    assert!(format!("{needs:?}").contains("Counter"), "{needs:?}");

    let mut needs = rung::Requirements::default();
    (route("registration::pages::about").requirements)(&mut needs);
    assert!(!format!("{needs:?}").contains("Counter"), "{needs:?}");
}

#[test]
fn catchers_are_registered() {
    let not_found = catcher("registration::pages::not_found");
    assert_eq!((not_found.status, not_found.prefix), (404, ""));
    assert_eq!(not_found.line, pages::NOT_FOUND_LINE);
    let response = (not_found.handler)(&get("/nowhere"));
    assert_eq!(body(&response), "<h1>Nothing at /nowhere</h1>");

    let api = catcher("registration::pages::api_not_found");
    assert_eq!((api.status, api.prefix), (404, "/api"));
}

#[test]
fn generated_names_do_not_hide_the_users_names() {
    let call = |name: &str, target: &str, params: &[(&str, &str)]| {
        let req = Request::builder(Method::Get, target)
            .with_params(params)
            .build();
        let response = (route(&format!("registration::awkward_names::{name}")).handler)(&req);
        body(&response).to_string()
    };
    assert_eq!(call("echo", "/echo/hi", &[("echo", "hi")]), "hi");
    assert_eq!(call("handler", "/handler", &[]), "/handler");
    assert_eq!(call("req", "/req/7", &[("req", "7")]), "7 at /req/7");
    assert_eq!(call("kind", "/types/fn", &[("type", "fn")]), "fn");
}

#[test]
fn annotated_functions_stay_callable() {
    assert_eq!(pages::about().0, "<h1>About</h1>");
    assert_eq!(pages::replace(3), "replaced 3");
    assert_eq!(pages::message("ann".into(), 1), "message 1 of ann");
    assert_eq!(awkward_names::echo("hi".into()), "hi");
}
