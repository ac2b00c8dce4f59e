//! URLs built from routes, checked by the compiler.
//!
//! Each route attribute writes, beside its function, a module of the same
//! name holding one function, `url`, that takes the path parameters in the
//! order of the path and gives the route's [`Url`]:
//!
//! ```
//! use rung::get;
//!
//! #[get("/api/messages/{id}")]
//! fn show(id: u64) -> String {
//!     format!("message {id}")
//! }
//!
//! #[get("/files/{owner}/{*path}")]
//! fn file(owner: String, path: String) -> String {
//!     format!("{path} of {owner}")
//! }
//!
//! assert_eq!(show::url(5), "/api/messages/5");
//! assert_eq!(file::url("a/b", "css/site 2.css"), "/files/a%2Fb/css/site%202.css");
//! ```
//!
//! A function and a module can share a name, because Rust keeps functions
//! and modules in two namespaces: `show(...)` calls the handler,
//! `show::url(...)` builds its URL. The module has the function's
//! visibility, so the URL of a `pub fn` can be built from anywhere the
//! function can be called: `crate::api::show::url(5)`. (So no other
//! module of that name may sit beside the function.) The parameter types
//! are the handler's, looked up from the handler's module; a type declared
//! inside a function body is not found there.
//!
//! The compiler checks each call against the route: a route that does not
//! exist, a parameter too many or too few, or a value of the wrong type is
//! a compile error at the call, so a route whose path changes cannot leave
//! a stale link behind. A `String` parameter is taken as `&str`; any other
//! type as written in the handler. `macros/snapshots/url_builder.expanded.rs`
//! shows the generated function.
//!
//! Each value is turned into text with `Display` and percent-encoded for
//! its place ([`segment`], [`tail`]), so that the router, which decodes
//! the request's segments, hands the handler that very value back: `a/b`
//! becomes `a%2Fb`, one segment. Two values cannot come back:
//!
//! - an empty value for a `{param}`: a parameter matches a non-empty
//!   segment only, so `/files/{name}` with `name = ""` gives `/files/`,
//!   which that route never answers (a `{*tail}` may be empty);
//! - `.` or `..` for a whole segment, which browsers (not rung) remove
//!   before sending the request.
//!
//! A route that takes a `Query<T>` gives a `Url<T>`, whose
//! [`query`](Url::query) adds a query string made from a `T`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

use crate::input::percent::{encode_component, encode_tail};

/// The URL of a route: a path, percent-encoded, ready for a link, a
/// `Location` header or a [`Redirect`](crate::Redirect); made by the `url`
/// function that each route attribute writes (`show::url(5)`).
///
/// `Q` is the type of the route's `Query<Q>`, if it takes one, and then
/// [`query`](Url::query) adds a query string; otherwise it is
/// [`NoQuery`] and `query` cannot be called.
///
/// Use it where a `String` goes (`String::from(url)`, `.into()`), or as
/// text (`Display`, [`as_str`](Url::as_str)); in a template context it
/// is a plain string.
pub struct Url<Q = NoQuery> {
    text: String,
    // The type of the query string only: a `Url` holds no `Q`. (`fn() -> Q`
    // rather than `Q` keeps `Url` `Send`, `Sync` and `Clone` whatever `Q`
    // is.)
    query_type: PhantomData<fn() -> Q>,
}

/// The query type of a route that takes no `Query<T>`: there is no value
/// of it, so [`Url::query`] cannot be called on such a route's URL.
#[derive(Debug)]
pub enum NoQuery {}

/// A path parameter's value for its segment of a URL: the `Display` text,
/// percent-encoded, a `/` included (`a/b` gives `a%2Fb`).
///
/// An empty value gives an empty segment, which no `{param}` matches:
/// values that can be empty (a `String`) make URLs that answer `404`.
pub fn segment(value: &(impl fmt::Display + ?Sized)) -> String {
    encode_component(&value.to_string())
}

/// A tail parameter's value (`{*path}`) for the end of a URL: its `/` stay
/// separators and each piece between them is percent-encoded
/// (`css/a b.css` gives `css/a%20b.css`).
pub fn tail(value: &(impl fmt::Display + ?Sized)) -> String {
    encode_tail(&value.to_string())
}

impl<Q> Url<Q> {
    /// A URL from a path that is already percent-encoded. The generated
    /// `url` functions call it; use them rather than this.
    pub fn new(path: impl Into<String>) -> Url<Q> {
        Url {
            text: path.into(),
            query_type: PhantomData,
        }
    }

    /// The URL as text: `/api/messages/5`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL as a `String`.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl<Q: Serialize> Url<Q> {
    /// The same URL with a query string made from `query`, replacing any
    /// it had: `list::url().query(&Page { before: Some(40) })` gives
    /// `/messages?before=40`.
    ///
    /// Each field becomes `name=value`, both percent-encoded, in the order
    /// of the names (so the URL of a query does not depend on the order of
    /// the fields); a `None` field is left out, and a list gives one pair
    /// per item (`tag=a&tag=b`), as `Query<T>` reads it back. No field
    /// left gives no `?`.
    ///
    /// # Panics
    ///
    /// If `Q` is not a struct or a map of plain values (numbers, text,
    /// booleans, `Option`s and lists of them): a query string has no way
    /// to write a nested struct. That is a mistake in the program, found
    /// the first time the line runs.
    pub fn query(mut self, query: &Q) -> Url<Q> {
        if let Some(start) = self.text.find('?') {
            self.text.truncate(start);
        }
        let pairs = query_pairs(query);
        if !pairs.is_empty() {
            self.text.push('?');
            self.text.push_str(&pairs.join("&"));
        }
        self
    }
}

