//! The PostgreSQL backend: messages in a table that every instance of the
//! site shares.
//!
//! The client is the [`postgres`] crate: the blocking face of
//! `tokio-postgres`, well kept, and made for code like ours, where each
//! request runs on a worker thread that may simply wait for its answer.
//! Opening a connection takes a few round trips (and a process on the
//! server), so connections are kept in a pool ([`r2d2`], with
//! `r2d2_postgres`): a worker borrows one for a request and gives it
//! back. A connection that died (the server restarted) is found when it is
//! borrowed (`r2d2` checks it first) and replaced; while the server is
//! down, new connections are retried in the background, so the pool heals
//! by itself a moment after the server is back.
//!
//! Nothing may hold a worker for long:
//!
//! - borrowing waits at most [`POOL_WAIT`] for a connection, and once that
//!   has failed, requests do not wait at all until the pool has
//!   reconnected;
//! - connecting gives up after [`CONNECT_TIMEOUT`];
//! - the server cancels any statement that runs longer than
//!   [`STATEMENT_TIMEOUT`] (`statement_timeout`).
//!
//! Each of these ends in [`StoreError::Unavailable`]: `503`, try again.
//!
//! The ids come from the database (an identity column), so they are
//! unique across instances; the times come from the database's clock.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use postgres::config::Host;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row};
use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;

use super::{format_time, Message, MessageStore, StoreError};
use crate::validate::NewMessage;

/// How long a worker waits for a connection from the pool.
pub const POOL_WAIT: Duration = Duration::from_secs(2);
/// How long to wait for the server to accept a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The longest any statement may run on the server.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the start-up may wait for the database before giving up.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// One step of the schema. Once released, a step never changes: the next
/// change to the schema is a new step with the next number.
#[derive(Debug)]
pub struct Migration {
    /// Steps run in this order, each once per database.
    pub version: i32,
    /// What it does, in a few words (kept in `schema_migrations`).
    pub name: &'static str,
    /// The SQL, run in the same transaction as the bookkeeping.
    pub sql: &'static str,
}

/// The schema, step by step.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "create messages",
    sql: "CREATE TABLE messages (
              id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              name       text NOT NULL,
              email      text,
              message    text NOT NULL,
              created_at timestamptz NOT NULL DEFAULT now()
          )",
}];

/// The key of the advisory lock that migrations hold: any number, as long
/// as nothing else in the database uses it ("rung" in ASCII).
const MIGRATION_LOCK: i64 = 0x7275_6e67;

/// The columns that [`message`] reads into a [`Message`].
const COLUMNS: &str = "id, name, email, message, created_at";

/// Messages in PostgreSQL, through a pool of connections.
#[derive(Debug)]
pub struct PgStore {
    pool: Pool<PostgresConnectionManager<NoTls>>,
    /// `user@host:port/database`: for messages, never with the password.
    target: String,
    /// Whether the last try to borrow a connection failed. See
    /// [`PgStore::connection`].
    down: AtomicBool,
}

