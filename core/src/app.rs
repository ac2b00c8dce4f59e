//! The `App`: the routes, state, error pages and settings of a site, and
//! the [`Service`] that answers its requests.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::ToSocketAddrs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::config::Config;
use crate::extract::{FromRequest, Requirements, StateMap};
use crate::http::{HttpError, Method, Request, Response, Status};
use crate::input::signed::{KeyRing, SessionKey};
use crate::registry;
use crate::respond::{Error, IntoResponse};
use crate::router::{allow_header, Handler, RouteEntry, RouteError, Routed, Router};
use crate::server::{panic_message, Server, Service};
use crate::session::{SessionMaxAge, SessionSlot};
use crate::template::escape_html;

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
#[derive(Debug)]
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

impl std::error::Error for StartError {}

/// A built app: routes requests and renders error pages.
pub struct AppService {
    router: Router,
    catchers: Vec<CatcherEntry>,
    state: StateMap,
    config: Config,
    api_prefix: Option<String>,
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
        if req.method == Method::Options && req.path == "*" {
            return Response::new(Status::NO_CONTENT)
                .with_header("Allow", allow_header(&all_routed()));
        }
        match self.router.route(req.method, req.raw_path()) {
            Routed::Found(route, params) => {
                req.params = params;
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
        let Some(error) = response.extensions_mut().remove::<Error>() else {
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
                        page.extensions_mut().remove::<Error>();
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

impl Service for AppService {
    fn call(&self, req: &mut Request) -> Response {
        req.extensions_mut().insert(self.state.clone());
        req.extensions_mut().insert(SessionSlot::default());
        let response = self.dispatch(req);
        let mut response = self.error_page(req, response);
        crate::session::finish(req, &mut response);
        crate::respond::compress::compress(req, response)
    }

    fn error(&self, error: &HttpError) -> Response {
        Response::text(format!(
            "{} {}: {}\n",
            error.status.code(),
            error.status.reason(),
            error.message
        ))
        .with_status(error.status)
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
