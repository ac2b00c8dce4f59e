//! The rung demo site: levels 1–4 and the next levels.
//!
//! Each module is one area of the site, and says which level it shows:
//!
//! | module | paths | level |
//! | --- | --- | --- |
//! | [`pages`] | `/`, `/sleep`, `/about`, `/boom` | 1, 2, 3 |
//! | `/static/...` | files from `demo/public/` | 3 |
//! | [`contact`] | `/contact` | 4: forms, validation, templates |
//! | [`messages`] | `/messages` | 4: a `{% for %}` list |
//! | [`api`] | `/api/messages...` | next: a JSON API |
//! | [`store`] | — | next: data that survives a crash |
//! | [`validate`] | — | one rule set for the form and the API |
//! | [`errors`] | error pages | next: HTML or JSON errors |
//! | [`layout`] | — | the look every page shares |
//!
//! `main.rs` only reads the options and serves [`build_app`]; the tests
//! build the very same app on a free port.

pub mod api;
pub mod contact;
pub mod errors;
pub mod layout;
pub mod messages;
pub mod pages;
pub mod store;
pub mod validate;

use std::io;
use std::path::PathBuf;

use clap::Parser;
use rung::{
    path_param, App, FromRequest, IntoResponse, Method, Rejection, Request, Response, Status,
    Templates,
};

use crate::api::AdminToken;
use crate::store::Store;

/// Where the templates are: `demo/templates/` in the source tree, found
/// from the path of this package at compile time, so that `cargo run -p
/// demo` works from any working directory.
pub const TEMPLATES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");

/// Where the static files are: `demo/public/` in the source tree (see
/// [`TEMPLATES_DIR`]).
pub const PUBLIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/public");

/// The command-line options of `cargo run -p demo -- ...`.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "demo",
    version,
    about = "The rung demo site: levels 1-4 and the next levels."
)]
pub struct Options {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:9000")]
    pub addr: String,

    /// Directory where messages are stored (created if missing).
    #[arg(long, value_name = "DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Handler threads (default: 4 per CPU, at least 16).
    #[arg(long, value_name = "N", default_value_t = rung::config::default_workers(),
          value_parser = parse_workers)]
    pub workers: usize,

    /// Key that signs session cookies (random when absent: sessions then
    /// end when the server stops).
    #[arg(long, value_name = "KEY", env = "RUNG_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Token that `DELETE /api/messages/{id}` requires as
    /// `Authorization: Bearer TOKEN` (without it, deleting is disabled).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "RUNG_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,

    /// Print each raw request head and response head: HTTP on the wire.
    #[arg(long)]
    pub trace: bool,

    /// The templates folder (not an option: see [`TEMPLATES_DIR`]).
    #[arg(skip = PathBuf::from(TEMPLATES_DIR))]
    pub templates_dir: PathBuf,

    /// The static files folder (not an option: see [`PUBLIC_DIR`]).
    #[arg(skip = PathBuf::from(PUBLIC_DIR))]
    pub public_dir: PathBuf,
}

impl Options {
    /// The defaults, with messages kept in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Options {
        Options {
            addr: "127.0.0.1:9000".into(),
            data_dir: data_dir.into(),
            workers: rung::config::default_workers(),
            secret: None,
            admin_token: None,
            trace: false,
            templates_dir: PathBuf::from(TEMPLATES_DIR),
            public_dir: PathBuf::from(PUBLIC_DIR),
        }
    }
}

fn parse_workers(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a number of threads (1 or more)")),
    }
}

/// The whole site, ready to `.build()` or `.bind(addr)`: every route, the
/// message store opened in `options.data_dir` (created if missing), the
/// templates, the session secret and the admin token.
pub fn build_app(options: &Options) -> io::Result<App> {
    let store = Store::open(&options.data_dir)?;
    let admin_token = AdminToken(options.admin_token.clone().filter(|t| !t.is_empty()));
    let mut app = App::new()
        .state(store)
        .state(Templates::new(&options.templates_dir))
        .state(admin_token)
        .api_prefix("/api");
    if let Some(secret) = options.secret.as_deref().filter(|s| !s.is_empty()) {
        app = app.secret(secret);
    }
    let config = app.config_mut();
    config.workers = options.workers;
    config.trace = options.trace;
    // Level 3: every file of `demo/public/` under `/static/`, with the right
    // `Content-Type`, caching headers (`ETag`, `Last-Modified` → `304`) and
    // ranges; no path can leave the folder.
    let app = app.files("/static", &options.public_dir);
    Ok(hand_registered(app))
}

/// Shorthand for one extractor, in the hand-written routes below.
fn arg<'a, T: FromRequest<'a>>(req: &'a Request) -> Result<T, Rejection> {
    T::from_request(req)
}

/// The routes and error pages, registered by hand.
///
/// TODO(macros): once the route attributes land, each handler carries its
/// own `#[get]`/`#[post]`/`#[catch]` and this list goes away.
fn hand_registered(app: App) -> App {
    type Answer = Result<Response, Rejection>;
    app.route(&[Method::Get], "/", |req| -> Answer {
        Ok(pages::home(arg(req)?, arg(req)?).into_response())
    })
    .route(&[Method::Get], "/sleep", |req| -> Answer {
        Ok(pages::sleep(arg(req)?).into_response())
    })
    .route(&[Method::Get], "/about", |req| -> Answer {
        Ok(pages::about(arg(req)?).into_response())
    })
    .route(&[Method::Get], "/boom", |_req| pages::boom())
    .route(&[Method::Get], "/contact", |req| -> Answer {
        Ok(contact::form(arg(req)?).into_response())
    })
    .route(&[Method::Post], "/contact", |req| -> Answer {
        Ok(contact::submit(arg(req)?, arg(req)?, arg(req)?, arg(req)?).into_response())
    })
    .route(&[Method::Get], "/messages", |req| -> Answer {
        Ok(messages::list(arg(req)?, arg(req)?).into_response())
    })
    .route(&[Method::Get], "/api/messages", |req| -> Answer {
        Ok(api::list(arg(req)?, arg(req)?).into_response())
    })
    .route(&[Method::Post], "/api/messages", |req| -> Answer {
        Ok(api::create(arg(req)?, arg(req)?).into_response())
    })
    .route(&[Method::Get], "/api/messages/{id}", |req| -> Answer {
        Ok(api::show(path_param(req, "id")?, arg(req)?).into_response())
    })
    .route(&[Method::Delete], "/api/messages/{id}", |req| -> Answer {
        Ok(api::delete(path_param(req, "id")?, req, arg(req)?, arg(req)?).into_response())
    })
    .catch(Status::NOT_FOUND, "", |req| -> Answer {
        Ok(errors::not_found(arg(req)?, arg(req)?).into_response())
    })
    .catch(Status::INTERNAL_SERVER_ERROR, "", |req| -> Answer {
        Ok(errors::internal_error(arg(req)?, arg(req)?).into_response())
    })
    .catch(Status::NOT_FOUND, errors::API_PREFIX, |req| -> Answer {
        Ok(errors::api_not_found(arg(req)?).into_response())
    })
    .catch(
        Status::INTERNAL_SERVER_ERROR,
        errors::API_PREFIX,
        |req| -> Answer { Ok(errors::api_internal_error(arg(req)?).into_response()) },
    )
}
