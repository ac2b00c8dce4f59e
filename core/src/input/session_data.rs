//! The contents of a session: a small map from names to JSON values that
//! travels in a signed cookie.
//!
//! The whole session lives in the cookie, as JSON signed with a
//! [`KeyRing`], so the server keeps no session store and any instance
//! with the keys can serve any user. The price:
//! the client can *read* the data (do not store secrets in it) and it must
//! stay small, because browsers keep only about 4 KiB per cookie.
//!
//! # Expiry on the server
//!
//! What is signed is the values *and the time they were signed*:
//!
//! ```text
//! {"issued_at":1764240000,"values":{"visits":3}}
//! ```
//!
//! A cookie's `Max-Age` only asks the browser to forget it; a copied
//! cookie would be valid forever. So [`SessionData::decode`] also refuses
//! a cookie issued longer ago than the maximum age, and the client cannot
//! move that time, because it is under the signature.
//!
//! The issue time is refreshed each time the cookie is written, which is
//! each time the session *changes* (as in Flask, whose signer stamps the
//! time it signs). A session in use keeps living; one left unchanged for
//! the maximum age ends. Writing the cookie on every request instead
//! would refresh a session that is only read, but it would cost a
//! signature and a `Set-Cookie` on every response, and a response with a
//! `Set-Cookie` must not be shared by caches.
//!
//! This rule also bounds key rotation: a cookie signed with an old key is
//! signed again with the new one the next time it is written, and one that
//! is never written again expires within one maximum age, after which the
//! old key can be dropped.
//!
//! A cookie that does not verify (tampered with, signed with another key,
//! garbage), that was issued too long ago, or that holds no issue time (a
//! cookie from before expiry existed) decodes to `None`: the caller starts
//! a fresh, empty session instead of failing the request.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::signed::KeyRing;

/// The session of one request, shared by the extractor that loads it and
/// the code that writes the cookie back after the handler.
pub(crate) type SessionHandle = std::sync::Arc<std::sync::Mutex<SessionData>>;

/// The longest cookie value [`SessionData::encode`] produces, in bytes.
///
/// Browsers guarantee at least 4096 bytes for a cookie's name and value
/// together; this leaves room for the name.
pub const MAX_ENCODED_LEN: usize = 4000;

/// How far in the future an issue time may be: servers sharing the keys
/// may have clocks that differ by a few seconds. A cookie issued further
/// ahead comes from a badly set clock and would outlive its maximum age.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// What is signed: the session's values and when they were signed, in
/// seconds since 1970 (UTC).
#[derive(Serialize, Deserialize)]
struct Signed<V> {
    issued_at: u64,
    values: V,
}

/// `time` in whole seconds since 1970 (0 for a time before that).
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Whether a cookie issued at `issued_at` may still be used at `now`
/// (both in seconds since 1970): younger than `max_age`, and not from
/// further in the future than [`CLOCK_SKEW`].
fn is_fresh(issued_at: u64, now: u64, max_age: Duration) -> bool {
    match now.checked_sub(issued_at) {
        Some(age) => age < max_age.as_secs(),
        None => issued_at - now <= CLOCK_SKEW.as_secs(),
    }
}

/// A session's values, keyed by name, plus whether they changed since they
/// were decoded (if not, there is no need to send the cookie again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionData {
    values: BTreeMap<String, Value>,
    changed: bool,
}

