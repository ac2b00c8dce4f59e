//! An in-process test client: drive an [`App`] without a socket.
//!
//! ```
//! use rung::test::Client;
//! use rung::{App, Method, Request};
//!
//! let app = App::empty().route(&[Method::Get], "/hi/{name}", |req: &Request| {
//!     format!("hi {}", req.param("name").unwrap())
//! });
//! let client = Client::new(app);
//! let response = client.get("/hi/ann").send();
//! assert_eq!(response.status.code(), 200);
//! assert_eq!(response.text(), "hi ann");
//! ```
//!
//! Requests go through the same router, extractors, error pages and session
//! handling as over a socket; only the bytes on the wire are skipped (the
//! engine's own tests cover those). The client keeps cookies like a browser,
//! so sessions work across requests.

use std::io::Read;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::app::App;
use crate::http::conn::{Dispatch, Settings};
use crate::http::{Body, Headers, Method, Request, RequestBuilder, Status};
use crate::input::percent;
use crate::server::Dispatcher;

/// Sends requests to an app in-process.
pub struct Client {
    /// The server's own dispatcher, without the sockets: requests get
    /// their id, and a panic its 500, exactly as over the network.
    dispatcher: Dispatcher,
    /// Cookies set by responses, sent back with later requests.
    cookies: Mutex<Vec<(String, String)>>,
}

impl Client {
    /// A client for `app`.
    ///
    /// # Panics
    /// If the app cannot start (route conflicts, missing state), with the
    /// same message the server would print.
    pub fn new(app: App) -> Client {
        match app.build() {
            Ok(service) => Client {
                dispatcher: Dispatcher::new(
                    Arc::new(service),
                    Settings::default(),
                    Arc::new(AtomicBool::new(false)),
                ),
                cookies: Mutex::new(Vec::new()),
            },
            Err(e) => panic!("{e}"),
        }
    }

    /// Starts a request with any method.
    pub fn request(&self, method: Method, target: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            builder: Request::builder(method, target).header("Host", "localhost"),
        }
    }

    /// Starts a `GET`.
    pub fn get(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Get, target)
    }

    /// Starts a `HEAD`.
    pub fn head(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Head, target)
    }

    /// Starts a `POST`.
    pub fn post(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Post, target)
    }

    /// Starts a `PUT`.
    pub fn put(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Put, target)
    }

    /// Starts a `PATCH`.
    pub fn patch(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Patch, target)
    }

    /// Starts a `DELETE`.
    pub fn delete(&self, target: &str) -> TestRequest<'_> {
        self.request(Method::Delete, target)
    }

    /// The cookie `name` the client holds, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let jar = self.cookies.lock().unwrap_or_else(|p| p.into_inner());
        jar.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    /// Forgets every cookie (a new browser).
    pub fn clear_cookies(&self) {
        self.cookies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn remember_cookies(&self, headers: &Headers) {
        let mut jar = self.cookies.lock().unwrap_or_else(|p| p.into_inner());
        for set_cookie in headers.get_all("set-cookie") {
            let mut attributes = set_cookie.split(';');
            let Some((name, value)) = attributes.next().and_then(|p| p.trim().split_once('='))
            else {
                continue;
            };
            let removed = attributes.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            jar.retain(|(n, _)| n != name);
            if !removed {
                jar.push((name.to_string(), value.to_string()));
            }
        }
    }
}

/// A request being built; [`send`](TestRequest::send) it.
pub struct TestRequest<'c> {
    client: &'c Client,
    builder: RequestBuilder,
}

impl TestRequest<'_> {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.builder = self.builder.body(body);
        self
    }

    /// Sends `pairs` as an urlencoded form.
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body = pairs
            .iter()
            .map(|(name, value)| {
                let name = percent::encode_component(name);
                format!("{name}={}", percent::encode_component(value))
            })
            .collect::<Vec<_>>()
            .join("&");
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// Sends `value` as JSON.
    pub fn json(self, value: &impl Serialize) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.header("Content-Type", "application/json").body(body)
    }

    /// Runs the request through the app and returns the response.
    pub fn send(self) -> TestResponse {
        let client = self.client;
        let mut builder = self.builder;
        let cookies: Vec<String> = {
            let jar = client.cookies.lock().unwrap_or_else(|p| p.into_inner());
            jar.iter().map(|(n, v)| format!("{n}={v}")).collect()
        };
        if !cookies.is_empty() {
            builder = builder.header("Cookie", &cookies.join("; "));
        }
        let mut request = builder.build();
        let head_only = request.method() == Method::Head;
        let response = client.dispatcher.call(&mut request);
        let (status, headers, body) = response.into_parts();
        client.remember_cookies(&headers);
        let bytes = match body {
            _ if head_only || !status.allows_body() => Vec::new(),
            Body::Empty => Vec::new(),
            Body::Bytes(b) => b.into_owned(),
            Body::Stream { mut reader, .. } => {
                let mut all = Vec::new();
                if let Err(e) = reader.read_to_end(&mut all) {
                    panic!("streamed body failed: {e}");
                }
                all
            }
        };
        TestResponse {
            status,
            headers,
            body: bytes,
        }
    }
}

/// What the app answered.
#[derive(Debug)]
pub struct TestResponse {
    /// The status.
    pub status: Status,
    /// The headers the app set (the engine adds `Date`, framing and
    /// `Connection` on a socket; they are not here).
    pub headers: Headers,
    /// The body (empty for `HEAD`).
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The first header called `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The body as text.
    ///
    /// # Panics
    /// If the body is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("response body is not UTF-8")
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    /// If the body is not JSON of that shape.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not the JSON expected: {e}\n{}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}
