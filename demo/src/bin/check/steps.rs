//! The steps of each level: what a server at that level must do, seen
//! from outside. Each step sends real requests and judges the answers;
//! its hint names the usual cause when it fails.

use std::cell::RefCell;
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::http::{self, Exchange, Response, Target, ANSWER_TIMEOUT};

/// One step: its level, its number, what it checks, and the check.
pub struct Step {
    /// The level that introduces it.
    pub level: u8,
    /// `4.2`: level and position.
    pub id: &'static str,
    /// What it checks, as a sentence.
    pub name: &'static str,
    /// Runs it.
    pub run: fn(&Ctx) -> Outcome,
}

/// Why a step failed.
pub struct Failure {
    /// What was wrong, in one line.
    pub what: String,
    /// The exchange that showed it, if one did (boxed: a failure is
    /// passed around by value, and is rare).
    pub exchange: Option<Box<Exchange>>,
    /// The usual cause.
    pub hint: &'static str,
}

/// `Ok` when the step passed.
pub type Outcome = Result<(), Failure>;

/// What the steps share: the server, a token unique to this run (so that
/// what a step posts is recognised among earlier runs' messages), and the
/// exchanges made since the last step, for `--verbose`.
pub struct Ctx {
    target: Target,
    token: String,
    log: RefCell<Vec<Exchange>>,
}

impl Ctx {
    /// A context for checking `target`.
    pub fn new(target: Target) -> Ctx {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let token = format!("{:x}{:x}", std::process::id(), nanos);
        Ctx {
            target,
            token,
            log: RefCell::new(Vec::new()),
        }
    }

    /// The exchanges made since the last call.
    pub fn take_log(&self) -> Vec<Exchange> {
        self.log.take()
    }

    /// One request: `extra` holds more header lines, each ending in `\r\n`.
    fn send(&self, method: &str, path: &str, extra: &str, body: &[u8]) -> Exchange {
        let request = self.target.request(method, path, extra, body);
        let exchange = self.target.exchange(request);
        self.log.borrow_mut().push(exchange.clone());
        exchange
    }

    fn get(&self, path: &str) -> Exchange {
        self.send("GET", path, "", b"")
    }

    fn post_form(&self, path: &str, body: &str) -> Exchange {
        let extra = "Content-Type: application/x-www-form-urlencoded\r\n";
        self.send("POST", path, extra, body.as_bytes())
    }

    fn post_json(&self, path: &str, body: &str) -> Exchange {
        self.send(
            "POST",
            path,
            "Content-Type: application/json\r\n",
            body.as_bytes(),
        )
    }
}

/// A failure shown with the exchange that revealed it.
fn fail(exchange: &Exchange, what: impl Into<String>, hint: &'static str) -> Failure {
    Failure {
        what: what.into(),
        exchange: Some(Box::new(exchange.clone())),
        hint,
    }
}

/// The response, or a failure saying why there is none.
fn answered<'a>(exchange: &'a Exchange, hint: &'static str) -> Result<&'a Response, Failure> {
    exchange
        .response
        .as_ref()
        .map_err(|e| fail(exchange, e.clone(), hint))
}

/// The response, if its status is `want`.
fn status<'a>(
    exchange: &'a Exchange,
    want: u16,
    hint: &'static str,
) -> Result<&'a Response, Failure> {
    let response = answered(exchange, hint)?;
    if response.status != want {
        return Err(fail(
            exchange,
            format!("expected status {want}, got {}", response.status),
            hint,
        ));
    }
    Ok(response)
}

/// Checks that `Content-Type` starts with `prefix` (`text/html`).
fn content_type(exchange: &Exchange, prefix: &str, hint: &'static str) -> Outcome {
    let response = answered(exchange, hint)?;
    match response.header("content-type") {
        Some(t) if t.to_ascii_lowercase().starts_with(prefix) => Ok(()),
        Some(t) => Err(fail(
            exchange,
            format!("expected Content-Type {prefix}, got {t}"),
            hint,
        )),
        None => Err(fail(
            exchange,
            format!("expected Content-Type {prefix}, got none"),
            hint,
        )),
    }
}

/// Checks that the body contains `needle`.
fn contains(exchange: &Exchange, needle: &str, hint: &'static str) -> Outcome {
    let response = answered(exchange, hint)?;
    if !response.text().contains(needle) {
        return Err(fail(
            exchange,
            format!("expected {needle:?} in the body"),
            hint,
        ));
    }
    Ok(())
}

