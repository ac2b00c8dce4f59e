//! The `App`: the routes, state, error pages, hooks, safe defaults and
//! settings of a site, and the [`Service`] that answers its requests.
//!
//! The path of a request through the service (`AppService::call`):
//!
//! ```text
//! before-hooks ─▶ router ─▶ cross-origin check ─▶ extractors + handler
//!   ─▶ error page (a bare error becomes its page) ─▶ session cookie
//!   ─▶ security headers ─▶ after-hooks
//! ```

mod defaults;
mod hooks;

pub use defaults::SECURITY_HEADERS;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::ToSocketAddrs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::config::Config;
use crate::extract::{FromRequest, RequestScope, Requirements, StateMap};
use crate::http::{HttpError, Method, Request, Response, Status};
use crate::input::signed::{KeyRing, SessionKey};
use crate::registry;
use crate::respond::{Error, IntoResponse};
use crate::router::{allow_header, Handler, RouteEntry, RouteError, Routed, Router};
use crate::server::{panic_message, Server, Service};
use crate::session::SessionMaxAge;
use crate::template::escape_html;
use defaults::{CrossOrigin, SecurityHeaders};
use hooks::{After, Before};

/// A site: every registered route plus what you add, ready to serve.
///
/// ```no_run
/// # fn main() -> Result<(), rung::StartError> {
/// rung::App::new()            // every #[route], #[get], ... of the program
///     .state(String::from("shared value"))
///     .api_prefix("/api")     // errors under /api are JSON
///     .serve("127.0.0.1:9000")
/// # }
/// ```
pub struct App {
    routes: Vec<RouteEntry>,
    catchers: Vec<CatcherEntry>,
    /// What each route's extractors need: (route description, needs).
    requirements: Vec<(String, Requirements)>,
    state: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    config: Config,
    api_prefix: Option<String>,
    hooks: Hooks,
}

/// What runs around every request: the app's hooks and safe defaults.
#[derive(Clone, Default)]
struct Hooks {
    before: Vec<Before>,
    after: Vec<After>,
    security_headers: SecurityHeaders,
    cross_origin: CrossOrigin,
}

/// An error page handler.
#[derive(Clone)]
struct CatcherEntry {
    status: Status,
    prefix: String,
    handler: Handler,
}

impl Default for App {
    fn default() -> App {
        App::new()
    }
}

impl App {
    /// An app with every route and catcher registered by the attributes
    /// anywhere in the program.
    pub fn new() -> App {
        let mut app = App::empty();
        for route in registry::routes() {
            let location = format!("{}:{}", route.file, route.line);
            let handler: fn(&Request) -> Response = route.handler;
            let entry = RouteEntry::new(
                route.methods.to_vec(),
                route.path,
                route.name,
                location,
                Arc::new(handler),
            );
            let mut needs = Requirements::default();
            (route.requirements)(&mut needs);
            app.requirements
                .push((format!("{} ({})", entry.name, entry.location), needs));
            app.routes.push(entry);
        }
        for catcher in registry::catchers() {
            let mut needs = Requirements::default();
            (catcher.requirements)(&mut needs);
            app.requirements.push((
                format!("{} ({}:{})", catcher.name, catcher.file, catcher.line),
                needs,
            ));
            let status = Status::from_code(catcher.status).unwrap_or(Status::INTERNAL_SERVER_ERROR);
            let handler: fn(&Request) -> Response = catcher.handler;
            app.catchers.push(CatcherEntry {
                status,
                prefix: catcher.prefix.to_string(),
                handler: Arc::new(handler),
            });
        }
        app
    }

    /// An app with no routes at all (the registered ones are left out).
    pub fn empty() -> App {
        App {
            routes: Vec::new(),
            catchers: Vec::new(),
            requirements: Vec::new(),
            state: HashMap::new(),
            config: Config::default(),
            api_prefix: None,
            hooks: Hooks::default(),
        }
    }

    /// Adds a value that handlers get with a `State<T>` argument.
    pub fn state<T: Any + Send + Sync>(mut self, value: T) -> App {
        self.state.insert(TypeId::of::<T>(), Arc::new(value));
        self
    }

