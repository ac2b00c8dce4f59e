//! HTTP/1.1 on the wire, and nothing else: the request and response types,
//! and the code that turns bytes into requests and responses into bytes.
//!
//! Split by concern of the wire, after hyper's `proto/h1`:
//!
//! | file | holds |
//! | --- | --- |
//! | `head.rs` | the request head: parsing, limits, the framing decision |
//! | `body.rs` | body decoders: `Content-Length` and chunked |
//! | `write.rs` | the encoder: status line, `Date`, framing, checked headers |
//! | `io.rs` | buffered I/O: the receive buffer, buffers lent by a worker |
//! | `conn.rs` | the connection state machine, over any byte stream |
//! | `limits.rs` | what a client may send, and how long it may take |
//! | `request.rs`, `response.rs`, `headers.rs`, `method.rs`, `status.rs` | the types |
//! | `request_id.rs` | the id a request carries (the server decides which) |
//! | `extensions.rs` | the typed map the layers above attach their things to |
//! | `spares.rs` | buffers of finished requests, kept for the next ones |
//! | `target.rs` | a request target's string: its spares, its decoded path |
//! | `error.rs` | why bytes could not become a request |
//!
//! Nothing here names a module above it: the only other module of the
//! crate it uses is `input` (percent-decoding), below everything.

pub(crate) mod body;
pub(crate) mod conn;
mod error;
mod extensions;
pub(crate) mod head;
mod headers;
pub(crate) mod io;
mod limits;
mod method;
mod request;
pub(crate) mod request_id;
mod response;
mod spares;
mod status;
mod target;
pub(crate) mod write;

pub use error::HttpError;
pub use extensions::Extensions;
pub use headers::{is_valid_name, is_valid_value, Headers};
pub(crate) use headers::{list_has_token, same_name, trim_ows};
pub use limits::{Limits, Timeouts};
pub use method::{Method, Version};
pub use request::{Request, RequestBuilder};
pub use request_id::RequestId;
pub use response::{Body, Response};
pub use status::Status;