/// Checks that the body does not contain `needle`.
fn lacks(exchange: &Exchange, needle: &str, hint: &'static str) -> Outcome {
    let response = answered(exchange, hint)?;
    if response.text().contains(needle) {
        return Err(fail(
            exchange,
            format!("{needle:?} is in the body as it was sent"),
            hint,
        ));
    }
    Ok(())
}

/// The body parsed as JSON.
fn json(exchange: &Exchange, hint: &'static str) -> Result<Value, Failure> {
    content_type(exchange, "application/json", hint)?;
    let response = answered(exchange, hint)?;
    serde_json::from_slice(&response.body)
        .map_err(|e| fail(exchange, format!("the body is not JSON: {e}"), hint))
}

/// Every step, in order; `check N` runs those of levels 1 to N.
#[rustfmt::skip]
pub const STEPS: &[Step] = &[
    Step { level: 1, id: "1.1", name: "GET / answers 200 OK", run: l1_status },
    Step { level: 1, id: "1.2", name: "GET / is HTML (Content-Type: text/html)", run: l1_html },
    Step { level: 1, id: "1.3", name: "GET / says Hello, world!", run: l1_hello },
    Step { level: 1, id: "1.4", name: "the body ends where Content-Length says, or at close", run: l1_framing },
    Step { level: 2, id: "2.1", name: "a client that sends nothing does not stop 20 others", run: l2_idle_client },
    Step { level: 2, id: "2.2", name: "an unknown path answers 404", run: l2_not_found },
    Step { level: 3, id: "3.1", name: "GET /about is an HTML page", run: l3_about },
    Step { level: 3, id: "3.2", name: "/static/style.css is served as text/css", run: l3_css },
    Step { level: 3, id: "3.3", name: "/static/logo.svg is served as an image", run: l3_image },
    Step { level: 3, id: "3.4", name: "a missing static file answers 404", run: l3_missing_file },
    Step { level: 3, id: "3.5", name: "no path climbs out of the static folder", run: l3_traversal },
    Step { level: 4, id: "4.1", name: "GET /contact is a form posting name, email, message", run: l4_form },
    Step { level: 4, id: "4.2", name: "POST /contact answers Thank you, NAME!", run: l4_thanks },
    Step { level: 4, id: "4.3", name: "the form's + and %XX are decoded", run: l4_decoded },
    Step { level: 4, id: "4.4", name: "the name is HTML-escaped in the page", run: l4_escaped },
    Step { level: 5, id: "5.1", name: "a posted message is listed at /messages", run: l5_listed },
    Step { level: 6, id: "6.1", name: "a first visit counts 1 and sets a cookie", run: l6_first_visit },
    Step { level: 6, id: "6.2", name: "with the cookie, the count goes up", run: l6_counts },
    Step { level: 6, id: "6.3", name: "a tampered cookie restarts the count", run: l6_tampered },
    Step { level: 7, id: "7.1", name: "GET /api/messages is a JSON array", run: l7_list },
    Step { level: 7, id: "7.2", name: "POST /api/messages answers 201 and a Location to GET", run: l7_create },
    Step { level: 7, id: "7.3", name: "malformed JSON answers 400", run: l7_bad_json },
    Step { level: 7, id: "7.4", name: "a body that is not JSON answers 415", run: l7_not_json },
    Step { level: 7, id: "7.5", name: "an unknown message answers 404 with a JSON error", run: l7_unknown },
    Step { level: 8, id: "8.1", name: "an invalid form answers 422 with the form and values", run: l8_form_422 },
    Step { level: 8, id: "8.2", name: "invalid API fields answer 422 naming each field", run: l8_api_422 },
    Step { level: 8, id: "8.3", name: "an unknown page answers a 404 HTML page", run: l8_not_found_page },
    Step { level: 8, id: "8.4", name: "GET /boom answers a 500 page, and the server lives on", run: l8_boom },
    Step { level: 9, id: "9.1", name: "1,000 idle connections held while a new client is served in 1 s", run: l9_many_idle },
];

// Level 1: one request, one answer.

const HINT_STATUS_LINE: &str =
    "answer a status line `HTTP/1.1 200 OK\\r\\n`, headers, an empty line `\\r\\n`, then the body";
const HINT_HTML: &str = "say what the body is: `Content-Type: text/html; charset=utf-8`";

fn l1_status(ctx: &Ctx) -> Outcome {
    status(&ctx.get("/"), 200, HINT_STATUS_LINE).map(drop)
}