impl PgStore {
    /// Connects to the database at `url`
    /// (`postgres://user:password@host:port/database`), brings its schema
    /// up to date, and keeps up to `pool_size` connections.
    ///
    /// Fails within [`START_TIMEOUT`] if the database cannot be reached,
    /// with a message that names the host and port but not the password.
    pub fn connect(url: &str, pool_size: u32) -> Result<PgStore, StoreError> {
        let mut config: Config = url.parse().map_err(|e| {
            StoreError::Failed(format!(
                "--database-url is not a valid postgres://user:password@host:port/database URL: {e}"
            ))
        })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        // Sent when connecting: every statement of these sessions is
        // cancelled by the server after this long.
        let timeout = format!("-c statement_timeout={}", STATEMENT_TIMEOUT.as_millis());
        let options = match config.get_options() {
            Some(given) => format!("{given} {timeout}"),
            None => timeout,
        };
        config.options(&options);
        config.application_name("rung-demo");
        let target = describe(&config);
        let password = config.get_password().map(<[u8]>::to_vec);
        // The error texts come from the server or the network; they should
        // never contain the password, but make sure.
        let hide_password = |text: String| match password.as_deref() {
            Some(password) if !password.is_empty() => {
                text.replace(&*String::from_utf8_lossy(password), "********")
            }
            _ => text,
        };

        let mut client = connect_within(&config, START_TIMEOUT).map_err(|why| {
            StoreError::Unavailable(hide_password(format!(
                "cannot reach PostgreSQL at {target}: {why}"
            )))
        })?;
        migrate(&mut client).map_err(|e| {
            StoreError::Failed(hide_password(format!(
                "cannot bring the schema of PostgreSQL at {target} up to date: {}",
                with_causes(&e)
            )))
        })?;
        drop(client);

        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            // Keep one connection open even when idle, and reopen it in
            // the background after an outage.
            .min_idle(Some(1))
            .connection_timeout(POOL_WAIT)
            .build_unchecked(PostgresConnectionManager::new(config, NoTls));
        Ok(PgStore {
            pool,
            target,
            down: AtomicBool::new(false),
        })
    }

    /// A connection from the pool, or `Unavailable`.
    ///
    /// Borrowing waits up to [`POOL_WAIT`] for a connection. While the
    /// database is down, that wait would be spent by every request, holding
    /// a worker each, while the pages that do not need the database wait
    /// for a free worker. So once a wait has failed, requests are answered
    /// `Unavailable` at once until the pool has a connection ready again:
    /// it keeps trying in the background, and the first request after it
    /// succeeds clears the flag.
    fn connection(&self) -> Result<PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        if self.down.load(Ordering::Relaxed) && self.pool.state().idle_connections == 0 {
            return Err(StoreError::Unavailable(format!(
                "PostgreSQL at {} is down; reconnecting in the background",
                self.target
            )));
        }
        match self.pool.get() {
            Ok(connection) => {
                self.down.store(false, Ordering::Relaxed);
                Ok(connection)
            }
            Err(e) => {
                self.down.store(true, Ordering::Relaxed);
                Err(StoreError::Unavailable(format!(
                    "no connection to PostgreSQL at {}: {e}",
                    self.target
                )))
            }
        }
    }

    /// Runs a query that selects [`COLUMNS`], on a connection from the pool.
    fn messages(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Message>, StoreError> {
        let mut client = self.connection()?;
        let rows = client.query(sql, params).map_err(|e| self.error(e))?;
        rows.iter()
            .map(message)
            .collect::<Result<_, _>>()
            .map_err(|e| self.error(e))
    }

    /// Sorts a failed query into "try again later" or "something is wrong".
    fn error(&self, e: postgres::Error) -> StoreError {
        let why = format!("PostgreSQL at {}: {}", self.target, with_causes(&e));
        if is_unavailable(&e) {
            StoreError::Unavailable(why)
        } else {
            StoreError::Failed(why)
        }
    }
}

/// Whether `e` means the server cannot be used right now, rather than a
/// mistake in a query: the connection failed or closed (no SQLSTATE), or
/// the server said so — class `08` (connection exception), `53`
/// (insufficient resources: too many connections, disk full) or `57`
/// (operator intervention: shutting down, statement timeout).
fn is_unavailable(e: &postgres::Error) -> bool {
    match e.code() {
        None => {
            e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        }
        Some(state) => matches!(&state.code()[..2], "08" | "53" | "57"),
    }
}

impl MessageStore for PgStore {
    fn add(&self, new: NewMessage) -> Result<Message, StoreError> {
        let mut client = self.connection()?;
        // An explicit transaction, so the place of the COMMIT is plain to
        // see: the message is returned, and the `201` sent, only after it.
        let mut insert = || -> Result<Message, postgres::Error> {
            let mut transaction = client.transaction()?;
            let row = transaction.query_one(
                &format!(
                    "INSERT INTO messages (name, email, message) VALUES ($1, $2, $3)
                     RETURNING {COLUMNS}"
                ),
                &[&new.name, &new.email, &new.message],
            )?;
            transaction.commit()?;
            message(&row)
        };
        insert().map_err(|e| self.error(e))
    }

