//! Path parameters: `{id}` in `/api/messages/{id}`.

use std::str::FromStr;

use crate::http::{Request, Status};
use crate::respond::Error;

/// The path parameter `name`, parsed as `T`. The route attribute calls this
/// for every argument named like a `{param}` of the path.
///
/// A value that does not parse (`/api/messages/abc` for a `u64`) answers
/// `404 Not Found`: no resource has that name, and the handler never runs.
pub fn path_param<T: FromStr>(req: &Request, name: &str) -> Result<T, Error> {
    let raw = req.param(name).ok_or_else(|| {
        Error::new(
            Status::INTERNAL_SERVER_ERROR,
            format!("route has no parameter `{name}`"),
        )
    })?;
    raw.parse().map_err(|_| {
        Error::new(
            Status::NOT_FOUND,
            format!(
                "not found: `{raw}` is not a valid {name} (expected {})",
                short_type_name::<T>()
            ),
        )
    })
}

/// `u64` for `u64`, `Uuid` for `uuid::Uuid`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}
