//! Levels 1–3: the home page, a slow page, the about page, a page that
//! crashes.
//!
//! - **Level 1** (`GET /`): a request comes in, an HTML page goes out. The
//!   home page also counts your visits in the *session*: a signed cookie
//!   that the browser sends back with each request (see `rung::session`).
//! - **Level 2** (`GET /sleep?ms=N`): a handler that takes its time. Open
//!   two tabs on `/sleep?ms=5000` and one on `/`: the home page answers at
//!   once, because each request runs on one of many worker threads.
//! - **Level 3** (`GET /about`): routing. `#[route("/about")]` registers the
//!   function; nothing else lists it.
//! - `GET /boom` panics on purpose: rung catches the panic, answers `500`
//!   with the error page, and the worker goes on serving.

use std::time::Duration;

use rung::{get, route, Error, Html, Query, Session, State, Templates};
use serde::Deserialize;

use crate::layout;

/// Session key: how many times this visitor loaded the home page.
pub const SESSION_VISITS: &str = "visits";
/// Session key: the name given on the contact form (set by `contact`).
pub const SESSION_NAME: &str = "name";

/// Longest `/sleep`, in milliseconds.
pub const SLEEP_MAX_MS: u64 = 5000;

/// Level 1: the home page, with the visit counter and a welcome back.
#[get("/")]
pub fn home(session: Session, templates: State<Templates>) -> Result<Html<String>, Error> {
    // The session is a small map that lives in a signed cookie. Changing it
    // makes rung send the new cookie with this response.
    let visits = session.get::<u64>(SESSION_VISITS).unwrap_or(0) + 1;
    session.insert(SESSION_VISITS, visits);
    let name = session.get::<String>(SESSION_NAME);
    let context = serde_json::json!({ "visits": visits, "name": name });
    layout::page(&templates, "Home", "home.html", &context)
}

/// The query string of `/sleep`: `?ms=250`. A value that is not a whole
/// number (`?ms=abc`, `?ms=-1`) is refused with `400` by `Query` itself,
/// before this handler runs.
#[derive(Debug, Deserialize)]
pub struct SleepQuery {
    /// How long to wait, in milliseconds.
    pub ms: Option<u64>,
}

/// Level 2: waits `ms` milliseconds (0–5000), then answers.
#[get("/sleep")]
pub fn sleep(query: Query<SleepQuery>) -> Result<String, Error> {
    let ms = match query.0.ms {
        Some(ms) if ms <= SLEEP_MAX_MS => ms,
        Some(ms) => {
            return Err(Error::bad_request(format!(
                "ms must be between 0 and {SLEEP_MAX_MS}, not {ms}"
            )))
        }
        None => {
            return Err(Error::bad_request(format!(
                "say how long to sleep: /sleep?ms=N, N from 0 to {SLEEP_MAX_MS}"
            )))
        }
    };
    // This blocks one worker thread, and only that one.
    std::thread::sleep(Duration::from_millis(ms));
    Ok(format!("slept {ms} ms\n"))
}

/// Level 3: a page registered with `#[route]` (GET, and HEAD for free).
#[route("/about")]
pub fn about(templates: State<Templates>) -> Result<Html<String>, Error> {
    layout::page(&templates, "About", "about.html", &serde_json::json!({}))
}

/// Panics on purpose, to show that one broken handler does not bring the
/// server down: the visitor gets the 500 page, the log gets the panic.
#[get("/boom")]
pub fn boom() -> &'static str {
    panic!("boom: this handler panics on purpose (GET /boom)")
}