    /// Adds a route by hand (without an attribute).
    #[track_caller]
    pub fn route<F, R>(mut self, methods: &[Method], path: &str, handler: F) -> App
    where
        F: Fn(&Request) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        let caller = std::panic::Location::caller();
        let name = format!("(closure for {path})");
        let handler: Handler = Arc::new(move |req: &Request| handler(req).into_response());
        self.routes.push(RouteEntry::new(
            methods.to_vec(),
            path,
            name,
            format!("{}:{}", caller.file(), caller.line()),
            handler,
        ));
        self
    }

    /// Serves the files of the folder `dir` under the URL `prefix`:
    /// `.files("/static", "public")` answers `/static/style.css` with
    /// `public/style.css`, with `Content-Type`, `ETag` and `Last-Modified`,
    /// `304` and `Range` answers, and no way out of the folder (see
    /// `core/src/files.rs`).
    ///
    /// # Panics
    /// If `dir` is not a folder: a mistake to find at start-up.
    #[track_caller]
    pub fn files(mut self, prefix: &str, dir: impl AsRef<std::path::Path>) -> App {
        let files = match crate::files::StaticFiles::new(dir.as_ref()) {
            Ok(files) => files,
            Err(e) => panic!("cannot serve files from {}: {e}", dir.as_ref().display()),
        };
        let caller = std::panic::Location::caller();
        let pattern = format!("{}/{{*path}}", prefix.trim_end_matches('/'));
        let name = format!("static files from {}", files.root().display());
        let handler: Handler = Arc::new(move |req: &Request| {
            let relative = req.param("path").unwrap_or("");
            files.serve(req, relative)
        });
        self.routes.push(RouteEntry::new(
            vec![Method::Get],
            pattern,
            name,
            format!("{}:{}", caller.file(), caller.line()),
            handler,
        ));
        self
    }

    /// Renders the error page for `status` with `handler` (for paths under
    /// `prefix`, or everywhere with `""`). The handler's response gets
    /// `status` unless it sets another error status itself.
    pub fn catch<F, R>(mut self, status: Status, prefix: &str, handler: F) -> App
    where
        F: Fn(&Request) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.catchers.push(CatcherEntry {
            status,
            prefix: prefix.to_string(),
            handler: Arc::new(move |req: &Request| handler(req).into_response()),
        });
        self
    }

    /// Runs `hook` before every request is routed, in the order hooks were
    /// added. It may answer the request itself by returning
    /// `Some(response)` (a maintenance page, a refused login: an `Error`
    /// becomes the error page for its status), or put something in the
    /// request's extensions for the handlers, and return `None`.
    ///
    /// ```
    /// use rung::{App, Error, IntoResponse, Status};
    /// let app = App::empty().before(|req| {
    ///     let closed = req.path().starts_with("/admin") && req.header("authorization").is_none();
    ///     closed.then(|| Error::new(Status::UNAUTHORIZED, "log in first").into_response())
    /// });
    /// ```
    pub fn before<F>(mut self, hook: F) -> App
    where
        F: Fn(&mut Request) -> Option<Response> + Send + Sync + 'static,
    {
        self.hooks.before.push(Arc::new(hook));
        self
    }

    /// Runs `hook` on every response the app makes before it is sent, in
    /// the order hooks were added: handlers' responses, error pages, 404
    /// and 405, static files, and the answers to requests that could not
    /// be read whole. It sees the security headers, and may change or
    /// remove them.
    ///
    /// ```
    /// let app = rung::App::empty().after(|req, response| {
    ///     if req.path().starts_with("/static/") {
    ///         response.headers_mut().insert("Cache-Control", "max-age=3600");
    ///     }
    /// });
    /// ```
    pub fn after<F>(mut self, hook: F) -> App
    where
        F: Fn(&Request, &mut Response) + Send + Sync + 'static,
    {
        self.hooks.after.push(Arc::new(hook));
        self
    }

    /// Sends the header `name: value` with every response that does not
    /// set `name` itself, or changes the value of a default one
    /// ([`SECURITY_HEADERS`]): `.security_header("Content-Security-Policy",
    /// "default-src 'self'")`.
    pub fn security_header(mut self, name: &str, value: &str) -> App {
        self.hooks.security_headers.set(name, value);
        self
    }

    /// Stops sending one of the default security headers.
    pub fn without_security_header(mut self, name: &str) -> App {
        self.hooks.security_headers.remove(name);
        self
    }

    /// Lets unsafe requests (POST, PUT, PATCH, DELETE) from a browser page
    /// of `origin` (`https://admin.example.com`) through the cross-origin
    /// protection.
    pub fn trusted_origin(mut self, origin: &str) -> App {
        let origin = origin.trim_end_matches('/').to_string();
        self.hooks.cross_origin.trusted.push(origin);
        self
    }

    /// Leaves the route with this path pattern, as written in its
    /// attribute (`"/hooks/{*path}"`), out of the cross-origin protection:
    /// a webhook that other sites' pages may post to.
    pub fn cross_origin_exempt(mut self, pattern: &str) -> App {
        self.hooks.cross_origin.exempt.push(pattern.to_string());
        self
    }

    /// Turns the cross-origin protection off for every route.
    pub fn without_cross_origin_protection(mut self) -> App {
        self.hooks.cross_origin.off = true;
        self
    }

    /// Signs session cookies with a key derived from `secret`. Without one,
    /// a random key is made at start-up (sessions then end with the process).
    /// Every instance serving the same site needs the same secret.
    pub fn secret(self, secret: &str) -> App {
        self.secrets(&[secret])
    }

    /// Several secrets, newest first, to rotate them: the first signs
    /// session cookies, all of them verify (see [`KeyRing`]). Keep an old
    /// secret for one session maximum age after replacing it, then drop
    /// it. Every instance serving the same site needs the same secrets.
    ///
    /// # Panics
    /// If `secrets` is empty: a mistake to find at start-up.
    #[track_caller]
    pub fn secrets<S: AsRef<str>>(self, secrets: &[S]) -> App {
        match KeyRing::from_secrets(secrets) {
            Some(keys) => self.state(keys),
            None => panic!("App::secrets needs at least one secret"),
        }
    }

    /// How long a session lasts after its last change (30 days unless
    /// set): an older session cookie is ignored, as if absent, and the
    /// cookie's `Max-Age` says the same to the browser. Whole seconds.
    pub fn session_max_age(self, max_age: std::time::Duration) -> App {
        self.state(SessionMaxAge(max_age))
    }

    /// Error pages under this prefix (`/api`) are JSON: `{"error": "..."}`.
    pub fn api_prefix(mut self, prefix: &str) -> App {
        self.api_prefix = Some(prefix.trim_end_matches('/').to_string());
        self
    }

    /// Replaces the server settings (limits, timeouts, workers, trace).
    pub fn config(mut self, config: Config) -> App {
        self.config = config;
        self
    }

    /// The server settings, to change one of them.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Checks the app and makes the service that answers its requests:
    /// every route conflict, malformed pattern and missing state is
    /// reported at once.
    pub fn build(mut self) -> Result<AppService, StartError> {
        self.state
            .entry(TypeId::of::<KeyRing>())
            .or_insert_with(|| Arc::new(KeyRing::new(SessionKey::random())));
        let mut problems = Vec::new();
        for (route, needs) in &self.requirements {
            for (type_id, type_name) in &needs.states {
                if !self.state.contains_key(type_id) {
                    problems.push(format!(
                        "{route} asks for State<{type_name}>, but the app has no {type_name}: add `.state(value)` to the App"
                    ));
                }
            }
        }
        let router = match Router::new(self.routes) {
            Ok(router) => Some(router),
            Err(errors) => {
                problems.extend(errors.iter().map(RouteError::to_string));
                None
            }
        };
        match router {
            Some(router) if problems.is_empty() => Ok(AppService {
                router,
                catchers: self.catchers,
                state: StateMap(Arc::new(self.state)),
                config: self.config,
                api_prefix: self.api_prefix,
                hooks: self.hooks,
            }),
            _ => Err(StartError::Invalid(problems)),
        }
    }

    /// Builds the app and binds `addr` (port 0 picks a free port).
    pub fn bind(self, addr: impl ToSocketAddrs) -> Result<Server, StartError> {
        let service = self.build()?;
        let config = service.config.clone();
        Server::bind_arc(addr, Arc::new(service), config).map_err(StartError::Io)
    }

    /// Builds, binds and serves until SIGINT/SIGTERM (then shuts down
    /// gracefully and returns `Ok`).
    pub fn serve(self, addr: impl ToSocketAddrs) -> Result<(), StartError> {
        let server = self.bind(addr)?;
        server.handle_signals().map_err(StartError::Io)?;
        log::info!("listening on http://{}", server.local_addr());
        server.run().map_err(StartError::Io)
    }
}

