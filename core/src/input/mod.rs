//! Reading what clients send: percent-encoding, urlencoded forms and query
//! strings, multipart forms, cookies, and signed session cookies.
//!
//! Each file handles one kind of input and works on plain `&str` / `&[u8]`,
//! returning plain types, so each can be read (and tested) on its own. The
//! extractors (`Query<T>`, `Form<T>`, `Cookies`, `Session`) are thin layers
//! over these functions. Every error type here has a readable `Display` and
//! variants that say what went wrong; which HTTP status that deserves is the
//! extractors' decision (`extract/`), not the parsers'. Nothing here knows
//! HTTP: this is the bottom layer, which every other module may use.
//!
//! | file | holds |
//! | --- | --- |
//! | [`percent`] | strict `%XX` decoding and encoding |
//! | [`urlencoded`] | `a=1&b=2` bodies and query strings → pairs → your struct |
//! | [`multipart`] | `multipart/form-data` bodies (file uploads) → parts |
//! | [`cookies`] | the `Cookie` header, and `Set-Cookie` values built safely |
//! | [`signed`] | HMAC-SHA256 signed values, the key that signs them, a key ring for rotation |
//! | `session_data` | the session map, stored in a signed cookie (internal) |

pub mod cookies;
pub mod multipart;
pub mod percent;
pub(crate) mod session_data;
pub mod signed;
pub mod urlencoded;

#[cfg(test)]
mod fuzz_tests;