fn l1_html(ctx: &Ctx) -> Outcome {
    content_type(&ctx.get("/"), "text/html", HINT_HTML)
}

fn l1_hello(ctx: &Ctx) -> Outcome {
    let hint = "the body is what comes after the empty line: `<h1>Hello, world!</h1>`";
    contains(&ctx.get("/"), "Hello, world!", hint)
}

fn l1_framing(ctx: &Ctx) -> Outcome {
    let hint = "the body must end where Content-Length says: count its bytes (not characters) \
                — or send no Content-Length and close the connection after the body";
    let exchange = ctx.get("/");
    match &answered(&exchange, hint)?.framing_error {
        Some(error) => Err(fail(&exchange, error.clone(), hint)),
        None => Ok(()),
    }
}

// Level 2: many clients at once.

fn l2_idle_client(ctx: &Ctx) -> Outcome {
    let hint = "serve each client on its own thread (or, level 9, from one event loop): \
                one that connects and sends nothing must not block the others";
    // Connect and say nothing, like a browser's spare connection.
    let idle = ctx.target.connect();
    let clients: Vec<_> = (0..20)
        .map(|_| {
            let target = ctx.target.clone();
            std::thread::spawn(move || target.exchange(target.request("GET", "/", "", b"")))
        })
        .collect();
    let exchanges: Vec<Exchange> = clients
        .into_iter()
        .map(|client| client.join().expect("an exchange does not panic"))
        .collect();
    drop(idle);
    ctx.log.borrow_mut().extend(exchanges.iter().cloned());
    exchanges
        .iter()
        .try_for_each(|exchange| status(exchange, 200, hint).map(drop))
}

fn l2_not_found(ctx: &Ctx) -> Outcome {
    let hint = "answer `404 Not Found` for a path you do not serve";
    status(&ctx.get(&format!("/no-such-page-{}", ctx.token)), 404, hint).map(drop)
}

// Level 3: routes and static files.

fn l3_about(ctx: &Ctx) -> Outcome {
    let exchange = ctx.get("/about");
    status(&exchange, 200, "add a route for GET /about")?;
    content_type(&exchange, "text/html", HINT_HTML)
}

fn l3_css(ctx: &Ctx) -> Outcome {
    let exchange = ctx.get("/static/style.css");
    status(&exchange, 200, "serve the files of public/ under /static/")?;
    let hint = "the browser ignores a stylesheet that is not `Content-Type: text/css`: guess the type from the extension";
    content_type(&exchange, "text/css", hint)
}

fn l3_image(ctx: &Ctx) -> Outcome {
    let exchange = ctx.get("/static/logo.svg");
    status(&exchange, 200, "serve the files of public/ under /static/")?;
    content_type(
        &exchange,
        "image/",
        "an .svg file is `Content-Type: image/svg+xml`",
    )
}

fn l3_missing_file(ctx: &Ctx) -> Outcome {
    let path = format!("/static/no-such-file-{}.css", ctx.token);
    status(
        &ctx.get(&path),
        404,
        "a file that does not exist is `404 Not Found`, not a crash",
    )
    .map(drop)
}

fn l3_traversal(ctx: &Ctx) -> Outcome {
    let hint = "refuse `..` in a path, also sent as `%2e%2e` or with `%2f` for `/`: \
                decode first, or allow only plain file names";
    let attempts = [
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/static/../../Cargo.toml",
    ];
    for path in attempts {
        let exchange = ctx.get(path);
        let response = answered(&exchange, hint)?;
        if (200..300).contains(&response.status) {
            return Err(fail(
                &exchange,
                format!("{path} answered {}", response.status),
                hint,
            ));
        }
    }
    Ok(())
}

// Level 4: forms and templates.

fn l4_form(ctx: &Ctx) -> Outcome {
    let hint = "GET /contact: a `<form method=\"post\" action=\"/contact\">` with inputs named name, email and message";
    let exchange = ctx.get("/contact");
    status(&exchange, 200, hint)?;
    content_type(&exchange, "text/html", HINT_HTML)?;
    let page = answered(&exchange, hint)?
        .text()
        .to_ascii_lowercase()
        .replace('\'', "\"");
    let needed = [
        "<form",
        "method=\"post\"",
        "action=\"/contact\"",
        "name=\"name\"",
        "name=\"email\"",
        "name=\"message\"",
    ];
    match needed.iter().find(|n| !page.contains(*n)) {
        Some(missing) => Err(fail(&exchange, format!("no {missing} in the page"), hint)),
        None => Ok(()),
    }
}