impl SessionData {
    /// The value stored under `key`, converted to `T`; `None` if there is
    /// no such key or the stored value does not fit `T`.
    ///
    /// ```text
    /// let mut session = SessionData::default();
    /// session.insert("visits", 3u32).unwrap();
    /// assert_eq!(session.get::<u32>("visits"), Some(3));
    /// assert_eq!(session.get::<String>("visits"), None);
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let value = self.values.get(key)?;
        T::deserialize(value).ok()
    }

    /// Stores `value` under `key`, replacing what was there.
    ///
    /// Fails only if `value` cannot be turned into JSON (for example a map
    /// whose keys are not strings); the session is then unchanged.
    pub fn insert<T: Serialize>(
        &mut self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        let key = key.into();
        if self.values.get(&key) != Some(&value) {
            self.values.insert(key, value);
            self.changed = true;
        }
        Ok(())
    }

    /// Removes `key`, returning whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let removed = self.values.remove(key).is_some();
        self.changed |= removed;
        removed
    }

    /// Removes every value (for example on logout).
    pub fn clear(&mut self) {
        if !self.values.is_empty() {
            self.values.clear();
            self.changed = true;
        }
    }

    /// Whether the session holds no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether an insert, remove or clear changed the contents since this
    /// value was created or decoded. Storing the value a key already holds
    /// is not a change.
    pub fn is_changed(&self) -> bool {
        self.changed
    }

    /// Turns the session into a signed cookie value: JSON of the values
    /// and the time now, signed with the ring's current key.
    ///
    /// Fails with [`SessionTooLarge`] if the result would be longer than
    /// [`MAX_ENCODED_LEN`] bytes, which a browser might silently drop.
    pub fn encode(&self, keys: &KeyRing) -> Result<String, SessionTooLarge> {
        self.encode_at(keys, SystemTime::now())
    }

    /// [`encode`](SessionData::encode) as if the time were `now` (for
    /// tests, which cannot wait a month).
    pub fn encode_at(&self, keys: &KeyRing, now: SystemTime) -> Result<String, SessionTooLarge> {
        let signed = Signed {
            issued_at: unix_seconds(now),
            values: &self.values,
        };
        // A map from strings to JSON values always serializes.
        let json = serde_json::to_vec(&signed).expect("a JSON map always serializes");
        let value = keys.sign(&json);
        if value.len() > MAX_ENCODED_LEN {
            return Err(SessionTooLarge { len: value.len() });
        }
        Ok(value)
    }

    /// Reads a cookie value made by [`encode`](SessionData::encode) with
    /// one of the ring's keys, less than `max_age` ago. `None` if it does
    /// not verify, is too old, or does not hold what `encode` makes: the
    /// caller should then start a fresh session.
    ///
    /// ```text
    /// use rung::input::signed::{KeyRing, SessionKey};
    ///
    /// let keys = KeyRing::new(SessionKey::random());
    /// let mut session = SessionData::default();
    /// session.insert("name", "Ada").unwrap();
    /// let cookie = session.encode(&keys).unwrap();
    ///
    /// let month = Duration::from_secs(30 * 24 * 3600);
    /// let back = SessionData::decode(&keys, &cookie, month).unwrap();
    /// assert_eq!(back.get::<String>("name").as_deref(), Some("Ada"));
    /// let others = KeyRing::new(SessionKey::random());
    /// assert!(SessionData::decode(&others, &cookie, month).is_none());
    /// ```
    pub fn decode(keys: &KeyRing, cookie_value: &str, max_age: Duration) -> Option<SessionData> {
        SessionData::decode_at(keys, cookie_value, max_age, SystemTime::now())
    }

    /// [`decode`](SessionData::decode) as if the time were `now`.
    pub fn decode_at(
        keys: &KeyRing,
        cookie_value: &str,
        max_age: Duration,
        now: SystemTime,
    ) -> Option<SessionData> {
        let json = keys.verify(cookie_value)?;
        let signed: Signed<BTreeMap<String, Value>> = serde_json::from_slice(&json).ok()?;
        if !is_fresh(signed.issued_at, unix_seconds(now), max_age) {
            return None;
        }
        Some(SessionData {
            values: signed.values,
            changed: false,
        })
    }
}

/// The session does not fit in a cookie (see [`MAX_ENCODED_LEN`]).
///
/// This is the application's mistake, not the client's: store less in the
/// session (an id, not a whole shopping cart), and answer `500`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTooLarge {
    /// The length the encoded session would have had, in bytes.
    pub len: usize,
}

impl fmt::Display for SessionTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the session is {} bytes once encoded, more than the {MAX_ENCODED_LEN} a cookie can hold",
            self.len
        )
    }
}

impl std::error::Error for SessionTooLarge {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::signed::{sign, SessionKey};

    const MONTH: Duration = Duration::from_secs(30 * 24 * 3600);
    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn key() -> KeyRing {
        KeyRing::new(SessionKey::from_secret(
            "session test secret, thirty-two bytes or more",
        ))
    }

