//! `application/x-www-form-urlencoded`: the format of HTML form bodies and of
//! query strings, e.g. `name=Ada+Lovelace&age=36`.
//!
//! Reading it is two steps, each a plain function:
//!
//! 1. [`parse_pairs`] splits the text on `&` and `=` and percent-decodes
//!    each name and value (strictly: bad escapes are errors). Failure here
//!    means the client sent garbage ([`FormError::Malformed`]; the
//!    extractors answer it with `400 Bad Request`).
//! 2. [`from_pairs`] fills a `#[derive(Deserialize)]` struct from those
//!    pairs. Failure here means the text was fine but does not fit the
//!    struct (a field is missing, or `age=old` for a number):
//!    [`FormError::Invalid`], which names the field (the form extractor
//!    answers `422 Unprocessable Content`).
//!
//! [`parse`] does both at once.
//!
//! Step 2 is a small hand-written serde `Deserializer`. It was written for
//! two things: its errors name the field that failed, and it reads a
//! repeated field (`tag=a&tag=b`, what a multi-select sends) into a `Vec`.
//! `serde_html_form` (with `serde_path_to_error`) was weighed as a
//! replacement and does not give the same:
//! - it decodes leniently, through `form_urlencoded`: `%zz` is kept as
//!   written and invalid UTF-8 becomes U+FFFD, so a malformed body would be
//!   taken as valid instead of refused (step 1 here refuses it);
//! - it reads urlencoded text only, and multipart fields (already decoded,
//!   see `multipart::text_fields`) go through this same step 2;
//! - `serde_path_to_error` reports a missing field at the path of the
//!   struct that lacks it, with the name only inside the message text, so
//!   the `422` could not name the field without parsing that text.
//!
//! It does give the `Vec` of a repeated key; that alone does not outweigh
//! the three points above.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde::forward_to_deserialize_any;

use super::percent::{decode_form_component, DecodeError};

/// Splits urlencoded text into decoded `(name, value)` pairs, in order.
///
/// Empty pieces (`a=1&&b=2`, a trailing `&`) are skipped, and a piece with
/// no `=` has the empty string as its value (`flag` → `("flag", "")`).
/// Repeated names are all kept. A query string is passed without its `?`.
///
/// ```
/// use rung::input::urlencoded::parse_pairs;
/// let pairs = parse_pairs("name=Ada+L%C3%B6velace&&flag").unwrap();
/// assert_eq!(pairs, vec![
///     ("name".to_string(), "Ada Lövelace".to_string()),
///     ("flag".to_string(), String::new()),
/// ]);
/// ```
pub fn parse_pairs(body: &str) -> Result<Vec<(String, String)>, DecodeError> {
    let mut pairs = Vec::new();
    for piece in body.split('&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode_form_component(name)?.into_owned();
        let value = decode_form_component(value)?.into_owned();
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Parses urlencoded text straight into `T`: [`parse_pairs`] then
/// [`from_pairs`].
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Search { q: String, page: u32 }
///
/// let search: Search = rung::input::urlencoded::parse("q=rust+web&page=2").unwrap();
/// assert_eq!((search.q.as_str(), search.page), ("rust web", 2));
/// ```
pub fn parse<T: DeserializeOwned>(body: &str) -> Result<T, FormError> {
    let pairs = parse_pairs(body)?;
    from_pairs(&pairs)
}

/// Fills a `T` (usually a `#[derive(Deserialize)]` struct) from decoded pairs.
///
/// How values are read, field by field:
///
/// - strings are taken as they are; numbers are parsed (`" 5"` is not a
///   number; `NaN` and infinities are refused);
/// - `bool` accepts `true`/`false`, `on`/`off` (what a checkbox sends) and
///   `1`/`0`; an unchecked checkbox sends nothing at all, so give such
///   fields `#[serde(default)]`;
/// - `Option<T>` is `None` when the field is absent *or sent empty*
///   (`age=`), which is how an untouched form input arrives;
/// - `Vec<T>` collects every value of a repeated name (`tag=a&tag=b`);
///   any other type given several values is an error;
/// - unit-only enums match the variant name (`color=Red`).
///
/// Names that `T` does not know are ignored unless `T` says
/// `#[serde(deny_unknown_fields)]`. Nested structs cannot be expressed in
/// this format, and inside `#[serde(flatten)]` or untagged enums (which
/// serde reads without knowing the target types) every value is a string.
pub fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, FormError> {
    T::deserialize(FormDeserializer { pairs })
}

/// Why urlencoded data could not become the requested type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// The text itself is broken (a bad `%` escape, invalid UTF-8, NUL):
    /// answer `400 Bad Request`.
    Malformed(DecodeError),
    /// The text was fine but does not fit the type: a field is missing,
    /// repeated, or has the wrong kind of value. Answer `422 Unprocessable
    /// Content`.
    Invalid {
        /// The field at fault, when known.
        field: Option<String>,
        /// What is wrong with it, e.g. `this field is required`.
        message: String,
    },
}

impl FormError {
    /// The name of the field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            FormError::Invalid {
                field: Some(field), ..
            } => Some(field),
            _ => None,
        }
    }

    /// Makes an [`FormError::Invalid`] about `field`.
    fn invalid(field: &str, message: String) -> FormError {
        FormError::Invalid {
            field: Some(field.to_string()),
            message,
        }
    }

    /// Attaches `field` to an error that does not name a field yet.
    ///
    /// Errors raised deep inside serde (e.g. "unknown variant") do not know
    /// which field they belong to; the map reader below does.
    fn in_field(self, field: &str) -> FormError {
        match self {
            FormError::Invalid {
                field: None,
                message,
            } => FormError::invalid(field, message),
            other => other,
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::Malformed(error) => write!(f, "malformed form data: {error}"),
            FormError::Invalid {
                field: Some(field),
                message,
            } => write!(f, "form field `{field}`: {message}"),
            FormError::Invalid {
                field: None,
                message,
            } => write!(f, "invalid form data: {message}"),
        }
    }
}

