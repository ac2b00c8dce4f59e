//! The dispatcher: between a connection and the service. It gives each
//! request its id, calls the service, turns a panic into a `500`, answers
//! bytes that never became a request, and writes the access log.
//!
//! The connection (`http/conn.rs`) asks it for all of that through the
//! [`Dispatch`] trait, so the connection itself stays a state machine of
//! the wire that the tests can run without a socket or a thread.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::request_id::{self, RequestId};
use super::Service;
use crate::http::conn::{Dispatch, Exchange, RequestLine, Settings};
use crate::http::{HttpError, Request, Response, Status};

/// Calls `service` for the connections of one server.
pub(crate) struct Dispatcher {
    service: Arc<dyn Service>,
    settings: Settings,
    shutting_down: Arc<AtomicBool>,
}

impl Dispatcher {
    /// A dispatcher for `service`; `shutting_down` is the server's flag.
    pub fn new(
        service: Arc<dyn Service>,
        settings: Settings,
        shutting_down: Arc<AtomicBool>,
    ) -> Dispatcher {
        Dispatcher {
            service,
            settings,
            shutting_down,
        }
    }
}

impl Dispatch for Dispatcher {
    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn call(&self, request: &mut Request) -> Response {
        request_id::assign(request);
        let service = &self.service;
        let mut response = match catch_unwind(AssertUnwindSafe(|| service.call(request))) {
            Ok(response) => response,
            Err(panic) => {
                log::error!(
                    "handler for {} {} panicked: {}",
                    request.method(),
                    request.path(),
                    panic_message(&*panic)
                );
                let error = HttpError::new(Status::INTERNAL_SERVER_ERROR, "internal server error");
                self.reject(&error)
            }
        };
        if let Some(id) = request.request_id() {
            if !response.headers().contains(request_id::HEADER) {
                // A sane incoming id or one of ours: safe to write as it is.
                response
                    .headers_mut()
                    .append_checked_copy(request_id::HEADER, id.as_str());
            }
        }
        response
    }

    /// The service's answer to `error`, or a plain one if that panics.
    fn reject(&self, error: &HttpError) -> Response {
        catch_unwind(AssertUnwindSafe(|| self.service.error(error))).unwrap_or_else(|_| {
            Response::text(format!("{}\n", error.message)).with_status(error.status)
        })
    }

    /// One line of the access log: client, request line, status, body
    /// bytes, time taken and request id (`-` for bytes that never became a
    /// request), formatted only when the line is logged:
    ///
    /// ```text
    /// 127.0.0.1:52144 "GET /about HTTP/1.1" 200 1532 0.211ms 5f0c2a9e81d34b77-1a
    /// ```
    fn answered(&self, exchange: &Exchange<'_>) {
        let id = match exchange.request {
            RequestLine::Request(request) => request.request_id(),
            _ => None,
        };
        log::info!(
            target: "rung::access",
            "{} \"{}\" {} {} {:.3}ms {}",
            exchange.peer,
            exchange.request,
            exchange.status.code(),
            exchange.bytes,
            exchange
                .answered
                .saturating_duration_since(exchange.started)
                .as_secs_f64()
                * 1000.0,
            id.map_or("-", RequestId::as_str)
        );
    }

    fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }
}

/// The text of a panic payload, for the log.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}
