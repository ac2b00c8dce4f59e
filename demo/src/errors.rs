//! Error pages: what a visitor sees when something goes wrong.
//!
//! rung turns every error — an unknown path, a rejected request, a handler
//! that returned `Err(Error)` or panicked — into an error response, then
//! asks the app for the page to show. These catchers make that page:
//!
//! - for pages, HTML in the site's layout;
//! - under `/api`, JSON: `{"error": "..."}`, since a program reads it.
//!
//! When several catchers fit a path, the one with the longest prefix wins,
//! so `/api/...` gets the JSON ones. Statuses without a catcher here get
//! rung's default page (HTML, or JSON under the app's `api_prefix`).

use rung::{catch, Caught, Html, Json, State, Templates};
use serde_json::{json, Value};

use crate::layout;

/// `404` for pages.
#[catch(404)]
pub fn not_found(caught: Caught, templates: State<Templates>) -> Html<String> {
    html_page(&caught, &templates)
}

/// `500` for pages (a handler panicked or failed).
#[catch(500)]
pub fn internal_error(caught: Caught, templates: State<Templates>) -> Html<String> {
    html_page(&caught, &templates)
}

/// `503` for pages: the message store cannot be reached right now.
#[catch(503)]
pub fn unavailable(caught: Caught, templates: State<Templates>) -> Html<String> {
    html_page(&caught, &templates)
}

/// `404` under `/api` (the prefix given to `App::api_prefix` too).
#[catch(404, prefix = "/api")]
pub fn api_not_found(caught: Caught) -> Json<Value> {
    Json(json!({ "error": caught.message }))
}

/// `500` under `/api`.
#[catch(500, prefix = "/api")]
pub fn api_internal_error(caught: Caught) -> Json<Value> {
    Json(json!({ "error": caught.message }))
}

/// `503` under `/api`.
#[catch(503, prefix = "/api")]
pub fn api_unavailable(caught: Caught) -> Json<Value> {
    Json(json!({ "error": caught.message }))
}

/// The error page in the site's layout; a bare page if even the templates
/// fail (an error page must never fail itself).
fn html_page(caught: &Caught, templates: &Templates) -> Html<String> {
    let context = json!({
        "code": caught.status.code(),
        "reason": caught.status.reason(),
        "message": caught.message,
    });
    let title = format!("{} {}", caught.status.code(), caught.status.reason());
    layout::page(templates, &title, "error.html", &context).unwrap_or_else(|_| {
        Html(format!(
            "<!doctype html>\n<title>{title}</title>\n<h1>{title}</h1>\n<p>{}</p>\n",
            rung::template::escape_html(&caught.message)
        ))
    })
}