/// Serves every registered route on `addr`: `rung::serve("127.0.0.1:9000")`.
pub fn serve(addr: impl ToSocketAddrs) -> Result<(), StartError> {
    App::new().serve(addr)
}

/// Why the app could not start.
///
/// Its `Debug` is its `Display`, so that `fn main() -> Result<(),
/// StartError>` prints the problems as readable text when the app cannot
/// start (Rust prints the `Debug` of the error `main` returns).
pub enum StartError {
    /// Mistakes in the app itself: route conflicts, malformed patterns,
    /// missing state. Each names the handler and its source location.
    Invalid(Vec<String>),
    /// The address could not be bound (in use, say).
    Io(io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Invalid(problems) => {
                writeln!(f, "the app cannot start:")?;
                for p in problems {
                    writeln!(f, "  - {p}")?;
                }
                Ok(())
            }
            StartError::Io(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl fmt::Debug for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for StartError {}

/// A built app: routes requests and renders error pages.
pub struct AppService {
    router: Router,
    catchers: Vec<CatcherEntry>,
    state: StateMap,
    config: Config,
    api_prefix: Option<String>,
    hooks: Hooks,
}

impl fmt::Debug for AppService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppService")
            .field("routes", &self.router.routes())
            .finish()
    }
}

/// Whether `path` is `prefix` or below it, segment-wise: `/api` and
/// `/api/x` are under `/api`, `/apiary` is not. Everything is under `""`.
fn under_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Every method rung routes, for `OPTIONS *`: all it knows but TRACE and
/// CONNECT, which no route can take.
fn all_routed() -> Vec<Method> {
    Method::ALL
        .into_iter()
        .filter(|m| !matches!(m, Method::Trace | Method::Connect))
        .collect()
}

impl AppService {
    /// What every request gets from the app: its state, and an empty
    /// place for its session.
    fn scope(&self) -> RequestScope {
        RequestScope {
            state: self.state.clone(),
            session: Default::default(),
        }
    }

