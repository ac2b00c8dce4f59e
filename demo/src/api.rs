//! The next level: a JSON API over the same messages.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/messages?limit=N&offset=M` | `200`, the messages, id ascending |
//! | `POST /api/messages` | `201`, `Location: /api/messages/ID`, the message |
//! | `GET /api/messages/{id}` | `200` the message, or `404` |
//! | `DELETE /api/messages/{id}` | `204` with the admin token (`401`/`403` without) |
//!
//! Errors are JSON too: `{"error": "..."}`. The app is built with
//! `.api_prefix("/api")`, so even the errors rung makes itself (a `415`
//! from `Json<T>`, a `404` for an unknown path) come out as JSON here.
//! Invalid fields also say which: `{"error": ..., "fields": {FIELD: MESSAGE}}`.
//!
//! The rules for a message are the very ones of the contact form
//! ([`crate::validate`]).

use rung::{delete, get, post, Error, IntoResponse, Json, Query, Request, Response, State, Status};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::{Message, Store};
use crate::validate::{self, FieldErrors, MessageInput};

/// Messages listed when no `limit` is given.
pub const DEFAULT_LIMIT: u64 = 100;
/// The largest `limit` allowed.
pub const MAX_LIMIT: u64 = 1000;

/// The token that `DELETE` needs (`--admin-token`), if one was configured.
#[derive(Clone, Debug, Default)]
pub struct AdminToken(pub Option<String>);

impl AdminToken {
    /// The token, if one was configured.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// `?limit=N&offset=M`. Both are whole numbers: `Query` answers `400` for
/// `limit=abc` or `offset=-1` before the handler runs.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// At most this many messages (default 100, at most 1000).
    pub limit: Option<u64>,
    /// Skip this many first.
    pub offset: Option<u64>,
}

/// Lists messages, id ascending.
#[get("/api/messages")]
pub fn list(query: Query<ListQuery>, store: State<Store>) -> Result<Json<Vec<Message>>, Error> {
    let limit = query.0.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(Error::bad_request(format!(
            "limit must be at most {MAX_LIMIT}, not {limit}"
        )));
    }
    let offset = query.0.offset.unwrap_or(0);
    // `limit` is at most 1000, so it always fits in a usize.
    Ok(Json(store.list(offset, limit as usize)?))
}

/// Creates a message from a JSON object: `{"name", "email", "message"}`.
///
/// `Json<Value>` rather than `Json<MessageInput>`: with a typed struct,
/// `{"message": 5}` would be refused by serde with one generic error; read
/// as a `Value`, every field can be checked and named in the answer.
#[post("/api/messages")]
pub fn create(body: Json<Value>, store: State<Store>) -> Result<Response, Error> {
    let Value::Object(object) = body.0 else {
        return Ok(invalid("expected a JSON object", &FieldErrors::new()));
    };
    // Each field: missing or null is "not given", a string is a value,
    // anything else is an error for that field.
    let mut type_errors = FieldErrors::new();
    let mut field = |name: &'static str| match object.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            type_errors.insert(name, "must be a string".to_string());
            None
        }
    };
    let input = MessageInput {
        name: field("name"),
        email: field("email"),
        message: field("message"),
    };
    let new = match validate::check(&input) {
        Ok(new) if type_errors.is_empty() => new,
        Ok(_) => return Ok(invalid("invalid fields", &type_errors)),
        Err(mut errors) => {
            // A field of the wrong type is reported as that, not as missing.
            errors.extend(type_errors);
            return Ok(invalid("invalid fields", &errors));
        }
    };
    let message = store.add(new)?;
    // `show::url` is written by the `#[get]` on `show` below: the path of
    // that route with this id, checked by the compiler against it.
    let location = show::url(message.id);
    Ok(Json(message)
        .into_response()
        .with_status(Status::CREATED)
        .with_header("Location", location))
}

/// `422` with what is wrong with each field.
fn invalid(error: &str, fields: &FieldErrors) -> Response {
    let body = json!({ "error": error, "fields": fields });
    (Status::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// One message. An `id` that is not a number never gets here: the route
/// answers `404` for `/api/messages/abc` by itself.
#[get("/api/messages/{id}")]
pub fn show(id: u64, store: State<Store>) -> Result<Json<Message>, Error> {
    store
        .get(id)?
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no message with id {id}")))
}

/// Deletes a message; needs `Authorization: Bearer TOKEN`.
#[delete("/api/messages/{id}")]
pub fn delete(
    id: u64,
    req: &Request,
    store: State<Store>,
    admin: State<AdminToken>,
) -> Result<Status, Response> {
    let Some(expected) = admin.get() else {
        return Err(Error::new(
            Status::FORBIDDEN,
            "deleting is disabled: the server was started without --admin-token",
        )
        .into_response());
    };
    let given = req
        .header("authorization")
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match given {
        Some(token) if same_secret(token, expected) => {}
        Some(_) => return Err(unauthorized("wrong admin token")),
        None => return Err(unauthorized("missing header: Authorization: Bearer TOKEN")),
    }
    match store.delete(id) {
        Ok(true) => Ok(Status::NO_CONTENT),
        Ok(false) => Err(Error::not_found(format!("no message with id {id}")).into_response()),
        Err(e) => Err(Error::from(e).into_response()),
    }
}

/// `401`, with the header that says which kind of credentials to send.
fn unauthorized(message: &str) -> Response {
    Error::new(Status::UNAUTHORIZED, message)
        .into_response()
        .with_header("WWW-Authenticate", "Bearer")
}

/// Compares two secrets in time that does not depend on where they first
/// differ, so that timing the answers cannot reveal the token byte by byte.
///
/// `subtle`'s `ct_eq` looks at every byte whatever it finds; a hand-written
/// loop could be turned back into an early exit by the optimizer. Both
/// sides are hashed first, so the two compared are always 32 bytes long
/// and the time does not reveal the token's length either.
fn same_secret(given: &str, expected: &str) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    given.as_slice().ct_eq(expected.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret", "s3creT"));
        assert!(!same_secret("s3cre", "s3cret"));
        assert!(!same_secret("", "x"));
        assert!(!same_secret("s3cret\0", "s3cret"));
        assert!(same_secret("", ""));
    }
}
