//! Hooks at work: every response says how long the app took to make it, in
//! a `Server-Timing` header (browsers' developer tools show it in the
//! network panel, under "Timing").
//!
//! A before-hook notes the time on the request; an after-hook, which sees
//! every response — pages, error pages, static files — reads it back.
//! Neither touches a handler: that is what hooks are for.

use std::time::Instant;

use rung::App;

/// When the app started on a request, kept in the request's extensions.
struct Started(Instant);

/// Adds the two hooks to `app`.
pub fn install(app: App) -> App {
    app.before(|req| {
        req.extensions_mut().insert(Started(Instant::now()));
        None
    })
    .after(|req, response| {
        if let Some(Started(at)) = req.extensions().get::<Started>() {
            let ms = at.elapsed().as_secs_f64() * 1000.0;
            let value = format!("app;dur={ms:.3}");
            response.headers_mut().insert("Server-Timing", value);
        }
    })
}
