//! Level 6 — remember a visitor: a visit counter in a cookie, signed.
//!
//! HTTP forgets: each request arrives on its own. To recognise a visitor,
//! the server hands the browser a *cookie* (`Set-Cookie: visits=3`), and
//! the browser sends it back with every request (`Cookie: visits=3`). The
//! home page counts visits that way: `<span id="visits">N</span>`.
//!
//! # Step 1: a plain counter — and why it is not enough
//!
//! With `Set-Cookie: visits=3`, the count lives in the browser, and the
//! visitor can edit it: `curl -H 'Cookie: visits=999999'`. For a counter
//! that is harmless; for `user=alice` or `admin=false`, it is not.
//!
//! # Step 2: sign it
//!
//! The server sends `visits=3.SIGNATURE`, where the signature is the
//! HMAC-SHA256 of `3` under a secret key that never leaves the server.
//! Anyone can read the `3`; nobody without the key can make the signature
//! of `4`. A cookie whose signature does not fit is ignored, and the count
//! restarts at 1. The check compares signatures in *constant time*
//! (`verify_slice`): a comparison that stopped at the first wrong byte
//! would tell an attacker, by its speed, how many bytes were right.
//!
//! ```text
//! cargo run -p demo --bin level6 -- --secret 'a long random string'
//! cargo run -p demo --bin check -- 6
//! curl -i -H 'Cookie: visits=41' http://127.0.0.1:9000/    # visits: 1
//! ```
//!
//! rung's answer: `core/src/input/signed.rs` (signing, key rotation),
//! `core/src/session.rs` (a map of values in one signed cookie), and the
//! site's home page in `demo/src/pages.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[allow(dead_code)] // level 5's own `main` goes unused here
#[path = "level5.rs"]
mod level5;
pub use level5::*;

use std::fs::File;
use std::io::Read;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC with SHA-256: the signing function.
type HmacSha256 = Hmac<Sha256>;

/// The routes this level adds, or changes: the home page counts visits.
pub const ROUTES: &[Route] = &[("GET", "/", home)];

/// The site of this level: its routes, then those of level 5.
pub fn route(req: &Request) -> Response {
    dispatch(ROUTES, req).unwrap_or_else(|| level5::route(req))
}

/// The signing key: `--secret`, or 32 random bytes from the kernel (then
/// every restart of the server invalidates the cookies it gave out).
fn key() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| match arg("secret") {
        Some(secret) => secret.into_bytes(),
        None => {
            let mut bytes = vec![0; 32];
            let random = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
            random.expect("/dev/urandom gives random bytes");
            bytes
        }
    })
}

/// The signature machine, keyed.
fn mac() -> HmacSha256 {
    HmacSha256::new_from_slice(key()).expect("HMAC takes a key of any length")
}

/// `3` → `3.5f0c…` (the value, a dot, the signature in hex).
pub fn sign(value: &str) -> String {
    let mut mac = mac();
    mac.update(value.as_bytes());
    let signature = mac.finalize().into_bytes();
    let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
    format!("{value}.{hex}")
}

/// `3.5f0c…` → `Some("3")` if the signature fits, else `None`.
pub fn verify(signed: &str) -> Option<&str> {
    let (value, hex) = signed.rsplit_once('.')?;
    let digit = |b: &u8| char::from(*b).to_digit(16);
    let signature: Vec<u8> = hex
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some((digit(high)? * 16 + digit(low)?) as u8),
            _ => None, // an odd number of digits
        })
        .collect::<Option<_>>()?;
    let mut mac = mac();
    mac.update(value.as_bytes());
    mac.verify_slice(&signature).ok().map(|()| value)
}

/// The value of cookie `name`: the `Cookie` header is `a=1; b=2`.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    let pairs = req.header("cookie")?.split(';');
    let mut found = pairs.filter_map(|pair| pair.trim().split_once('='));
    found.find(|(n, _)| *n == name).map(|(_, value)| value)
}

/// `GET /`: hello, and the visit count.
pub fn home(req: &Request) -> Response {
    // No cookie, a forged one, or not a number: this is visit 1.
    let previous = cookie(req, "visits")
        .and_then(verify)
        .and_then(|v| v.parse::<u64>().ok());
    let visits = previous.unwrap_or(0) + 1;
    let page = format!(
        "<!doctype html>\n<title>Hello</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n\
         <h1>Hello, world!</h1>\n<p>Visits: <span id=\"visits\">{visits}</span></p>\n\
         <p><a href=\"/about\">About</a> · <a href=\"/contact\">Contact</a> · <a href=\"/messages\">Messages</a></p>\n"
    );
    // `HttpOnly`: scripts in the page cannot read it. `SameSite=Lax`: other
    // sites' forms do not send it. `Path=/`: every page gets it.
    let cookie = format!(
        "visits={}; Path=/; HttpOnly; SameSite=Lax",
        sign(&visits.to_string())
    );
    Response::html(200, page).with_header("Set-Cookie", &cookie)
}

fn main() -> std::io::Result<()> {
    serve(&addr(), read_request, route)
}
