//! The app layer in-process: routing answers, extractors' rejections,
//! error pages, sessions and start-up checks.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rung::test::Client;
use rung::{
    App, Caught, Form, FromRequest, Html, Json, KeyRing, Method, Query, Request, Session, State,
    Status,
};
use serde::Deserialize;

fn extract<'a, T: FromRequest<'a>>(req: &'a Request) -> Result<T, rung::Error> {
    T::from_request(req)
}

#[derive(Deserialize, Debug)]
struct Person {
    name: String,
    age: u8,
}

fn app() -> App {
    App::empty()
        .api_prefix("/api")
        .route(&[Method::Get], "/", |_: &Request| Html("<h1>home</h1>"))
        .route(&[Method::Get, Method::Post], "/both", |req: &Request| {
            req.method().to_string()
        })
        .route(&[Method::Get], "/users/{id}", |req: &Request| {
            rung::path_param::<u64>(req, "id").map(|id| format!("user {id}"))
        })
        .route(&[Method::Get], "/search", |req: &Request| {
            extract::<Query<HashMap<String, String>>>(req).map(|Query(q)| format!("q={}", q["q"]))
        })
        .route(&[Method::Post], "/form", |req: &Request| {
            extract::<Form<Person>>(req).map(|Form(p)| format!("{} is {}", p.name, p.age))
        })
        .route(&[Method::Post], "/api/json", |req: &Request| {
            extract::<Json<serde_json::Value>>(req)
        })
        .route(&[Method::Get], "/count", |req: &Request| {
            let session = extract::<Session>(req).unwrap();
            let n = session.get::<u32>("n").unwrap_or(0) + 1;
            session.insert("n", n);
            n.to_string()
        })
        .route(&[Method::Get], "/panic", |_: &Request| -> &'static str {
            panic!("boom")
        })
}

#[test]
fn routes_answer_with_their_handlers() {
    let client = Client::new(app());
    let home = client.get("/").send();
    assert_eq!(home.status, Status::OK);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.text(), "<h1>home</h1>");
    assert_eq!(client.post("/both").send().text(), "POST");
    assert_eq!(client.get("/users/42").send().text(), "user 42");
}