    /// The route table as text (method, path, handler, source).
    pub fn route_table(&self) -> String {
        self.router.table()
    }

    /// The routes, sorted by path then method.
    pub fn routes(&self) -> &[RouteEntry] {
        self.router.routes()
    }

    /// The server settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Binds `addr` and returns the server, ready to run.
    pub fn bind(self, addr: impl ToSocketAddrs) -> io::Result<Server> {
        let config = self.config.clone();
        Server::bind_arc(addr, Arc::new(self), config)
    }

    fn dispatch(&self, req: &mut Request) -> Response {
        if req.method == Method::Options && req.path() == "*" {
            return Response::new(Status::NO_CONTENT)
                .with_header("Allow", allow_header(&all_routed()));
        }
        match self.router.route(req.method, req.raw_path()) {
            Routed::Found(route, params) => {
                req.params = params;
                if let Err(refused) = self.hooks.cross_origin.check(req, &route.path) {
                    return refused.into_response();
                }
                let handler = &route.handler;
                match catch_unwind(AssertUnwindSafe(|| handler(req))) {
                    Ok(response) => response,
                    Err(panic) => {
                        log::error!(
                            "handler {} ({}) panicked on {} {}: {}",
                            route.name,
                            route.location,
                            req.method,
                            req.target(),
                            panic_message(&*panic)
                        );
                        Error::internal("the server hit an error while answering this request")
                            .into_response()
                    }
                }
            }
            Routed::Options(allow) => {
                Response::new(Status::NO_CONTENT).with_header("Allow", allow_header(&allow))
            }
            Routed::MethodNotAllowed(allow) => {
                let allow = allow_header(&allow);
                let message = format!("{} is not allowed here; allowed: {allow}", req.method);
                Error::new(Status::METHOD_NOT_ALLOWED, message)
                    .into_response()
                    .with_header("Allow", allow)
            }
            Routed::NotFound => {
                Error::not_found(format!("nothing at {}", req.path())).into_response()
            }
        }
    }

    /// Replaces a bare error response by the error page for its status:
    /// a catcher's, or the default (HTML, or JSON under the API prefix).
    fn error_page(&self, req: &mut Request, mut response: Response) -> Response {
        let Some(error) = response.remove_extension::<Error>() else {
            return response;
        };
        let status = response.status();
        let message = error.message().to_string();
        req.extensions_mut().insert(Caught {
            status,
            message: message.clone(),
        });
        let req = &*req;
        let catcher = self
            .catchers
            .iter()
            .filter(|c| c.status == status && under_prefix(req.path(), &c.prefix))
            .max_by_key(|c| c.prefix.len());
        let mut page = match catcher {
            Some(catcher) => {
                let handler = &catcher.handler;
                match catch_unwind(AssertUnwindSafe(|| handler(req))) {
                    Ok(mut page) => {
                        if !page.status().is_error() {
                            page.set_status(status);
                        }
                        page.remove_extension::<Error>();
                        page
                    }
                    Err(panic) => {
                        log::error!(
                            "error page for {status} panicked: {}",
                            panic_message(&*panic)
                        );
                        self.default_page(req, status, &message)
                    }
                }
            }
            None => self.default_page(req, status, &message),
        };
        // Keep what the error said besides its body (`Allow`, say).
        for (name, value) in response.headers().iter() {
            if !name.eq_ignore_ascii_case("content-type") && !page.headers().contains(name) {
                page.headers_mut()
                    .append(name.to_string(), value.to_string());
            }
        }
        page
    }