    /// Encodes and decodes now, with a month's maximum age.
    fn round_trip(session: &SessionData) -> Option<SessionData> {
        SessionData::decode(&key(), &session.encode(&key()).unwrap(), MONTH)
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct User {
        id: u64,
        name: String,
    }

    #[test]
    fn values_of_any_serde_type() {
        let mut session = SessionData::default();
        session.insert("visits", 1u32).unwrap();
        session.insert("name", "Ada").unwrap();
        session
            .insert(
                "user",
                User {
                    id: 7,
                    name: "Ada".to_string(),
                },
            )
            .unwrap();
        session.insert("tags", vec!["a", "b"]).unwrap();

        assert_eq!(session.get::<u32>("visits"), Some(1));
        assert_eq!(session.get::<String>("name").as_deref(), Some("Ada"));
        assert_eq!(
            session.get::<User>("user"),
            Some(User {
                id: 7,
                name: "Ada".to_string()
            })
        );
        assert_eq!(
            session.get::<Vec<String>>("tags"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(session.get::<u32>("missing"), None);
        assert_eq!(session.get::<u32>("name"), None); // wrong type
        assert!(session.get::<serde_json::Value>("visits").is_some());
    }

    #[test]
    fn insert_reports_values_that_are_not_json() {
        let mut session = SessionData::default();
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), "tuple keys cannot be JSON object keys");
        assert!(session.insert("bad", map).is_err());
        assert!(session.is_empty());
        assert!(!session.is_changed());
    }

    #[test]
    fn changes_are_tracked() {
        let mut session = SessionData::default();
        assert!(!session.is_changed());
        session.insert("a", 1).unwrap();
        assert!(session.is_changed());

        let mut session = round_trip(&session).unwrap();
        assert!(!session.is_changed());
        session.insert("a", 1).unwrap(); // the same value again
        assert!(!session.is_changed());
        assert!(!session.remove("nothing"));
        assert!(!session.is_changed());
        session.insert("a", 2).unwrap();
        assert!(session.is_changed());

        let mut session = round_trip(&session).unwrap();
        assert!(session.remove("a"));
        assert!(session.is_changed());
        assert!(session.is_empty());

        let mut empty = SessionData::default();
        empty.clear();
        assert!(!empty.is_changed());
        let mut full = SessionData::default();
        full.insert("x", true).unwrap();
        let mut full = round_trip(&full).unwrap();
        full.clear();
        assert!(full.is_changed());
        assert!(full.is_empty());
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let mut session = SessionData::default();
        session.insert("visits", 41u64).unwrap();
        session.insert("name", "<b>Ä</b> \"quoted\"; x=1").unwrap();
        let cookie = session.encode(&key()).unwrap();
        let back = SessionData::decode(&key(), &cookie, MONTH).unwrap();
        assert_eq!(back.get::<u64>("visits"), Some(41));
        assert_eq!(
            back.get::<String>("name").as_deref(),
            Some("<b>Ä</b> \"quoted\"; x=1")
        );
        // The encoded value is a valid cookie value.
        assert!(crate::input::cookies::SetCookie::new("session", cookie).is_ok());
    }

    #[test]
    fn tampered_foreign_or_garbage_cookies_decode_to_none() {
        let mut session = SessionData::default();
        session.insert("admin", false).unwrap();
        let cookie = session.encode(&key()).unwrap();

        for position in 0..cookie.len() {
            let mut bytes = cookie.clone().into_bytes();
            bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(
                SessionData::decode(&key(), &tampered, MONTH).is_none(),
                "byte {position}"
            );
        }
        let other = KeyRing::new(SessionKey::from_secret("other"));
        assert!(SessionData::decode(&other, &cookie, MONTH).is_none());
        assert!(SessionData::decode(&key(), "", MONTH).is_none());
        assert!(SessionData::decode(&key(), "garbage", MONTH).is_none());
        assert!(SessionData::decode(&key(), &cookie[..cookie.len() - 1], MONTH).is_none());
    }

    #[test]
    fn a_signed_value_that_is_not_a_json_object_is_refused() {
        // Correctly signed, but not what `encode` makes. The first is a
        // session from before expiry: values without an issue time.
        for payload in [
            &b"{\"visits\":3}"[..],
            b"{\"issued_at\":\"today\",\"values\":{}}",
            b"{\"issued_at\":1,\"values\":[1]}",
            b"[1,2]",
            b"42",
            b"not json",
            b"\xff",
        ] {
            let cookie = key().sign(payload);
            assert!(SessionData::decode(&key(), &cookie, MONTH).is_none());
        }
    }

    #[test]
    fn a_session_too_large_for_a_cookie_is_an_error() {
        let mut session = SessionData::default();
        session.insert("big", "x".repeat(2850)).unwrap();
        assert!(session.encode(&key()).unwrap().len() <= MAX_ENCODED_LEN);

        session.insert("big", "x".repeat(3050)).unwrap();
        let error = session.encode(&key()).unwrap_err();
        assert!(error.len > MAX_ENCODED_LEN);
        assert!(error
            .to_string()
            .contains("more than the 4000 a cookie can hold"));
    }

    #[test]
    fn what_is_signed_is_the_values_and_the_issue_time() {
        let mut session = SessionData::default();
        session.insert("visits", 3).unwrap();
        let issued = UNIX_EPOCH + Duration::from_secs(1_764_240_000);
        let cookie = session.encode_at(&key(), issued).unwrap();
        assert_eq!(
            key().verify(&cookie).as_deref(),
            Some(&br#"{"issued_at":1764240000,"values":{"visits":3}}"#[..])
        );
    }

    #[test]
    fn a_session_older_than_the_maximum_age_is_absent() {
        let mut session = SessionData::default();
        session.insert("user", 42).unwrap();
        let issued = UNIX_EPOCH + Duration::from_secs(1_764_240_000);
        let cookie = session.encode_at(&key(), issued).unwrap();
        let at = |later: Duration| SessionData::decode_at(&key(), &cookie, MONTH, issued + later);

        assert_eq!(at(Duration::ZERO).unwrap().get::<u32>("user"), Some(42));
        assert!(at(29 * DAY).is_some());
        assert!(at(MONTH - Duration::from_secs(1)).is_some());
        assert!(at(MONTH).is_none());
        assert!(at(31 * DAY).is_none());
        assert!(at(10 * 365 * DAY).is_none());

        // The maximum age is the caller's: a day here.
        let with_max = |max_age| SessionData::decode_at(&key(), &cookie, max_age, issued + 2 * DAY);
        assert!(with_max(DAY).is_none());
        assert!(with_max(3 * DAY).is_some());
    }

    #[test]
    fn a_session_from_the_future_is_accepted_only_within_the_clock_skew() {
        let mut session = SessionData::default();
        session.insert("user", 42).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_764_240_000);
        let decode_issued_at = |issued| {
            let cookie = session.encode_at(&key(), issued).unwrap();
            SessionData::decode_at(&key(), &cookie, MONTH, now)
        };
        assert!(decode_issued_at(now + CLOCK_SKEW).is_some());
        assert!(decode_issued_at(now + CLOCK_SKEW + Duration::from_secs(1)).is_none());
        assert!(decode_issued_at(now + MONTH).is_none());
    }

    #[test]
    fn the_issue_time_cannot_be_moved_without_the_key() {
        // An attacker who rewrites the issue time must re-sign: refused.
        let forged = sign(
            &SessionKey::from_secret("a guess at the secret"),
            br#"{"issued_at":99999999999,"values":{"admin":true}}"#,
        );
        assert!(SessionData::decode(&key(), &forged, MONTH).is_none());
    }

    #[test]
    fn a_cookie_signed_with_an_old_key_is_read_and_written_with_the_new_one() {
        let old = SessionKey::from_secret("the old secret, thirty-two bytes or more");
        let new = SessionKey::from_secret("the new secret, thirty-two bytes or more");
        let mut session = SessionData::default();
        session.insert("visits", 1).unwrap();
        let by_old = session.encode(&KeyRing::new(old.clone())).unwrap();

        let rotated = KeyRing::new(new.clone()).with_old(old.clone());
        let mut back = SessionData::decode(&rotated, &by_old, MONTH).expect("old key accepted");
        assert_eq!(back.get::<u32>("visits"), Some(1));
        assert!(SessionData::decode(&KeyRing::new(new.clone()), &by_old, MONTH).is_none());

        // The next write signs with the new key only.
        back.insert("visits", 2).unwrap();
        let rewritten = back.encode(&rotated).unwrap();
        let new_only = KeyRing::new(new);
        let again = SessionData::decode(&new_only, &rewritten, MONTH).unwrap();
        assert_eq!(again.get::<u32>("visits"), Some(2));
        assert!(SessionData::decode(&KeyRing::new(old), &rewritten, MONTH).is_none());
    }
}
