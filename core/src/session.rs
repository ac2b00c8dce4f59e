//! Sessions: a small map per visitor, kept in a signed cookie.
//!
//! The whole session travels in the `rung_session` cookie, signed with
//! HMAC-SHA256 ([`crate::input::signed`]). The server stores nothing, so any
//! instance that has the secrets can serve any visitor. A cookie that was
//! changed, cut short or signed with another key fails the check and the
//! visitor simply gets a fresh, empty session — never an error page.
//!
//! Sessions expire on the server: the time the cookie was signed is under
//! the signature, and one older than the app's maximum age
//! (`App::session_max_age`, 30 days by default) is treated as absent too.
//! The cookie is signed again, with a fresh time, whenever the session
//! changes; `core/src/input/session_data.rs` says why that moment.
//!
//! The app's secrets form a [`KeyRing`] (`App::secrets(&[new, old])`): the
//! first signs, all verify, so a secret can be replaced without logging
//! everyone out.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::extract::{FromRequest, RequestScope};
use crate::http::{Request, Response};
use crate::input::cookies::{parse_cookie_header, SameSite, SetCookie};
use crate::input::session_data::{SessionData, SessionHandle};
use crate::input::signed::{KeyRing, SessionKey};
use crate::respond::Error;

/// The name of the session cookie.
pub const COOKIE_NAME: &str = "rung_session";

/// How long a session lasts after its last change unless the app says
/// otherwise: 30 days.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// The app's maximum session age (set by `App::session_max_age`), kept in
/// its state.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SessionMaxAge(pub(crate) Duration);

/// The visitor's session, as a handler argument: `fn home(session: Session)`.
///
/// Values are stored as JSON: anything `Serialize` goes in, and comes back
/// out as any `Deserialize` type. When a handler changed the session, the
/// response carries the new signed cookie, stamped with the time now: the
/// session then lasts the app's maximum age from this change.
#[derive(Clone, Debug)]
pub struct Session {
    data: SessionHandle,
}

impl Session {
    fn lock(&self) -> MutexGuard<'_, SessionData> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value stored under `key`, if it is there and is a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.lock().get(key)
    }

    /// Stores `value` under `key`.
    ///
    /// # Panics
    /// If `value` cannot be turned into JSON (a map with non-string keys).
    pub fn insert<T: Serialize>(&self, key: &str, value: T) {
        if let Err(e) = self.lock().insert(key, value) {
            panic!("session value for `{key}` cannot be stored as JSON: {e}");
        }
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove(&self, key: &str) -> bool {
        self.lock().remove(key)
    }

    /// Empties the session (logging out, say).
    pub fn clear(&self) {
        self.lock().clear()
    }
}

impl<'a> FromRequest<'a> for Session {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        let load = || {
            let keys = session_keys(req);
            let max_age = max_age(req);
            let from_cookie = req
                .headers()
                .get_all("cookie")
                .flat_map(parse_cookie_header)
                .filter(|(name, _)| name == COOKIE_NAME)
                .find_map(|(_, value)| SessionData::decode(&keys, &value, max_age));
            Arc::new(Mutex::new(from_cookie.unwrap_or_default()))
        };
        // The app puts an empty slot (in its `RequestScope`) on every
        // request it answers; the first extractor that asks fills it, and
        // `finish` writes the cookie. A request built by hand has no slot:
        // its session is a fresh one that no response will carry.
        let data = match req.extensions().get::<RequestScope>() {
            Some(scope) => scope.session.get_or_init(load).clone(),
            None => load(),
        };
        Ok(Session { data })
    }
}

/// The app's session keys (set by `App::secrets`, or one random key for
/// this run).
fn session_keys(req: &Request) -> Arc<KeyRing> {
    req.state::<KeyRing>().unwrap_or_else(|| {
        // Only requests built by hand get here: `App::build` always adds keys.
        static FALLBACK: OnceLock<Arc<KeyRing>> = OnceLock::new();
        FALLBACK
            .get_or_init(|| Arc::new(KeyRing::new(SessionKey::random())))
            .clone()
    })
}

/// The app's maximum session age, or [`DEFAULT_MAX_AGE`].
fn max_age(req: &Request) -> Duration {
    req.state::<SessionMaxAge>()
        .map_or(DEFAULT_MAX_AGE, |max_age| max_age.0)
}

/// After the handler: if it changed the session, send the new cookie.
pub(crate) fn finish(req: &Request, response: &mut Response) {
    let Some(handle) = req
        .extensions()
        .get::<RequestScope>()
        .and_then(|scope| scope.session.get())
    else {
        return;
    };
    let data = handle.lock().unwrap_or_else(|p| p.into_inner());
    if !data.is_changed() {
        return;
    }
    let cookie = if data.is_empty() {
        SetCookie::removal(COOKIE_NAME)
    } else {
        // Signed now, with the current key: the browser may keep it as
        // long as the server will accept it.
        match data.encode(&session_keys(req)) {
            Ok(value) => SetCookie::new(COOKIE_NAME, value).map(|c| c.max_age(max_age(req))),
            Err(e) => {
                log::error!("session not saved: {e}");
                return;
            }
        }
    };
    match cookie.and_then(|c| c.path("/")) {
        Ok(cookie) => {
            let cookie = cookie.http_only(true).same_site(SameSite::Lax);
            response
                .headers_mut()
                .append("Set-Cookie", cookie.to_header_value());
        }
        Err(e) => log::error!("session cookie not built: {e}"),
    }
}