#[test]
fn head_options_405_and_404() {
    let client = Client::new(app());
    let head = client.head("/").send();
    assert_eq!(head.status, Status::OK);
    assert!(head.body.is_empty());

    let options = client.request(Method::Options, "/both").send();
    assert_eq!(options.status, Status::NO_CONTENT);
    assert_eq!(options.header("allow"), Some("GET, HEAD, POST, OPTIONS"));

    let wrong = client.delete("/both").send();
    assert_eq!(wrong.status, Status::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    assert!(
        wrong.text().contains("<h1>405 Method Not Allowed</h1>"),
        "{}",
        wrong.text()
    );

    let missing = client.get("/nowhere/<script>").send();
    assert_eq!(missing.status, Status::NOT_FOUND);
    assert!(
        missing.text().contains("&lt;script&gt;"),
        "message is escaped: {}",
        missing.text()
    );

    let api_missing = client.get("/api/nowhere").send();
    assert_eq!(api_missing.status, Status::NOT_FOUND);
    assert_eq!(api_missing.header("content-type"), Some("application/json"));
    assert!(api_missing.json::<serde_json::Value>()["error"].is_string());

    let star = client.request(Method::Options, "*").send();
    assert_eq!(star.status, Status::NO_CONTENT);
}

#[test]
fn a_path_param_that_does_not_parse_is_a_404() {
    let client = Client::new(app());
    assert_eq!(client.get("/users/abc").send().status, Status::NOT_FOUND);
    assert_eq!(client.get("/users/-1").send().status, Status::NOT_FOUND);
}

#[test]
fn extractor_rejections_have_the_right_status() {
    let client = Client::new(app());
    assert_eq!(client.get("/search?q=a%20b").send().text(), "q=a b");

    let ok = client
        .post("/form")
        .form(&[("name", "Ann"), ("age", "30")])
        .send();
    assert_eq!(ok.text(), "Ann is 30");
    let wrong_type = client.post("/form").body("name=Ann&age=30").send();
    assert_eq!(wrong_type.status, Status::UNSUPPORTED_MEDIA_TYPE);
    let missing_field = client.post("/form").form(&[("name", "Ann")]).send();
    assert_eq!(missing_field.status, Status::UNPROCESSABLE_ENTITY);
    assert!(
        missing_field.text().contains("age"),
        "{}",
        missing_field.text()
    );
    let not_a_number = client
        .post("/form")
        .form(&[("name", "Ann"), ("age", "old")])
        .send();
    assert_eq!(not_a_number.status, Status::UNPROCESSABLE_ENTITY);
    let bad_escape = client
        .post("/form")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("name=%zz&age=1")
        .send();
    assert_eq!(bad_escape.status, Status::BAD_REQUEST);

    let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBo\r\n--XyZ\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\n7\r\n--XyZ--\r\n";
    let mp = client
        .post("/form")
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .body(multipart)
        .send();
    assert_eq!(mp.text(), "Bo is 7");

    let json = client
        .post("/api/json")
        .json(&serde_json::json!({"a": 1}))
        .send();
    assert_eq!(
        json.json::<serde_json::Value>(),
        serde_json::json!({"a": 1})
    );
    let bad_json = client
        .post("/api/json")
        .header("Content-Type", "application/json")
        .body("{oops")
        .send();
    assert_eq!(bad_json.status, Status::BAD_REQUEST);
    assert_eq!(bad_json.header("content-type"), Some("application/json"));
    let not_json = client
        .post("/api/json")
        .header("Content-Type", "text/plain")
        .body("{}")
        .send();
    assert_eq!(not_json.status, Status::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn a_panicking_handler_is_a_500_page() {
    let client = Client::new(app());
    let response = client.get("/panic").send();
    assert_eq!(response.status, Status::INTERNAL_SERVER_ERROR);
    assert!(response.text().contains("500 Internal Server Error"));
    assert_eq!(client.get("/").send().status, Status::OK);
}

#[test]
fn sessions_survive_requests_and_tampering_gives_a_fresh_one() {
    let client = Client::new(app().secret("a test secret that is long enough!"));
    assert_eq!(client.get("/count").send().text(), "1");
    assert_eq!(client.get("/count").send().text(), "2");
    let cookie = client.cookie("rung_session").expect("session cookie set");

    // Flip one character of the signed value: the session is not trusted.
    let mut bytes = cookie.into_bytes();
    let last = bytes.len() - 1;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let fresh = Client::new(app().secret("a test secret that is long enough!"));
    let response = fresh
        .get("/count")
        .header("Cookie", &format!("rung_session={tampered}"))
        .send();
    assert_eq!(response.status, Status::OK);
    assert_eq!(response.text(), "1");

    // A cookie signed with another key is foreign: a fresh session too.
    let other = Client::new(app().secret("another secret, also long enough!!"));
    let response = other
        .get("/count")
        .header(
            "Cookie",
            &format!("rung_session={}", client.cookie("rung_session").unwrap()),
        )
        .send();
    assert_eq!(response.text(), "1");
}

/// A session cookie as `App::secret(secret)` would have made it
/// `age` ago, holding `{"n": n}`.
fn session_cookie_issued_ago(secret: &str, age: Duration, n: u32) -> String {
    let issued_at = (SystemTime::now() - age)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let payload = format!(r#"{{"issued_at":{issued_at},"values":{{"n":{n}}}}}"#);
    let value = KeyRing::from_secrets(&[secret])
        .unwrap()
        .sign(payload.as_bytes());
    format!("rung_session={value}")
}

#[test]
fn a_session_older_than_the_maximum_age_is_a_fresh_one() {
    const SECRET: &str = "a test secret that is long enough!";
    let hour = Duration::from_secs(3600);
    let client = Client::new(app().secret(SECRET).session_max_age(hour));
    let count_with = |cookie: &str| {
        client.clear_cookies(); // send only `cookie`
        client.get("/count").header("Cookie", cookie).send()
    };

    let recent = count_with(&session_cookie_issued_ago(SECRET, hour / 2, 41));
    assert_eq!(recent.text(), "42");
    let old = count_with(&session_cookie_issued_ago(SECRET, 2 * hour, 41));
    assert_eq!(old.status, Status::OK);
    assert_eq!(old.text(), "1");
    // The browser is told the same maximum age.
    assert!(old
        .header("set-cookie")
        .unwrap()
        .contains("; Max-Age=3600;"));

    // Thirty days by default.
    let default = Client::new(app().secret(SECRET));
    let day = 24 * hour;
    let send = |age, n| {
        default.clear_cookies();
        default
            .get("/count")
            .header("Cookie", &session_cookie_issued_ago(SECRET, age, n))
            .send()
    };
    assert_eq!(send(29 * day, 7).text(), "8");
    assert_eq!(send(31 * day, 7).text(), "1");
    assert!(send(day, 7)
        .header("set-cookie")
        .unwrap()
        .contains("; Max-Age=2592000;"));
}

#[test]
fn rotated_secrets_accept_the_old_one_and_sign_with_the_new() {
    const OLD: &str = "the old secret, thirty-two bytes or more";
    const NEW: &str = "the new secret, thirty-two bytes or more";
    let before = Client::new(app().secret(OLD));
    assert_eq!(before.get("/count").send().text(), "1");
    let by_old = format!("rung_session={}", before.cookie("rung_session").unwrap());

    let rotated = Client::new(app().secrets(&[NEW, OLD]));
    let response = rotated.get("/count").header("Cookie", &by_old).send();
    assert_eq!(response.text(), "2", "the old key still verifies");
    let by_new = rotated.cookie("rung_session").unwrap();
    let new_only = KeyRing::from_secrets(&[NEW]).unwrap();
    assert!(
        new_only.verify(&by_new).is_some(),
        "re-signed with the new key"
    );

    let after = Client::new(app().secret(NEW));
    let response = after.get("/count").header("Cookie", &by_old).send();
    assert_eq!(response.text(), "1", "the old key alone no longer verifies");
    let response = after
        .get("/count")
        .header("Cookie", &format!("rung_session={by_new}"))
        .send();
    assert_eq!(response.text(), "3");
}

#[test]
#[should_panic(expected = "App::secrets needs at least one secret")]
fn secrets_needs_one_secret() {
    let _ = app().secrets::<&str>(&[]);
}

#[test]
fn the_session_cookie_has_safe_attributes() {
    let client = Client::new(app());
    let response = client.get("/count").send();
    let set_cookie = response.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("rung_session="));
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(set_cookie.contains("Path=/"));
}

#[test]
fn catchers_render_error_pages_by_prefix() {
    let app = app()
        .catch(Status::NOT_FOUND, "", |req: &Request| {
            let caught = Caught::from_request(req).unwrap();
            Html(format!(
                "<p>custom {}: {}</p>",
                caught.status.code(),
                rung::template::escape_html(&caught.message)
            ))
        })
        .catch(Status::NOT_FOUND, "/api", |_: &Request| {
            Json(serde_json::json!({"error": "api 404"}))
        });
    let client = Client::new(app);
    let page = client.get("/missing").send();
    assert_eq!(page.status, Status::NOT_FOUND);
    assert!(
        page.text()
            .starts_with("<p>custom 404: nothing at /missing"),
        "{}",
        page.text()
    );
    let api = client.get("/api/missing").send();
    assert_eq!(api.status, Status::NOT_FOUND);
    assert_eq!(api.json::<serde_json::Value>()["error"], "api 404");
}

#[test]
fn state_is_shared_with_handlers() {
    let handler = |req: &Request| extract::<State<String>>(req).map(|s| s.to_string());
    let client = Client::new(App::empty().state(String::from("shared")).route(
        &[Method::Get],
        "/",
        handler,
    ));
    assert_eq!(client.get("/").send().text(), "shared");
}

#[test]
fn route_conflicts_stop_the_app_naming_both_places() {
    let app = App::empty()
        .route(&[Method::Get], "/u/{id}", |_: &Request| "one")
        .route(&[Method::Get], "/u/{name}", |_: &Request| "two");
    let error = app.build().unwrap_err().to_string();
    assert!(
        error.contains("two routes answer the same GET requests"),
        "{error}"
    );
    assert_eq!(error.matches("core/tests/app.rs:").count(), 2, "{error}");
}

#[test]
fn prefixes_match_whole_segments() {
    let app = app().catch(Status::NOT_FOUND, "/api", |_: &Request| {
        Json(serde_json::json!({"error": "api 404"}))
    });
    let client = Client::new(app);
    assert_eq!(
        client.get("/api").send().header("content-type"),
        Some("application/json")
    );
    assert_eq!(
        client.get("/api/x").send().json::<serde_json::Value>()["error"],
        "api 404"
    );
    let apiary = client.get("/apiary").send();
    assert_eq!(apiary.status, Status::NOT_FOUND);
    assert_eq!(
        apiary.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

// ---------------------------------------------------------------------------
// Hooks and safe defaults (SPEC §2)
// ---------------------------------------------------------------------------

/// The app of `app()`, with hooks that leave a trace of their order.
fn hooked() -> App {
    app()
        .files("/static", concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
        .before(|req| {
            let closed = req.path() == "/closed";
            closed
                .then(|| rung::Error::new(Status::SERVICE_UNAVAILABLE, "closed for maintenance"))
                .map(rung::IntoResponse::into_response)
        })
        .before(|req| {
            req.extensions_mut()
                .insert(String::from("set by a before-hook"));
            (req.path() == "/hook-panics-before").then(|| panic!("before-hook bug"))
        })
        .after(|_, response| {
            response.headers_mut().append("X-Trace", "first");
        })
        .after(|req, response| {
            response.headers_mut().append("X-Trace", "second");
            if req.path() == "/hook-panics-after" {
                panic!("after-hook bug");
            }
        })
        .route(&[Method::Get], "/seen", |req: &Request| {
            req.extensions()
                .get::<String>()
                .cloned()
                .unwrap_or_default()
        })
}

#[test]
fn after_hooks_see_every_response_in_order() {
    let client = Client::new(hooked());
    for (target, status) in [
        ("/", Status::OK),
        ("/nowhere", Status::NOT_FOUND),
        ("/api/nowhere", Status::NOT_FOUND),
        ("/users/abc", Status::NOT_FOUND),
        ("/panic", Status::INTERNAL_SERVER_ERROR),
        ("/static/hello.rs", Status::OK),
    ] {
        let response = client.get(target).send();
        assert_eq!(response.status, status, "{target}");
        let trace: Vec<_> = response.headers.get_all("x-trace").collect();
        assert_eq!(trace, ["first", "second"], "{target}");
    }
    let wrong_method = client.delete("/both").send();
    assert_eq!(wrong_method.status, Status::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.headers.get_all("x-trace").count(), 2);
}

#[test]
fn a_before_hook_answers_early_or_leaves_something_for_the_handler() {
    let client = Client::new(hooked());
    let closed = client.get("/closed").send();
    assert_eq!(closed.status, Status::SERVICE_UNAVAILABLE);
    // An early error is an error page like any other, and after-hooks see it.
    assert!(
        closed.text().contains("closed for maintenance"),
        "{}",
        closed.text()
    );
    assert!(closed.text().contains("<h1>503"), "{}", closed.text());
    assert_eq!(closed.headers.get_all("x-trace").count(), 2);
    assert_eq!(client.get("/seen").send().text(), "set by a before-hook");
}

#[test]
fn a_panicking_hook_is_a_500_and_the_app_goes_on() {
    let client = Client::new(hooked());
    let before = client.get("/hook-panics-before").send();
    assert_eq!(before.status, Status::INTERNAL_SERVER_ERROR);
    assert!(
        !before.text().contains("before-hook bug"),
        "the panic stays in the log"
    );
    let after = client.get("/hook-panics-after").send();
    assert_eq!(after.status, Status::INTERNAL_SERVER_ERROR);
    assert!(after.text().contains("<h1>500"), "{}", after.text());
    // The security headers survive the replacement.
    assert_eq!(after.header("x-frame-options"), Some("DENY"));
    assert_eq!(client.get("/").send().status, Status::OK);
}

#[test]
fn security_headers_are_on_every_response_and_configurable() {
    let client = Client::new(hooked());
    for target in [
        "/",
        "/nowhere",
        "/api/nowhere",
        "/panic",
        "/static/hello.rs",
    ] {
        let response = client.get(target).send();
        for (name, value) in rung::SECURITY_HEADERS {
            assert_eq!(response.header(name), Some(value), "{name} on {target}");
        }
    }
    let custom = Client::new(
        app()
            .security_header("Content-Security-Policy", "default-src 'self'")
            .security_header("X-Frame-Options", "SAMEORIGIN")
            .without_security_header("Referrer-Policy")
            .route(&[Method::Get], "/framed", |_: &Request| {
                rung::Response::text("own").with_header("X-Frame-Options", "ALLOW-FROM x")
            }),
    );
    let home = custom.get("/").send();
    assert_eq!(
        home.header("content-security-policy"),
        Some("default-src 'self'")
    );
    assert_eq!(home.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(home.header("referrer-policy"), None);
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    // A handler's own value wins.
    let framed = custom.get("/framed").send();
    assert_eq!(framed.header("x-frame-options"), Some("ALLOW-FROM x"));
}

#[test]
fn cross_origin_posts_are_refused_through_the_error_pages() {
    let client = Client::new(app());
    let form = [("name", "Ann"), ("age", "30")];
    let from_elsewhere = client
        .post("/form")
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send();
    assert_eq!(from_elsewhere.status, Status::FORBIDDEN);
    assert!(
        from_elsewhere.text().contains("<h1>403"),
        "{}",
        from_elsewhere.text()
    );
    let api = client
        .post("/api/json")
        .header("Origin", "https://evil.example")
        .json(&serde_json::json!({}))
        .send();
    assert_eq!(api.status, Status::FORBIDDEN);
    assert!(api.json::<serde_json::Value>()["error"].is_string());
    // Same origin, or no browser headers at all: allowed.
    let same = client
        .post("/form")
        .header("Sec-Fetch-Site", "same-origin")
        .form(&form)
        .send();
    assert_eq!(same.text(), "Ann is 30");
    let origin_ok = client
        .post("/form")
        .header("Origin", "http://localhost")
        .form(&form)
        .send();
    assert_eq!(origin_ok.text(), "Ann is 30");
    assert_eq!(client.post("/form").form(&form).send().text(), "Ann is 30");
}

#[test]
fn trusted_origins_and_exempt_routes_pass() {
    let client = Client::new(
        app()
            .trusted_origin("https://admin.example/")
            .cross_origin_exempt("/both"),
    );
    let trusted = client
        .post("/api/json")
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://admin.example")
        .json(&serde_json::json!({"ok": true}))
        .send();
    assert_eq!(trusted.status, Status::OK);
    let exempt = client
        .post("/both")
        .header("Sec-Fetch-Site", "cross-site")
        .send();
    assert_eq!(exempt.text(), "POST");
    let off = Client::new(app().without_cross_origin_protection());
    let anywhere = off
        .post("/both")
        .header("Sec-Fetch-Site", "cross-site")
        .send();
    assert_eq!(anywhere.text(), "POST");
}

#[test]
fn an_optional_extractor_is_none_only_when_absent() {
    #[derive(Deserialize, Debug)]
    struct Page {
        n: u32,
    }
    let client = Client::new(
        App::empty()
            .route(&[Method::Get], "/page", |req: &Request| {
                extract::<Option<Query<Page>>>(req).map(|q| format!("{:?}", q.map(|Query(p)| p.n)))
            })
            .route(&[Method::Post], "/json", |req: &Request| {
                extract::<Option<Json<serde_json::Value>>>(req)
                    .map(|j| format!("{:?}", j.map(|Json(v)| v)))
            })
            .route(&[Method::Post], "/form", |req: &Request| {
                extract::<Option<Form<Person>>>(req)
                    .map(|f| format!("{:?}", f.map(|Form(p)| p.age)))
            }),
    );
    assert_eq!(client.get("/page").send().text(), "None");
    assert_eq!(client.get("/page?").send().text(), "None");
    assert_eq!(client.get("/page?n=3").send().text(), "Some(3)");
    // Present but malformed keeps its 4xx instead of becoming `None`.
    assert_eq!(client.get("/page?n=x").send().status, Status::BAD_REQUEST);
    assert_eq!(client.post("/json").send().text(), "None");
    let bad_json = client
        .post("/json")
        .header("Content-Type", "application/json")
        .body("{oops")
        .send();
    assert_eq!(bad_json.status, Status::BAD_REQUEST);
    assert_eq!(client.post("/form").send().text(), "None");
    let bad_form = client.post("/form").form(&[("name", "Ann")]).send();
    assert_eq!(bad_form.status, Status::UNPROCESSABLE_ENTITY);
}

#[test]
fn requests_have_an_id_that_handlers_can_read() {
    let client = Client::new(App::empty().route(&[Method::Get], "/id", |req: &Request| {
        extract::<rung::RequestId>(req).map(|id| id.to_string())
    }));
    let response = client.get("/id").send();
    let echoed = response.header("x-request-id").expect("the id is echoed");
    assert_eq!(response.text(), echoed);
    let kept = client
        .get("/id")
        .header("X-Request-Id", "from-the-proxy-42")
        .send();
    assert_eq!(kept.text(), "from-the-proxy-42");
    assert_eq!(kept.header("x-request-id"), Some("from-the-proxy-42"));
    let replaced = client
        .get("/id")
        .header("X-Request-Id", "has spaces")
        .send();
    assert_ne!(replaced.text(), "has spaces");
}

#[test]
fn a_start_error_prints_as_text_from_main() {
    let error = App::empty()
        .route(&[Method::Get], "/a/{x}", |_: &Request| "x")
        .route(&[Method::Get], "/a/{y}", |_: &Request| "y")
        .build()
        .unwrap_err();
    // `main` returning `Err` prints the `Debug`: it must read like `Display`.
    assert_eq!(format!("{error:?}"), error.to_string());
    assert!(format!("{error:?}").starts_with("the app cannot start:\n  - "));
}

/// `n` bytes of HTML that compress well.
fn long_page(n: usize) -> String {
    "<p>a paragraph</p>\n".repeat(n / 19 + 1)[..n].to_string()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn compressing_app() -> App {
    App::empty()
        .api_prefix("/api")
        .route(&[Method::Get], "/page", |_: &Request| Html(long_page(4000)))
        .route(&[Method::Get], "/small", |_: &Request| Html(long_page(500)))
        .route(&[Method::Get], "/api/items", |_: &Request| {
            Json(serde_json::json!({ "items": vec!["an item"; 300] }))
        })
        .route(&[Method::Get], "/visit", |req: &Request| {
            extract::<Session>(req).unwrap().insert("seen", true);
            Html(long_page(4000))
        })
}

#[test]
fn responses_are_gzipped_when_the_client_accepts_it() {
    let client = Client::new(compressing_app());
    let plain = client.get("/page").send();
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    assert_eq!(plain.text(), long_page(4000));

    let gzipped = client
        .get("/page")
        .header("Accept-Encoding", "br;q=1, gzip;q=0.5")
        .send();
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        gzipped.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(gzipped.body.len() < 1000, "{} bytes", gzipped.body.len());
    assert_eq!(gunzip(&gzipped.body), long_page(4000).as_bytes());

    let json = client
        .get("/api/items")
        .header("Accept-Encoding", "*")
        .send();
    assert_eq!(json.header("content-encoding"), Some("gzip"));
    let items: serde_json::Value = serde_json::from_slice(&gunzip(&json.body)).unwrap();
    assert_eq!(items["items"].as_array().unwrap().len(), 300);

    for refused in ["gzip;q=0", "identity", "*, gzip;q=0"] {
        let response = client
            .get("/page")
            .header("Accept-Encoding", refused)
            .send();
        assert_eq!(response.header("content-encoding"), None, "{refused}");
        assert_eq!(response.text(), long_page(4000));
    }
    let small = client
        .get("/small")
        .header("Accept-Encoding", "gzip")
        .send();
    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.header("vary"), Some("Accept-Encoding"));
}

#[test]
fn error_pages_and_session_cookies_survive_compression() {
    let client = Client::new(
        compressing_app().catch(Status::NOT_FOUND, "", |_: &Request| Html(long_page(3000))),
    );
    let missing = client
        .get("/nothing")
        .header("Accept-Encoding", "gzip")
        .send();
    assert_eq!(missing.status, Status::NOT_FOUND);
    assert_eq!(missing.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&missing.body), long_page(3000).as_bytes());

    let visit = client
        .get("/visit")
        .header("Accept-Encoding", "gzip")
        .send();
    assert_eq!(visit.header("content-encoding"), Some("gzip"));
    assert!(visit
        .header("set-cookie")
        .unwrap()
        .starts_with("rung_session="));
}

#[test]
fn head_gets_the_headers_of_get_compressed_or_not() {
    let client = Client::new(compressing_app());
    for accept in ["gzip", "gzip;q=0"] {
        let get = client.get("/page").header("Accept-Encoding", accept).send();
        let head = client
            .head("/page")
            .header("Accept-Encoding", accept)
            .send();
        assert_eq!(head.status, Status::OK);
        // The same headers, but for the request id, which is each request's own.
        let without_id = |headers: &rung::Headers| -> Vec<(String, String)> {
            headers
                .iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("x-request-id"))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            without_id(&head.headers),
            without_id(&get.headers),
            "{accept}"
        );
        assert!(head.body.is_empty());
    }
}