impl std::error::Error for FormError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FormError::Malformed(error) => Some(error),
            FormError::Invalid { .. } => None,
        }
    }
}

impl From<DecodeError> for FormError {
    fn from(error: DecodeError) -> Self {
        FormError::Malformed(error)
    }
}

/// serde reports its own errors (missing fields, unknown variants, ...)
/// through this trait, so they all become [`FormError::Invalid`].
impl de::Error for FormError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FormError::Invalid {
            field: None,
            message: message.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        FormError::invalid(field, "this field is required".to_string())
    }
}

// ---------------------------------------------------------------------------
// The serde plumbing. serde asks a Deserializer for a shape ("a map", "a u32",
// ...) and hands it a Visitor to feed. The whole form is a map from names to
// values; each value is a small deserializer that knows its field's name.

/// Presents the whole form to serde as a map of field name → values.
struct FormDeserializer<'de> {
    pairs: &'de [(String, String)],
}

impl<'de> de::Deserializer<'de> for FormDeserializer<'de> {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        // Group repeated names together. A BTreeMap keeps this fast even for
        // a hostile body with hundreds of thousands of names.
        let mut fields: BTreeMap<&'de str, Vec<&'de str>> = BTreeMap::new();
        for (name, value) in self.pairs {
            fields.entry(name).or_default().push(value);
        }
        visitor.visit_map(FieldsAccess {
            fields: fields.into_iter(),
            current: None,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Walks the grouped fields for serde, one name and its values at a time.
struct FieldsAccess<'de> {
    fields: std::collections::btree_map::IntoIter<&'de str, Vec<&'de str>>,
    /// The field whose name serde has just read and whose value comes next.
    current: Option<(&'de str, Vec<&'de str>)>,
}

impl<'de> de::MapAccess<'de> for FieldsAccess<'de> {
    type Error = FormError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, FormError> {
        let Some((name, values)) = self.fields.next() else {
            return Ok(None);
        };
        self.current = Some((name, values));
        seed.deserialize(BorrowedStrDeserializer::new(name))
            .map(Some)
            .map_err(|error: FormError| error.in_field(name))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, FormError> {
        let Some((name, values)) = self.current.take() else {
            return Err(de::Error::custom("a value was asked for before its name"));
        };
        seed.deserialize(ValueDeserializer {
            field: name,
            values: &values,
        })
        .map_err(|error| error.in_field(name))
    }
}

/// The value (or values, for a repeated name) of one field.
struct ValueDeserializer<'a, 'de> {
    /// The field's name, for error messages.
    field: &'de str,
    /// Never empty: a field only exists because some pair named it.
    values: &'a [&'de str],
}