/// Posts the contact form with this (already encoded) name and a valid message.
fn post_contact(ctx: &Ctx, encoded_name: &str) -> Exchange {
    let body = format!(
        "name={encoded_name}&email=ada%40example.com&message=Hello+from+check+{}",
        ctx.token
    );
    ctx.post_form("/contact", &body)
}

const HINT_BODY: &str = "read the body by Content-Length, however many reads it takes: \
                         it may arrive after the head, in another packet";

fn l4_thanks(ctx: &Ctx) -> Outcome {
    let exchange = post_contact(ctx, "Ada");
    status(&exchange, 200, HINT_BODY)?;
    contains(&exchange, "Thank you, Ada!", HINT_BODY)
}

fn l4_decoded(ctx: &Ctx) -> Outcome {
    let hint = "in a form body `+` is a space and `%XX` a byte, here the two UTF-8 bytes of é";
    let exchange = post_contact(ctx, "Ada+Lovelace+%28%C3%A9%29");
    status(&exchange, 200, HINT_BODY)?;
    contains(&exchange, "Thank you, Ada Lovelace (é)!", hint)
}

fn l4_escaped(ctx: &Ctx) -> Outcome {
    let hint = "escape what a visitor typed before putting it into HTML: & < > \" ' become &amp; &lt; &gt; &quot; &#39;";
    let exchange = post_contact(ctx, "%3Cb%3EAda%3C%2Fb%3E");
    status(&exchange, 200, HINT_BODY)?;
    lacks(&exchange, "<b>Ada", hint)?;
    contains(&exchange, "&lt;b&gt;Ada", hint)
}

// Level 5: messages saved.

fn l5_listed(ctx: &Ctx) -> Outcome {
    let hint = "save each message when the form is posted, and list them all at GET /messages";
    let text = format!("check-level5-{}", ctx.token);
    let posted = ctx.post_form("/contact", &format!("name=Check&message={text}"));
    status(&posted, 200, HINT_BODY)?;
    let listed = ctx.get("/messages");
    status(&listed, 200, hint)?;
    contains(&listed, &text, hint)
}

// Level 6: a visit counter in a signed cookie.

/// The number in `<span id="visits">N</span>`.
fn visits(exchange: &Exchange, hint: &'static str) -> Result<u64, Failure> {
    let page = answered(exchange, hint)?.text();
    page.split_once("<span id=\"visits\">")
        .and_then(|(_, rest)| rest.split_once("</span>"))
        .and_then(|(n, _)| n.trim().parse().ok())
        .ok_or_else(|| {
            fail(
                exchange,
                "no <span id=\"visits\">N</span> in the page",
                hint,
            )
        })
}