/// The `name=value` pairs of a query, each percent-encoded.
fn query_pairs(query: &impl Serialize) -> Vec<String> {
    let mut fields: Vec<(String, Value)> = match serde_json::to_value(query) {
        Ok(Value::Object(fields)) => fields.into_iter().collect(),
        Ok(other) => panic!("a query string is made from a struct or a map, not {other}"),
        Err(error) => panic!("the query could not be serialized: {error}"),
    };
    // By name, whatever order the map kept them in.
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pairs = Vec::new();
    for (name, value) in &fields {
        let values = match value {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        for value in values {
            let text = match value {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                Value::Bool(_) | Value::Number(_) => value.to_string(),
                Value::Array(_) | Value::Object(_) => panic!(
                    "the query field `{name}` is {value}: a query string holds \
                     numbers, text and booleans, and lists of them"
                ),
            };
            pairs.push(format!(
                "{}={}",
                encode_component(name),
                encode_component(&text)
            ));
        }
    }
    pairs
}

impl<Q> fmt::Display for Url<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<Q> fmt::Debug for Url<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Url").field(&self.text).finish()
    }
}

// Written out rather than derived: a derive would ask `Q: Clone`, and
// `Q: PartialEq`, for a `Q` the URL does not hold.
impl<Q> Clone for Url<Q> {
    fn clone(&self) -> Url<Q> {
        Url::new(self.text.clone())
    }
}

impl<Q> PartialEq for Url<Q> {
    fn eq(&self, other: &Url<Q>) -> bool {
        self.text == other.text
    }
}

impl<Q> Eq for Url<Q> {}

impl<Q> PartialEq<str> for Url<Q> {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl<Q> PartialEq<&str> for Url<Q> {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl<Q> From<Url<Q>> for String {
    fn from(url: Url<Q>) -> String {
        url.text
    }
}

/// So that a URL can be a header value: `.with_header("Location", url)`.
impl<Q> From<Url<Q>> for Cow<'static, str> {
    fn from(url: Url<Q>) -> Cow<'static, str> {
        Cow::Owned(url.text)
    }
}

/// A URL is a string in JSON and in a template context.
impl<Q> Serialize for Url<Q> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Search {
        q: String,
        page: Option<u32>,
        tag: Vec<&'static str>,
        exact: bool,
    }

    #[test]
    fn values_are_encoded_for_their_segment() {
        assert_eq!(segment("a/b"), "a%2Fb");
        assert_eq!(segment("a b"), "a%20b");
        assert_eq!(segment(&42u64), "42");
        assert_eq!(segment("100%"), "100%25");
        assert_eq!(segment("é"), "%C3%A9");
        assert_eq!(tail("css/a b.css"), "css/a%20b.css");
        assert_eq!(tail("a%2Fb/c"), "a%252Fb/c");
    }

    #[test]
    fn a_query_string_is_made_from_a_struct() {
        let url: Url<Search> = Url::new("/search");
        let search = Search {
            q: "rust & web".into(),
            page: None,
            tag: vec!["a", "b/c"],
            exact: true,
        };
        assert_eq!(
            url.query(&search),
            "/search?exact=true&q=rust%20%26%20web&tag=a&tag=b%2Fc"
        );
    }

    #[test]
    fn a_query_replaces_the_previous_one_and_empty_gives_no_question_mark() {
        #[derive(Serialize)]
        struct Page {
            before: Option<u64>,
        }
        let url: Url<Page> = Url::new("/messages");
        let url = url.query(&Page { before: Some(40) });
        assert_eq!(url, "/messages?before=40");
        assert_eq!(url.query(&Page { before: None }), "/messages");
    }

    #[test]
    fn the_query_reads_back_into_its_struct() {
        #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Filter {
            name: String,
            tag: Vec<String>,
            limit: Option<u32>,
        }
        let filter = Filter {
            name: "Ada+Lovelace/é %".into(),
            tag: vec!["x".into(), "&y=z".into()],
            limit: Some(7),
        };
        let url = Url::new("/f").query(&filter);
        let query = url.as_str().split_once('?').unwrap().1;
        let back: Filter = crate::input::urlencoded::parse(query).unwrap();
        assert_eq!(back, filter);
    }

    #[test]
    #[should_panic(expected = "the query field `inner`")]
    fn a_nested_struct_cannot_be_a_query() {
        #[derive(Serialize)]
        struct Inner {
            x: u8,
        }
        #[derive(Serialize)]
        struct Outer {
            inner: Inner,
        }
        let _ = Url::new("/x").query(&Outer {
            inner: Inner { x: 1 },
        });
    }

    #[test]
    fn a_url_is_text_wherever_text_goes() {
        let url: Url = Url::new("/api/messages/5");
        assert_eq!(url.to_string(), "/api/messages/5");
        assert_eq!(format!("{url:?}"), "Url(\"/api/messages/5\")");
        assert_eq!(serde_json::to_string(&url).unwrap(), "\"/api/messages/5\"");
        let header: Cow<'static, str> = url.clone().into();
        assert_eq!(header, "/api/messages/5");
        let created =
            crate::Response::new(crate::Status::CREATED).with_header("Location", url.clone());
        assert_eq!(created.headers().get("location"), Some("/api/messages/5"));
        let redirect = crate::IntoResponse::into_response(crate::Redirect::to(url.clone()));
        assert_eq!(redirect.headers().get("location"), Some("/api/messages/5"));
        assert_eq!(String::from(url), "/api/messages/5");
    }
}
