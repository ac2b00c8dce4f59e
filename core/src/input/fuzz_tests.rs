//! A small deterministic fuzz loop: throws many pseudo-random inputs at the
//! parsers and checks only that none of them panics (a test fails if its
//! code panics). The inputs come from a fixed-seed generator, so a failure
//! is reproducible: the assertion message shows the input.
//!
//! Random bytes alone rarely get past the first check of a parser, so most
//! inputs are built from the characters each format cares about, or are a
//! valid input with a few bytes changed, inserted or cut off.

use super::multipart::{self, MultipartLimits};
use super::session_data::SessionData;
use super::signed::{self, KeyRing, SessionKey};
use super::{cookies, percent, urlencoded};

/// A linear congruential generator (Knuth's MMIX constants): tiny,
/// deterministic and good enough to shuffle test inputs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33 // the high bits are the more random ones
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `max_len` bytes, each picked from `alphabet` or (one time in
    /// eight) any byte at all.
    fn bytes_from(&mut self, alphabet: &[u8], max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| {
                if self.below(8) == 0 {
                    self.next() as u8
                } else {
                    alphabet[self.below(alphabet.len())]
                }
            })
            .collect()
    }

    /// A copy of `input` with a few random edits.
    fn mutate(&mut self, input: &[u8], alphabet: &[u8]) -> Vec<u8> {
        let mut bytes = input.to_vec();
        for _ in 0..1 + self.below(4) {
            let position = self.below(bytes.len() + 1);
            match self.below(4) {
                0 if position < bytes.len() => {
                    bytes[position] = alphabet[self.below(alphabet.len())];
                }
                1 if position < bytes.len() => {
                    bytes.remove(position);
                }
                2 => bytes.insert(position, alphabet[self.below(alphabet.len())]),
                _ => bytes.truncate(position),
            }
        }
        bytes
    }
}

const ROUNDS: usize = 3_000;

#[test]
fn multipart_parse_never_panics() {
    let mut rng = Lcg(1);
    let alphabet = b"\r\n-b:;=\" \\form-datanameContent-Disposition";
    let valid = b"pre\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
        --b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\\\"y\"\r\n\
        Content-Type: text/plain\r\n\r\ndata\r\n--b--\r\nepilogue";
    let small = MultipartLimits {
        max_parts: 3,
        max_header_bytes: 40,
        max_part_bytes: 5,
    };
    for _ in 0..ROUNDS {
        let input = if rng.below(2) == 0 {
            rng.bytes_from(alphabet, 200)
        } else {
            rng.mutate(valid, alphabet)
        };
        let _ = multipart::parse(&input, "b", &MultipartLimits::default());
        let _ = multipart::parse(&input, "b", &small);
        let content_type = String::from_utf8_lossy(&input);
        let _ = multipart::boundary_from_content_type(&content_type);
        let _ = multipart::boundary_from_content_type(&format!(
            "multipart/form-data; boundary={content_type}"
        ));
    }
}

#[test]
fn cookie_parsing_never_panics() {
    let mut rng = Lcg(2);
    let alphabet = "=; \t\"abc\u{1}é,\\".as_bytes();
    for _ in 0..ROUNDS {
        let input = String::from_utf8_lossy(&rng.bytes_from(alphabet, 80)).into_owned();
        for (name, value) in cookies::parse_cookie_header(&input) {
            // Whatever is returned is trimmed and has a non-empty name.
            assert!(!name.is_empty(), "{input:?}");
            assert_eq!(value.trim_matches([' ', '\t']), value, "{input:?}");
        }
        // Building a cookie either fails or yields a header without line
        // breaks or extra attributes.
        if let Ok(cookie) = cookies::SetCookie::new("n", input.as_str()) {
            let header = cookie.to_header_value();
            assert!(!header.contains(['\r', '\n', ';', '\0']), "{header:?}");
        }
    }
}

#[test]
fn verify_never_panics_and_never_accepts_a_forgery() {
    let mut rng = Lcg(3);
    let key = SessionKey::from_secret("fuzz secret, long enough to be a good one");
    let alphabet = b"AZaz09-_.=+/";
    let valid = signed::sign(&key, b"{\"visits\":1}");
    let keys = KeyRing::new(key.clone());
    let month = std::time::Duration::from_secs(30 * 24 * 3600);
    for _ in 0..ROUNDS {
        let bytes = if rng.below(2) == 0 {
            rng.bytes_from(alphabet, 100)
        } else {
            rng.mutate(valid.as_bytes(), alphabet)
        };
        let input = String::from_utf8_lossy(&bytes);
        if input != valid {
            assert_eq!(signed::verify(&key, &input), None, "{input:?}");
            assert!(
                SessionData::decode(&keys, &input, month).is_none(),
                "{input:?}"
            );
        }
    }
}

#[test]
fn percent_decoding_never_panics() {
    let mut rng = Lcg(4);
    let alphabet = b"%0123456789abcdefABCDEFgz+&=\xc3\xa9";
    for _ in 0..ROUNDS {
        let input = String::from_utf8_lossy(&rng.bytes_from(alphabet, 40)).into_owned();
        if let Ok(decoded) = percent::decode(&input) {
            assert!(!decoded.contains('\0'), "{input:?}");
            // Encoding what was decoded and decoding again gives it back.
            assert_eq!(
                percent::decode(&percent::encode_component(&decoded)).unwrap(),
                decoded
            );
        }
        let _ = percent::decode_form_component(&input);
        let _ = urlencoded::parse_pairs(&input);
        let _ = urlencoded::parse::<std::collections::HashMap<String, u8>>(&input);
    }
}