/// The cookies of `jar` updated by the `Set-Cookie` headers of a response.
fn update(mut jar: Vec<(String, String)>, response: &Response) -> Vec<(String, String)> {
    for (_, value) in response.headers.iter().filter(|(n, _)| n == "set-cookie") {
        let pair = value.split(';').next().unwrap_or("");
        if let Some((name, value)) = pair.split_once('=') {
            jar.retain(|(n, _)| n != name.trim());
            jar.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    jar
}

/// `GET /` sending the cookies of `jar`.
fn visit(ctx: &Ctx, jar: &[(String, String)]) -> Exchange {
    let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let extra = if jar.is_empty() {
        String::new()
    } else {
        format!("Cookie: {}\r\n", pairs.join("; "))
    };
    ctx.send("GET", "/", &extra, b"")
}

/// Visits `times` times, each time sending the cookies back; the jar then,
/// and the count of the last visit.
fn visits_with_cookies(
    ctx: &Ctx,
    times: u64,
    hint: &'static str,
) -> Result<(Vec<(String, String)>, u64), Failure> {
    let mut jar = Vec::new();
    for expected in 1..=times {
        let exchange = visit(ctx, &jar);
        let count = visits(&exchange, hint)?;
        if count != expected {
            return Err(fail(
                &exchange,
                format!("visit {expected} counted {count}"),
                hint,
            ));
        }
        jar = update(jar, answered(&exchange, hint)?);
    }
    Ok((jar, times))
}

fn l6_first_visit(ctx: &Ctx) -> Outcome {
    let hint = "with no cookie the count is 1, and `Set-Cookie: visits=...` gives the browser one";
    let exchange = visit(ctx, &[]);
    let count = visits(&exchange, hint)?;
    if count != 1 {
        return Err(fail(
            &exchange,
            format!("a first visit counted {count}"),
            hint,
        ));
    }
    if answered(&exchange, hint)?.header("set-cookie").is_none() {
        return Err(fail(&exchange, "no Set-Cookie header", hint));
    }
    Ok(())
}

fn l6_counts(ctx: &Ctx) -> Outcome {
    let hint =
        "read the count from the Cookie header the browser sends back, add 1, set it again; \
                the count belongs to the visitor, not to the server";
    visits_with_cookies(ctx, 3, hint)?;
    // A visitor with no cookie starts at 1, whatever others did.
    let fresh = visit(ctx, &[]);
    match visits(&fresh, hint)? {
        1 => Ok(()),
        n => Err(fail(
            &fresh,
            format!("a visit without cookie counted {n}"),
            hint,
        )),
    }
}

/// A cookie value with its first character changed: a digit to another
/// digit (a forged count), anything else to another letter. Changing the
/// first character changes what a signed value says, wherever the
/// signature is.
fn tamper(value: &str) -> String {
    let mut chars = value.chars();
    let first = match chars.next() {
        Some(d @ '0'..='9') => char::from(b'0' + (d as u8 - b'0' + 7) % 10),
        Some('a') => 'b',
        Some(_) | None => 'a',
    };
    std::iter::once(first).chain(chars).collect()
}

fn l6_tampered(ctx: &Ctx) -> Outcome {
    let hint = "sign the cookie (HMAC-SHA256 with a server secret) and ignore one whose signature \
                does not match: a visitor can edit cookies";
    let (jar, _) = visits_with_cookies(ctx, 2, hint)?;
    let forged: Vec<_> = jar.into_iter().map(|(n, v)| (n, tamper(&v))).collect();
    let exchange = visit(ctx, &forged);
    match visits(&exchange, hint)? {
        1 => Ok(()),
        n => Err(fail(
            &exchange,
            format!("a tampered cookie counted {n}, not 1"),
            hint,
        )),
    }
}

// Level 7: a JSON API.

fn l7_list(ctx: &Ctx) -> Outcome {
    let hint = "GET /api/messages: `200`, `Content-Type: application/json`, an array of messages";
    let exchange = ctx.get("/api/messages");
    status(&exchange, 200, hint)?;
    match json(&exchange, hint)? {
        Value::Array(_) => Ok(()),
        other => Err(fail(
            &exchange,
            format!("expected an array, got {other}"),
            hint,
        )),
    }
}

fn l7_create(ctx: &Ctx) -> Outcome {
    let hint =
        "POST /api/messages: store it, answer `201 Created` with `Location: /api/messages/ID` \
                and the message; GET that path answers it";
    let text = format!("check-level7-{}", ctx.token);
    let body = format!(r#"{{"name": "Check", "email": "check@example.com", "message": "{text}"}}"#);
    let created = ctx.post_json("/api/messages", &body);
    status(&created, 201, hint)?;
    json(&created, hint)?;
    let location = answered(&created, hint)?
        .header("location")
        .unwrap_or("")
        .to_string();
    // An absolute URL is fine too: keep its path.
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]).to_string(),
        None => location.clone(),
    };
    if !path.starts_with("/api/messages/") {
        return Err(fail(&created, format!("Location is {location:?}"), hint));
    }
    let shown = ctx.get(&path);
    status(&shown, 200, hint)?;
    match json(&shown, hint)?.get("message") {
        Some(Value::String(m)) if *m == text => Ok(()),
        other => Err(fail(
            &shown,
            format!("expected message {text:?}, got {other:?}"),
            hint,
        )),
    }
}