impl<'de> ValueDeserializer<'_, 'de> {
    /// The field's only value; several values are an error here.
    fn single(&self) -> Result<&'de str, FormError> {
        match self.values {
            [value] => Ok(value),
            _ => Err(FormError::invalid(
                self.field,
                format!(
                    "expected one value but it was sent {} times",
                    self.values.len()
                ),
            )),
        }
    }

    /// Parses the single value with `FromStr`, or explains what was expected.
    fn parse<N: std::str::FromStr>(&self, expected: impl fmt::Display) -> Result<N, FormError> {
        let text = self.single()?;
        text.parse().map_err(|_| {
            FormError::invalid(self.field, format!("expected {expected}, found {text:?}"))
        })
    }

    /// Parses a floating-point value, refusing `NaN` and infinities (which
    /// `f64::from_str` would accept as `"NaN"` or `"inf"`).
    fn parse_finite(&self) -> Result<f64, FormError> {
        let number: f64 = self.parse("a number")?;
        if number.is_finite() {
            Ok(number)
        } else {
            let text = self.single()?;
            Err(FormError::invalid(
                self.field,
                format!("expected a finite number, found {text:?}"),
            ))
        }
    }
}

/// Writes a `deserialize_<int>` method that parses the value as that integer
/// type and names its range in the error message.
macro_rules! deserialize_integer {
    ($($method:ident => $visit:ident: $int:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
            let number: $int =
                self.parse(format_args!("an integer from {} to {}", <$int>::MIN, <$int>::MAX))?;
            visitor.$visit(number)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_, 'de> {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.values {
            [value] => visitor.visit_borrowed_str(value),
            _ => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.single()? {
            "true" | "on" | "1" => visitor.visit_bool(true),
            "false" | "off" | "0" => visitor.visit_bool(false),
            other => Err(FormError::invalid(
                self.field,
                format!("expected true or false, found {other:?}"),
            )),
        }
    }

    deserialize_integer! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        // Parse as f64 for the finiteness check; narrowing is what f32
        // parsing would do anyway.
        let number = self.parse_finite()? as f32;
        visitor.visit_f32(number)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let number = self.parse_finite()?;
        visitor.visit_f64(number)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let text = self.single()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(FormError::invalid(
                self.field,
                format!("expected a single character, found {text:?}"),
            )),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_borrowed_str(self.single()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_borrowed_bytes(self.single()?.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        // An empty input box arrives as `name=`: treat it as "not given".
        if matches!(self.values, [""]) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_seq(ValuesAccess {
            field: self.field,
            values: self.values.iter(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, FormError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        // A string deserializer doubles as an "enum access" for unit variants.
        visitor.visit_enum(BorrowedStrDeserializer::new(self.single()?))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        unit unit_struct tuple_struct map struct identifier
    }
}

/// Hands the values of a repeated field to serde one by one, for `Vec<T>`.
struct ValuesAccess<'a, 'de> {
    field: &'de str,
    values: std::slice::Iter<'a, &'de str>,
}

impl<'de> de::SeqAccess<'de> for ValuesAccess<'_, 'de> {
    type Error = FormError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, FormError> {
        let Some(value) = self.values.next() else {
            return Ok(None);
        };
        seed.deserialize(ValueDeserializer {
            field: self.field,
            values: std::slice::from_ref(value),
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashMap;

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Signup {
        name: String,
        age: u8,
        height: f64,
        email: Option<String>,
        #[serde(default)]
        newsletter: bool,
    }

    #[test]
    fn pairs_are_split_and_decoded() {
        assert_eq!(
            parse_pairs("a=1&b=x+y%21&c=caf%C3%A9").unwrap(),
            vec![pair("a", "1"), pair("b", "x y!"), pair("c", "café")]
        );
    }

    #[test]
    fn empty_pieces_are_skipped_and_bare_names_get_empty_values() {
        assert_eq!(
            parse_pairs("a=1&&b=2&").unwrap(),
            vec![pair("a", "1"), pair("b", "2")]
        );
        assert_eq!(
            parse_pairs("flag&x=").unwrap(),
            vec![pair("flag", ""), pair("x", "")]
        );
        assert_eq!(parse_pairs("").unwrap(), vec![]);
        assert_eq!(parse_pairs("&&&").unwrap(), vec![]);
        // Only the first `=` splits; later ones belong to the value.
        assert_eq!(parse_pairs("eq=a=b").unwrap(), vec![pair("eq", "a=b")]);
    }

    #[test]
    fn repeated_names_are_all_kept_in_order() {
        assert_eq!(
            parse_pairs("t=1&u=2&t=3").unwrap(),
            vec![pair("t", "1"), pair("u", "2"), pair("t", "3")]
        );
    }

    #[test]
    fn malformed_text_is_a_decode_error() {
        assert_eq!(
            parse_pairs("a=1&b=%zz"),
            Err(DecodeError::BadEscape { index: 0 })
        );
        assert_eq!(parse_pairs("a%FF=1"), Err(DecodeError::InvalidUtf8));
        assert_eq!(parse_pairs("a=%00"), Err(DecodeError::Nul));
        let error = parse::<HashMap<String, String>>("x=%").unwrap_err();
        assert!(matches!(error, FormError::Malformed(_)));
    }

    #[test]
    fn pairs_fill_a_struct_with_numbers() {
        let signup: Signup =
            parse("name=Ada+Lovelace&age=36&height=1.65&email=ada%40example.org&newsletter=on")
                .unwrap();
        assert_eq!(
            signup,
            Signup {
                name: "Ada Lovelace".to_string(),
                age: 36,
                height: 1.65,
                email: Some("ada@example.org".to_string()),
                newsletter: true,
            }
        );
    }

    #[test]
    fn absent_or_empty_options_are_none_and_defaults_apply() {
        let signup: Signup = parse("name=Bob&age=7&height=1&email=").unwrap();
        assert_eq!(signup.email, None);
        assert!(!signup.newsletter);
        let signup: Signup = parse("name=Bob&age=7&height=1").unwrap();
        assert_eq!(signup.email, None);
    }

    #[test]
    fn a_missing_field_is_invalid_and_names_the_field() {
        let error = parse::<Signup>("name=Ada&height=2").unwrap_err();
        assert!(matches!(error, FormError::Invalid { .. }));
        assert_eq!(error.field(), Some("age"));
        assert_eq!(
            error.to_string(),
            "form field `age`: this field is required"
        );
    }

    #[test]
    fn a_wrong_type_is_invalid_and_names_the_field() {
        let error = parse::<Signup>("name=Ada&age=old&height=2").unwrap_err();
        assert!(matches!(error, FormError::Invalid { .. }));
        assert_eq!(error.field(), Some("age"));
        assert_eq!(
            error.to_string(),
            "form field `age`: expected an integer from 0 to 255, found \"old\""
        );

        let error = parse::<Signup>("name=Ada&age=300&height=2").unwrap_err();
        assert_eq!(error.field(), Some("age"));

        let error = parse::<Signup>("name=Ada&age=3&height=NaN").unwrap_err();
        assert_eq!(
            error.to_string(),
            "form field `height`: expected a finite number, found \"NaN\""
        );

        let error = parse::<Signup>("name=Ada&age=3&height=1&newsletter=maybe").unwrap_err();
        assert_eq!(error.field(), Some("newsletter"));
    }

    #[test]
    fn a_repeated_single_field_is_an_error() {
        let error = parse::<Signup>("name=a&name=b&age=1&height=1").unwrap_err();
        assert!(matches!(error, FormError::Invalid { .. }));
        assert_eq!(
            error.to_string(),
            "form field `name`: expected one value but it was sent 2 times"
        );
    }

    #[test]
    fn repeated_names_fill_a_vec() {
        #[derive(Debug, Deserialize)]
        struct Tags {
            tag: Vec<String>,
            ids: Vec<u32>,
        }
        let tags: Tags = parse("tag=a&ids=3&tag=b&ids=5").unwrap();
        assert_eq!(tags.tag, ["a", "b"]);
        assert_eq!(tags.ids, [3, 5]);

        let error = parse::<Tags>("tag=a&ids=3&ids=x").unwrap_err();
        assert_eq!(error.field(), Some("ids"));
    }

    #[test]
    fn enums_and_unknown_fields() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum Color {
            Red,
            Green,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Pick {
            color: Color,
        }
        assert_eq!(parse::<Pick>("color=Green").unwrap().color, Color::Green);

        let error = parse::<Pick>("color=Blue").unwrap_err();
        assert!(matches!(error, FormError::Invalid { .. }));
        assert_eq!(error.field(), Some("color"));

        let error = parse::<Pick>("color=Red&extra=1").unwrap_err();
        assert_eq!(error.field(), Some("extra"));

        // Without deny_unknown_fields, extra names are ignored.
        let signup: Signup = parse("name=x&age=1&height=2&csrf=abc").unwrap();
        assert_eq!(signup.name, "x");
    }

    #[test]
    fn a_plain_map_takes_everything() {
        let map: HashMap<String, String> = parse("a=1&b=two").unwrap();
        assert_eq!(map["a"], "1");
        assert_eq!(map["b"], "two");
    }

    #[test]
    fn from_pairs_works_on_already_decoded_pairs() {
        // Values that would need escaping in the text form are fine here.
        let pairs = vec![
            pair("name", "a&b=c%"),
            pair("age", "9"),
            pair("height", "0.5"),
        ];
        let signup: Signup = from_pairs(&pairs).unwrap();
        assert_eq!(signup.name, "a&b=c%");
        assert_eq!(signup.age, 9);
    }
}
