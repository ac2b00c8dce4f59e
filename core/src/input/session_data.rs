//! The contents of a session: a small map from names to JSON values that
//! travels in a signed cookie.
//!
//! The whole session lives in the cookie, as JSON signed with
//! [`signed::sign`](super::signed::sign), so the server keeps no session
//! store and any instance with the key can serve any user. The price:
//! the client can *read* the data (do not store secrets in it) and it must
//! stay small, because browsers keep only about 4 KiB per cookie.
//!
//! A cookie that does not verify (tampered with, signed with another key,
//! garbage) decodes to `None`: the caller starts a fresh, empty session
//! instead of failing the request.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::signed::{sign, verify, SessionKey};

/// The longest cookie value [`SessionData::encode`] produces, in bytes.
///
/// Browsers guarantee at least 4096 bytes for a cookie's name and value
/// together; this leaves room for the name.
pub const MAX_ENCODED_LEN: usize = 4000;

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

    /// Turns the session into a signed cookie value (JSON, then
    /// [`sign`]).
    ///
    /// Fails with [`SessionTooLarge`] if the result would be longer than
    /// [`MAX_ENCODED_LEN`] bytes, which a browser might silently drop.
    pub fn encode(&self, key: &SessionKey) -> Result<String, SessionTooLarge> {
        // A map from strings to JSON values always serializes.
        let json = serde_json::to_vec(&self.values).expect("a JSON map always serializes");
        let value = sign(key, &json);
        if value.len() > MAX_ENCODED_LEN {
            return Err(SessionTooLarge { len: value.len() });
        }
        Ok(value)
    }

    /// Reads a cookie value made by [`encode`](SessionData::encode) with the
    /// same key. `None` if it does not verify or does not hold a JSON
    /// object: the caller should then start a fresh session.
    ///
    /// ```text
    /// use rung::input::signed::SessionKey;
    ///
    /// let key = SessionKey::random();
    /// let mut session = SessionData::default();
    /// session.insert("name", "Ada").unwrap();
    /// let cookie = session.encode(&key).unwrap();
    ///
    /// let back = SessionData::decode(&key, &cookie).unwrap();
    /// assert_eq!(back.get::<String>("name").as_deref(), Some("Ada"));
    /// assert!(SessionData::decode(&SessionKey::random(), &cookie).is_none());
    /// ```
    pub fn decode(key: &SessionKey, cookie_value: &str) -> Option<SessionData> {
        let json = verify(key, cookie_value)?;
        let values = serde_json::from_slice(&json).ok()?;
        Some(SessionData {
            values,
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
    use serde::Deserialize;

    fn key() -> SessionKey {
        SessionKey::from_secret("session test secret, thirty-two bytes or more")
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

        let mut session = SessionData::decode(&key(), &session.encode(&key()).unwrap()).unwrap();
        assert!(!session.is_changed());
        session.insert("a", 1).unwrap(); // the same value again
        assert!(!session.is_changed());
        assert!(!session.remove("nothing"));
        assert!(!session.is_changed());
        session.insert("a", 2).unwrap();
        assert!(session.is_changed());

        let mut session = SessionData::decode(&key(), &session.encode(&key()).unwrap()).unwrap();
        assert!(session.remove("a"));
        assert!(session.is_changed());
        assert!(session.is_empty());

        let mut empty = SessionData::default();
        empty.clear();
        assert!(!empty.is_changed());
        let mut full = SessionData::default();
        full.insert("x", true).unwrap();
        let mut full = SessionData::decode(&key(), &full.encode(&key()).unwrap()).unwrap();
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
        let back = SessionData::decode(&key(), &cookie).unwrap();
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
                SessionData::decode(&key(), &tampered).is_none(),
                "byte {position}"
            );
        }
        assert!(SessionData::decode(&SessionKey::from_secret("other"), &cookie).is_none());
        assert!(SessionData::decode(&key(), "").is_none());
        assert!(SessionData::decode(&key(), "garbage").is_none());
        assert!(SessionData::decode(&key(), &cookie[..cookie.len() - 1]).is_none());
    }

    #[test]
    fn a_signed_value_that_is_not_a_json_object_is_refused() {
        // Correctly signed, but not what `encode` makes.
        for payload in [&b"[1,2]"[..], b"42", b"not json", b"\xff"] {
            let cookie = sign(&key(), payload);
            assert!(SessionData::decode(&key(), &cookie).is_none());
        }
    }

    #[test]
    fn a_session_too_large_for_a_cookie_is_an_error() {
        let mut session = SessionData::default();
        session.insert("big", "x".repeat(2900)).unwrap();
        assert!(session.encode(&key()).unwrap().len() <= MAX_ENCODED_LEN);

        session.insert("big", "x".repeat(3100)).unwrap();
        let error = session.encode(&key()).unwrap_err();
        assert!(error.len > MAX_ENCODED_LEN);
        assert!(error
            .to_string()
            .contains("more than the 4000 a cookie can hold"));
    }
}