    fn get(&self, id: u64) -> Result<Option<Message>, StoreError> {
        // An id beyond `bigint` was never handed out.
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let found = self.messages(
            &format!("SELECT {COLUMNS} FROM messages WHERE id = $1"),
            &[&id],
        )?;
        Ok(found.into_iter().next())
    }

    fn delete(&self, id: u64) -> Result<bool, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(false);
        };
        let mut client = self.connection()?;
        let deleted = client
            .execute("DELETE FROM messages WHERE id = $1", &[&id])
            .map_err(|e| self.error(e))?;
        Ok(deleted > 0)
    }

    fn list(&self, offset: u64, limit: usize) -> Result<Vec<Message>, StoreError> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.messages(
            &format!("SELECT {COLUMNS} FROM messages ORDER BY id LIMIT $1 OFFSET $2"),
            &[&limit, &offset],
        )
    }

    fn newest(&self, before: Option<u64>, limit: usize) -> Result<Vec<Message>, StoreError> {
        let before = before.map_or(i64::MAX, |id| i64::try_from(id).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // The primary key's index gives these rows in order, without
        // reading the others: a page costs the same at any depth.
        self.messages(
            &format!("SELECT {COLUMNS} FROM messages WHERE id < $1 ORDER BY id DESC LIMIT $2"),
            &[&before, &limit],
        )
    }

    fn describe(&self) -> String {
        format!("PostgreSQL at {}", self.target)
    }
}

/// A row of [`COLUMNS`] as a [`Message`].
fn message(row: &Row) -> Result<Message, postgres::Error> {
    let id: i64 = row.try_get("id")?;
    let created_at: SystemTime = row.try_get("created_at")?;
    Ok(Message {
        // Identity columns start at 1: never negative.
        id: id.unsigned_abs(),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        message: row.try_get("message")?,
        created_at: format_time(created_at),
    })
}

/// Connects once, giving up after `limit`. `connect_timeout` only bounds
/// opening the socket; a server that accepts and then says nothing would
/// hold the start-up forever, so the connection is made on a thread of
/// its own and waited for with a deadline. (If it never ends, the thread
/// stays behind; the program is about to exit anyway.)
fn connect_within(config: &Config, limit: Duration) -> Result<Client, String> {
    let (done, result) = mpsc::channel();
    let config = config.clone();
    std::thread::spawn(move || {
        let _ = done.send(config.connect(NoTls).map_err(|e| with_causes(&e)));
    });
    result
        .recv_timeout(limit)
        .unwrap_or_else(|_| Err(format!("no answer within {} s", limit.as_secs())))
}

/// Brings the schema up to date: runs every step of [`MIGRATIONS`] newer
/// than the last one recorded in `schema_migrations`, in one transaction.
///
/// Two instances starting at the same moment on an empty database would
/// both find no table and both try to create it; one would fail. So the
/// transaction first takes an advisory lock: the second instance waits
/// there until the first has committed, then finds every step applied.
/// The lock is released with the transaction.
fn migrate(client: &mut Client) -> Result<(), postgres::Error> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    transaction.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let current: i32 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    for step in MIGRATIONS.iter().filter(|step| step.version > current) {
        transaction.batch_execute(step.sql)?;
        transaction.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&step.version, &step.name],
        )?;
        log::info!("schema: applied migration {} ({})", step.version, step.name);
    }
    transaction.commit()
}

/// `e` and what caused it: `error connecting to server: Connection
/// refused (os error 111)`.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// `user@host:port/database`, from what the URL gave and PostgreSQL's
/// defaults: everything a message needs to say which server, and no
/// password.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(dir)) => dir.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("?");
    let database = config.get_dbname().unwrap_or(user);
    format!("{user}@{host}:{port}/{database}")
}