fn l7_bad_json(ctx: &Ctx) -> Outcome {
    let hint = "a body that does not parse as JSON is the client's fault: `400 Bad Request`";
    status(
        &ctx.post_json("/api/messages", r#"{"message": "unfinished"#),
        400,
        hint,
    )
    .map(drop)
}

fn l7_not_json(ctx: &Ctx) -> Outcome {
    let hint =
        "look at Content-Type before parsing: not application/json is `415 Unsupported Media Type`";
    let exchange = ctx.send(
        "POST",
        "/api/messages",
        "Content-Type: text/plain\r\n",
        b"message=hello",
    );
    status(&exchange, 415, hint).map(drop)
}

fn l7_unknown(ctx: &Ctx) -> Outcome {
    let hint =
        "GET /api/messages/ID for an ID that does not exist: `404` and `{\"error\": \"...\"}`";
    let exchange = ctx.get("/api/messages/999999999");
    status(&exchange, 404, hint)?;
    match json(&exchange, hint)?.get("error") {
        Some(Value::String(_)) => Ok(()),
        _ => Err(fail(&exchange, "no \"error\" string in the JSON", hint)),
    }
}

// Level 8: validation and error pages.

fn l8_form_422(ctx: &Ctx) -> Outcome {
    let hint = "an invalid form (here: no message, a bad email) is `422` with the form again, \
                an error per field and the values typed, escaped";
    let exchange = ctx.post_form(
        "/contact",
        "name=%3Ci%3EAda%3C%2Fi%3E&email=not-an-email&message=+++",
    );
    status(&exchange, 422, hint)?;
    content_type(&exchange, "text/html", hint)?;
    contains(&exchange, "<form", hint)?;
    lacks(&exchange, "<i>Ada", hint)?;
    contains(&exchange, "&lt;i&gt;Ada", hint)
}

fn l8_api_422(ctx: &Ctx) -> Outcome {
    let hint = "invalid fields are `422` with `{\"error\": ..., \"fields\": {\"email\": ..., \"message\": ...}}`";
    let exchange = ctx.post_json(
        "/api/messages",
        r#"{"email": "not-an-email", "message": "   "}"#,
    );
    status(&exchange, 422, hint)?;
    let body = json(&exchange, hint)?;
    let fields = body.get("fields").and_then(Value::as_object);
    match fields {
        Some(f)
            if f.contains_key("email")
                && f.contains_key("message")
                && body.get("error").is_some() =>
        {
            Ok(())
        }
        _ => Err(fail(
            &exchange,
            "expected \"error\" and \"fields\" with email and message",
            hint,
        )),
    }
}

fn l8_not_found_page(ctx: &Ctx) -> Outcome {
    let hint = "an unknown page gets an HTML page saying 404, not an empty body";
    let exchange = ctx.get(&format!("/no-such-page-{}", ctx.token));
    status(&exchange, 404, hint)?;
    content_type(&exchange, "text/html", hint)?;
    contains(&exchange, "404", hint)
}

fn l8_boom(ctx: &Ctx) -> Outcome {
    let hint =
        "catch a failing handler (a panic, an error): answer a `500` HTML page, keep serving";
    let exchange = ctx.get("/boom");
    status(&exchange, 500, hint)?;
    content_type(&exchange, "text/html", hint)?;
    let after = ctx.get("/");
    status(&after, 200, hint).map(drop)
}

// Level 9: many connections, one thread.

/// How many idle connections level 9 holds open.
const IDLE: usize = 1000;

fn l9_many_idle(ctx: &Ctx) -> Outcome {
    let hint =
        "a connection that says nothing must cost next to nothing: wait for all of them at once \
                (epoll), instead of a blocked read each";
    let mut idle: Vec<TcpStream> = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        match ctx.target.connect() {
            Ok(stream) => idle.push(stream),
            Err(e) => {
                let what = format!(
                    "connection {} of {IDLE} failed: {e} (see `ulimit -n`)",
                    idle.len() + 1
                );
                return Err(Failure {
                    what,
                    exchange: None,
                    hint,
                });
            }
        }
    }
    let fresh = ctx.get("/");
    status(&fresh, 200, hint)?;
    if fresh.took > Duration::from_secs(1) {
        let what = format!("the new client took {} ms", fresh.took.as_millis());
        return Err(fail(&fresh, what, hint));
    }
    // Held, not dropped: each idle connection still gets an answer. All
    // the requests go out first, then the answers are read.
    let request = ctx.target.request("GET", "/", "", b"");
    let sent: Vec<bool> = idle
        .iter_mut()
        .map(|s| http::send(s, &request).is_ok())
        .collect();
    let deadline = Instant::now() + ANSWER_TIMEOUT * 2;
    let mut answered_ok = 0;
    for (stream, _) in idle.iter_mut().zip(sent).filter(|(_, sent)| *sent) {
        if Instant::now() > deadline {
            break;
        }
        let response = http::read_response(stream, &mut Vec::new());
        answered_ok += usize::from(response.is_ok_and(|r| r.status == 200));
    }
    if answered_ok < IDLE {
        let what = format!(
            "only {answered_ok} of the {IDLE} idle connections were still served afterwards"
        );
        return Err(Failure {
            what,
            exchange: None,
            hint,
        });
    }
    Ok(())
}
