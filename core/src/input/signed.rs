//! Signed values: data the server gives to a client (in a cookie) and can
//! later check it gets back unchanged.
//!
//! A signed value is `PAYLOAD.TAG`, where `PAYLOAD` is the data in base64url
//! and `TAG` is the base64url HMAC-SHA256 of the text `PAYLOAD` under a secret
//! key. Only someone who knows the key can make a tag that fits, so a client
//! can read its own data but not change it (it is signed, *not* encrypted:
//! never put secrets in it). Any server instance that has the same key can
//! check any client's value, so no shared session store is needed.
//!
//! Both halves use only `A-Z a-z 0-9 - _` and the `.` between them, all of
//! which are allowed in a cookie value.
//!
//! The check compares tags in constant time (`Mac::verify_slice`), so the
//! time it takes does not tell an attacker how many bytes of a forged tag
//! were right.
//!
//! Secrets leak, and good practice changes them from time to time. A
//! [`KeyRing`] holds the current key and the ones before it: the current
//! key signs, every key verifies. After a rotation, values signed with the
//! old key keep working until they are signed again (with the new key) or
//! expire; then the old key can be dropped.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// HMAC with SHA-256: the signing function.
type HmacSha256 = Hmac<Sha256>;

/// The recommended smallest key, in bytes: as long as the SHA-256 output.
pub const RECOMMENDED_KEY_BYTES: usize = 32;

/// The secret key that signs and checks values.
///
/// Every server instance that should accept the same cookies needs the
/// same key. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct SessionKey {
    bytes: Vec<u8>,
}

impl SessionKey {
    /// Uses `bytes` as the key as they are.
    ///
    /// Any length works, but a key shorter than [`RECOMMENDED_KEY_BYTES`]
    /// (32) is easier to guess; a warning is logged for one.
    pub fn from_bytes(bytes: &[u8]) -> SessionKey {
        if bytes.len() < RECOMMENDED_KEY_BYTES {
            log::warn!(
                "the session key is {} bytes long; {RECOMMENDED_KEY_BYTES} or more are recommended",
                bytes.len()
            );
        }
        SessionKey {
            bytes: bytes.to_vec(),
        }
    }

    /// Derives a 32-byte key from a secret of any length (a `--secret`
    /// option, an environment variable) by hashing it with SHA-256.
    ///
    /// The same secret always gives the same key, so several servers can
    /// share it. Hashing does not make a short secret harder to guess: pick
    /// a long random one. A warning is logged for secrets under 32 bytes.
    pub fn from_secret(secret: &str) -> SessionKey {
        if secret.len() < RECOMMENDED_KEY_BYTES {
            log::warn!(
                "the session secret is {} bytes long; {RECOMMENDED_KEY_BYTES} or more random \
                 characters are recommended",
                secret.len()
            );
        }
        SessionKey {
            bytes: Sha256::digest(secret.as_bytes()).to_vec(),
        }
    }

    /// A fresh random 32-byte key from the operating system.
    ///
    /// Cookies signed with it stop being valid when the process exits
    /// (every user gets a new session after a restart).
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes, which only
    /// happens on a badly broken system; call this at start-up.
    pub fn random() -> SessionKey {
        let mut bytes = [0u8; RECOMMENDED_KEY_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system could not provide random bytes");
        SessionKey {
            bytes: bytes.to_vec(),
        }
    }

    /// A fresh HMAC computation keyed with this key.
    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        HmacSha256::new_from_slice(&self.bytes).expect("HMAC takes a key of any length")
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<hidden>)")
    }
}

/// The keys that sign and check values: the first (current) key signs,
/// every key verifies.
///
/// To rotate a secret, put the new one first and keep the old one after
/// it for as long as values signed with it may still be in use (for
/// sessions, one maximum age). Every server instance needs the same keys,
/// in the same order. Its `Debug` output never shows the keys.
///
/// ```
/// use rung::input::signed::{KeyRing, SessionKey};
/// let old = KeyRing::new(SessionKey::from_secret("last year's secret, long and random"));
/// let value = old.sign(b"user=42");
///
/// let rotated = KeyRing::from_secrets(&["this year's secret, long and random",
///                                       "last year's secret, long and random"]).unwrap();
/// assert_eq!(rotated.verify(&value).as_deref(), Some(&b"user=42"[..]));
/// assert_ne!(rotated.sign(b"user=42"), value); // signed with the new key
/// ```
#[derive(Clone, Debug)]
pub struct KeyRing {
    /// Never empty; `keys[0]` signs.
    keys: Vec<SessionKey>,
}

impl KeyRing {
    /// A ring of one key, which signs and verifies.
    pub fn new(current: SessionKey) -> KeyRing {
        KeyRing {
            keys: vec![current],
        }
    }

