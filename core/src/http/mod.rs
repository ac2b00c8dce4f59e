//! HTTP/1.1 on the wire: the request and response types, and the code that
//! turns bytes into requests (`head`, `body`) and responses into bytes
//! (`write`).

pub mod body;
pub mod error;
pub mod head;
mod headers;
mod method;
mod request;
mod response;
mod status;
pub mod write;

pub use error::HttpError;
pub(crate) use headers::trim_ows;
pub use headers::{is_valid_name, is_valid_value, Headers};
pub use method::{Method, Version};
pub use request::{Request, RequestBuilder, StateMap};
pub use response::{Body, Response};
pub use status::Status;