    fn wants_json(&self, req: &Request) -> bool {
        // Under the API prefix, or a client that asks for JSON over HTML.
        let under_api = self
            .api_prefix
            .as_deref()
            .is_some_and(|prefix| under_prefix(req.path(), prefix));
        let accept = req.header("accept").unwrap_or("");
        under_api || (accept.contains("application/json") && !accept.contains("text/html"))
    }

    fn default_page(&self, req: &Request, status: Status, message: &str) -> Response {
        if self.wants_json(req) {
            let body = serde_json::json!({ "error": message }).to_string();
            return Response::json_text(body).with_status(status);
        }
        let title = escape_html(&status.to_string());
        let page = format!(
            "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<p>{}</p>\n<p><a href=\"/\">Back to the home page</a></p>\n</body>\n</html>\n",
            escape_html(message)
        );
        Response::html(page).with_status(status)
    }
}

impl AppService {
    /// Runs the before-hooks in order, until one answers.
    fn run_before_hooks(&self, req: &mut Request) -> Option<Response> {
        for hook in &self.hooks.before {
            match catch_unwind(AssertUnwindSafe(|| hook(req))) {
                Ok(None) => {}
                Ok(Some(response)) => return Some(response),
                Err(panic) => return Some(hook_panicked("before", &*panic)),
            }
        }
        None
    }

    /// The last steps of every response: the security headers, then the
    /// after-hooks in order. An after-hook that panics leaves a 500 error
    /// page, and the hooks after it do not run.
    fn finish(&self, req: &mut Request, mut response: Response) -> Response {
        self.hooks.security_headers.apply(&mut response);
        for hook in &self.hooks.after {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| hook(req, &mut response))) {
                response = self.error_page(req, hook_panicked("after", &*panic));
                self.hooks.security_headers.apply(&mut response);
                break;
            }
        }
        response
    }
}

/// The 500 for a hook that panicked (its message goes to the log only).
fn hook_panicked(which: &str, panic: &(dyn Any + Send)) -> Response {
    log::error!("a {which}-hook panicked: {}", panic_message(panic));
    Error::internal("the server hit an error while answering this request").into_response()
}

impl Service for AppService {
    fn call(&self, req: &mut Request) -> Response {
        req.extensions_mut().insert(self.scope());
        let response = match self.run_before_hooks(req) {
            Some(early) => early,
            None => self.dispatch(req),
        };
        let mut response = self.error_page(req, response);
        crate::session::finish(req, &mut response);
        let response = self.finish(req, response);
        // Last: hooks and headers see the body as the handler made it.
        crate::respond::compress::compress(req, response)
    }

    /// A request the engine could not read whole. When its target was
    /// read (a `413` decided from the headers, a body that stalled), it
    /// gets the app's error page for that path — JSON under the API prefix
    /// — with the security headers and the after-hooks, like every other
    /// answer. Bytes that never became a request line get a plain answer.
    fn error(&self, error: &HttpError) -> Response {
        let plain = Error::new(error.status, error.message).into_response();
        let Some(target) = &error.target else {
            let mut response = plain;
            response.remove_extension::<Error>();
            self.hooks.security_headers.apply(&mut response);
            return response;
        };
        let mut req = Request::builder(Method::Get, target).build();
        req.extensions_mut().insert(self.scope());
        let page = self.error_page(&mut req, plain);
        self.finish(&mut req, page)
    }
}

/// What went wrong, for an error page handler: `fn not_found(caught: Caught)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caught {
    /// The status of the error (`404`, `500`, ...).
    pub status: Status,
    /// What rung or the handler said about it, safe to show (escape it in HTML).
    pub message: String,
}

impl<'a> FromRequest<'a> for Caught {
    fn from_request(req: &'a Request) -> Result<Self, Error> {
        match req.extensions().get::<Caught>() {
            Some(caught) => Ok(caught.clone()),
            None => Err(Error::new(
                Status::INTERNAL_SERVER_ERROR,
                "`Caught` is only available to error page handlers",
            )),
        }
    }
}