    /// Adds an older key: what it signed still verifies, but nothing new
    /// is signed with it.
    pub fn with_old(mut self, old: SessionKey) -> KeyRing {
        self.keys.push(old);
        self
    }

    /// A ring from secrets, newest first (each made a key by
    /// [`SessionKey::from_secret`]); `None` if there are none.
    pub fn from_secrets<S: AsRef<str>>(secrets: &[S]) -> Option<KeyRing> {
        let (current, older) = secrets.split_first()?;
        let ring = KeyRing::new(SessionKey::from_secret(current.as_ref()));
        Some(older.iter().fold(ring, |ring, secret| {
            ring.with_old(SessionKey::from_secret(secret.as_ref()))
        }))
    }

    /// The key that signs.
    pub fn current(&self) -> &SessionKey {
        &self.keys[0]
    }

    /// Signs `payload` with the current key (see [`sign`]).
    pub fn sign(&self, payload: &[u8]) -> String {
        sign(self.current(), payload)
    }

    /// Checks `value` against every key, newest first, and returns its
    /// payload if one of them signed it (see [`verify`]).
    pub fn verify(&self, value: &str) -> Option<Vec<u8>> {
        verify_with(&self.keys, value)
    }
}

impl From<SessionKey> for KeyRing {
    fn from(key: SessionKey) -> KeyRing {
        KeyRing::new(key)
    }
}

