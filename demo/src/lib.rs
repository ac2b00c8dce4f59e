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
//! | [`store`] | — | next: data that survives a crash; more than one instance |
//! | [`validate`] | — | one rule set for the form and the API |
//! | [`errors`] | error pages | next: HTML or JSON errors |
//! | [`layout`] | — | the look every page shares |
//! | [`timing`] | every response | hooks: `Server-Timing` |
//!
//! `main.rs` only reads the options and serves [`build_app`]; the tests
//! build the very same app on a free port.
//!
//! The routes are registered by their attributes into a table that
//! `App::new()` reads, for every crate linked into the program. The lesson
//! binaries (`src/bin/level1.rs` …) do not use this library, so none of
//! these routes shows up in theirs.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod contact;
pub mod errors;
pub mod layout;
pub mod messages;
pub mod pages;
pub mod store;
pub mod timing;
pub mod validate;

use std::path::PathBuf;

use clap::{ArgAction, Parser};
use rung::{App, Templates};

use crate::api::AdminToken;
use crate::store::{FileStore, PgStore, Store, StoreError};

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

    /// Keep messages in PostgreSQL instead of the data directory:
    /// postgres://user:password@host:port/database. Every instance of a
    /// site behind a proxy is given the same one.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Handler threads (default: 4 per CPU, at least 16).
    #[arg(long, value_name = "N", default_value_t = rung::config::default_workers(),
          value_parser = parse_workers)]
    pub workers: usize,

    /// Key that signs session cookies (random when absent: sessions then
    /// end when the server stops). Give it again, or comma-separated in
    /// RUNG_SECRET, to rotate keys: the first signs, all are accepted.
    /// Every instance of one site needs the same secrets.
    #[arg(
        long = "secret",
        value_name = "KEY",
        env = "RUNG_SECRET",
        hide_env_values = true,
        action = ArgAction::Append,
        value_delimiter = ','
    )]
    pub secrets: Vec<String>,

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
            database_url: None,
            workers: rung::config::default_workers(),
            secrets: Vec::new(),
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

/// The most connections to PostgreSQL one instance opens. Each worker
/// needs at most one at a time; PostgreSQL allows 100 in all by default,
/// shared by every instance.
pub const MAX_DB_CONNECTIONS: usize = 20;

/// The message store the options ask for: PostgreSQL with
/// `--database-url` (schema brought up to date), else the file in
/// `--data-dir` (created if missing).
pub fn open_store(options: &Options) -> Result<Store, StoreError> {
    match options
        .database_url
        .as_deref()
        .filter(|url| !url.is_empty())
    {
        Some(url) => {
            let pool_size = options.workers.min(MAX_DB_CONNECTIONS) as u32;
            Ok(Box::new(PgStore::connect(url, pool_size)?))
        }
        None => {
            let store = FileStore::open(&options.data_dir).map_err(|e| {
                let dir = options.data_dir.display();
                StoreError::Failed(format!("cannot open the messages in {dir}: {e}"))
            })?;
            Ok(Box::new(store))
        }
    }
}

/// The whole site, ready to `.build()` or `.bind(addr)`, with the message
/// store of [`open_store`]. See [`site`].
pub fn build_app(options: &Options) -> Result<App, StoreError> {
    Ok(site(options, open_store(options)?))
}

/// The whole site around `store`: every route, the templates, the session
/// secrets and the admin token.
///
/// There is no list of routes here. Each handler carries its own attribute
/// (`#[get("/")]` on `pages::home`, `#[catch(404)]` on
/// `errors::not_found`, ...), and `App::new()` collects all of them. What
/// the handlers ask for with `State<T>` is given here; a handler asking
/// for a `T` missing here stops the app at start-up, naming the handler.
pub fn site(options: &Options, store: Store) -> App {
    let admin_token = AdminToken(options.admin_token.clone().filter(|t| !t.is_empty()));
    let mut app = App::new()
        .state(store)
        .state(Templates::new(&options.templates_dir))
        .state(admin_token)
        .api_prefix("/api")
        // rung's safe defaults are on; the demo adds a content security
        // policy: its pages load nothing from anywhere else, and run no
        // inline script (checked in Chromium by the browser test).
        .security_header("Content-Security-Policy", "default-src 'self'");
    app = timing::install(app);
    // `RUNG_SECRET=new,` would give an empty secret: not a key anyone wants.
    let secrets: Vec<&str> = options
        .secrets
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    if !secrets.is_empty() {
        app = app.secrets(&secrets);
    }
    let config = app.config_mut();
    config.workers = options.workers;
    config.trace = options.trace;
    // Level 3: every file of `demo/public/` under `/static/`, with the right
    // `Content-Type`, caching headers (`ETag`, `Last-Modified` → `304`) and
    // ranges; no path can leave the folder.
    app.files("/static", &options.public_dir)
}