/// Signs `payload`: returns `base64url(payload) "." base64url(tag)`, a
/// string that is safe to use as a cookie value.
///
/// ```
/// use rung::input::signed::{sign, verify, SessionKey};
/// let key = SessionKey::from_secret("a long secret that nobody will ever guess");
/// let value = sign(&key, b"user=42");
/// assert_eq!(verify(&key, &value).as_deref(), Some(&b"user=42"[..]));
/// ```
pub fn sign(key: &SessionKey, payload: &[u8]) -> String {
    let encoded_payload = URL_SAFE_NO_PAD.encode(payload);
    let mut mac = key.mac();
    mac.update(encoded_payload.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{encoded_payload}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Checks a value made by [`sign`] with the same key and returns its
/// payload, or `None` if the value was changed in any way, cut short,
/// signed with another key, or is not a signed value at all.
///
/// It never panics, whatever `value` holds.
pub fn verify(key: &SessionKey, value: &str) -> Option<Vec<u8>> {
    verify_with(std::slice::from_ref(key), value)
}

/// [`verify`] with the first of `keys` that made the tag.
fn verify_with(keys: &[SessionKey], value: &str) -> Option<Vec<u8>> {
    let (encoded_payload, encoded_tag) = value.rsplit_once('.')?;
    // The base64 decoder is strict: no padding, no stray bits, so each tag
    // has exactly one spelling.
    let tag = URL_SAFE_NO_PAD.decode(encoded_tag).ok()?;
    let signed_by_one = keys.iter().any(|key| {
        let mut mac = key.mac();
        mac.update(encoded_payload.as_bytes());
        // Constant-time comparison; also fails when `tag` has the wrong
        // length. (Which key matched is no secret: trying them in turn
        // only tells the time it took to find it.)
        mac.verify_slice(&tag).is_ok()
    });
    // Only decode what is known to be ours.
    signed_by_one
        .then(|| URL_SAFE_NO_PAD.decode(encoded_payload).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SessionKey {
        SessionKey::from_secret("test secret that is at least thirty-two bytes long")
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let key = key();
        for payload in [
            &b""[..],
            b"x",
            b"{\"visits\":3}",
            &[0u8, 255, 1, 254],
            &[7u8; 1000],
        ] {
            let value = sign(&key, payload);
            assert_eq!(verify(&key, &value).as_deref(), Some(payload));
        }
    }

    #[test]
    fn the_signed_value_is_cookie_safe_and_stable() {
        let key = key();
        let value = sign(&key, b"\xff\xfe hello?/+");
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'));
        assert_eq!(value.matches('.').count(), 1);
        // Deterministic: the same key and payload give the same value.
        assert_eq!(value, sign(&key, b"\xff\xfe hello?/+"));
        // The tag of 32 bytes is 43 base64 characters.
        assert_eq!(value.rsplit_once('.').unwrap().1.len(), 43);
    }

    #[test]
    fn a_known_value_matches_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        // Here the MAC is over the base64url text of the payload, so compute
        // the expected tag over that text.
        let key = SessionKey::from_bytes(b"Jefe");
        let payload_text = URL_SAFE_NO_PAD.encode(b"hi");
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(payload_text.as_bytes());
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(sign(&key, b"hi"), format!("aGk.{expected}"));

        // And the HMAC itself is the standard one.
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn changing_any_character_is_detected() {
        let key = key();
        let value = sign(&key, b"{\"user\":42,\"admin\":false}");
        let replacements: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \0é"
                .chars()
                .collect();
        for (position, original) in value.char_indices() {
            for &replacement in &replacements {
                if replacement == original {
                    continue;
                }
                let mut tampered = String::new();
                tampered.push_str(&value[..position]);
                tampered.push(replacement);
                tampered.push_str(&value[position + original.len_utf8()..]);
                assert_eq!(
                    verify(&key, &tampered),
                    None,
                    "changing byte {position} to {replacement:?} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn flipping_any_bit_is_detected() {
        let key = key();
        let value = sign(&key, b"payload");
        for position in 0..value.len() {
            for bit in 0..8 {
                let mut bytes = value.clone().into_bytes();
                bytes[position] ^= 1 << bit;
                if let Ok(tampered) = String::from_utf8(bytes) {
                    assert_eq!(verify(&key, &tampered), None, "byte {position} bit {bit}");
                }
            }
        }
    }

    #[test]
    fn truncated_or_extended_values_are_refused() {
        let key = key();
        let value = sign(&key, b"some payload");
        for len in 0..value.len() {
            assert_eq!(verify(&key, &value[..len]), None, "cut to {len}");
            assert_eq!(verify(&key, &value[len + 1..]), None, "cut from {len}");
        }
        assert_eq!(verify(&key, &format!("{value}A")), None);
        assert_eq!(verify(&key, &format!("{value}=")), None);
        assert_eq!(verify(&key, &format!("A{value}")), None);
        assert_eq!(verify(&key, &format!("{value}.{value}")), None);
    }

    #[test]
    fn a_foreign_key_is_refused() {
        let value = sign(&key(), b"payload");
        assert_eq!(
            verify(&SessionKey::from_secret("another secret"), &value),
            None
        );
        assert_eq!(verify(&SessionKey::random(), &value), None);
        assert_eq!(verify(&SessionKey::from_bytes(&[0; 32]), &value), None);
    }

    #[test]
    fn garbage_is_refused() {
        let key = key();
        for garbage in [
            "", ".", "..", "abc", "abc.", ".abc", "!!!.???", "a.b.c", "é.é",
        ] {
            assert_eq!(verify(&key, garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn keys_from_secrets_are_deterministic_and_random_keys_differ() {
        let value = sign(&SessionKey::from_secret("shared"), b"x");
        assert_eq!(
            verify(&SessionKey::from_secret("shared"), &value).as_deref(),
            Some(&b"x"[..])
        );
        assert_ne!(
            sign(&SessionKey::random(), b"x"),
            sign(&SessionKey::random(), b"x")
        );
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", key()), "SessionKey(<hidden>)");
        let ring = KeyRing::new(key()).with_old(key());
        assert_eq!(
            format!("{ring:?}"),
            "KeyRing { keys: [SessionKey(<hidden>), SessionKey(<hidden>)] }"
        );
    }

    #[test]
    fn a_ring_signs_with_its_first_key_and_verifies_with_all() {
        let new = SessionKey::from_secret("the new secret, thirty-two bytes or more");
        let old = SessionKey::from_secret("the old secret, thirty-two bytes or more");
        let by_old = sign(&old, b"payload");
        let by_new = sign(&new, b"payload");

        let rotated = KeyRing::new(new.clone()).with_old(old.clone());
        assert_eq!(rotated.sign(b"payload"), by_new);
        assert_eq!(rotated.verify(&by_new).as_deref(), Some(&b"payload"[..]));
        assert_eq!(rotated.verify(&by_old).as_deref(), Some(&b"payload"[..]));

        // Once the old key is dropped, what it signed is refused.
        let new_only = KeyRing::new(new);
        assert_eq!(new_only.verify(&by_new).as_deref(), Some(&b"payload"[..]));
        assert_eq!(new_only.verify(&by_old), None);

        // A ring does not make tampering any easier.
        let mut tampered = by_old.into_bytes();
        tampered[0] ^= 1;
        assert_eq!(rotated.verify(&String::from_utf8(tampered).unwrap()), None);
        assert_eq!(rotated.verify("garbage"), None);
    }

    #[test]
    fn a_ring_from_secrets_keeps_their_order() {
        assert!(KeyRing::from_secrets::<&str>(&[]).is_none());
        let ring = KeyRing::from_secrets(&["new secret", "old secret"]).unwrap();
        assert_eq!(
            ring.sign(b"x"),
            sign(&SessionKey::from_secret("new secret"), b"x")
        );
        let by_old = sign(&SessionKey::from_secret("old secret"), b"x");
        assert_eq!(ring.verify(&by_old).as_deref(), Some(&b"x"[..]));
        let owned = vec![String::from("new secret")];
        assert_eq!(
            KeyRing::from_secrets(&owned).unwrap().sign(b"x"),
            ring.sign(b"x")
        );
    }
}
