//! The PostgreSQL backend of the SQL reader (`postgresql://` URIs): connections as libpq
//! makes them (URI, then `PG*` variables, `~/.pgpass`, TLS per `sslmode`), each session
//! read-only with a statement timeout and a short lock timeout, every load one
//! `REPEATABLE READ, READ ONLY` transaction (one consistent snapshot, no locks that could
//! block MLflow's writers), a few idle connections kept for the next call.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use super::StoreError;
use super::sql::credentials::pgpass;
use super::sql::uri::DbUri;
use super::sql::{Arg, Backend, Cell, Conn, Dialect, Row, SqlStore, Token, statement_timeout};

/// A PostgreSQL tracking database.
pub(crate) type PostgresStore = SqlStore<Postgres>;

/// How to reach one database, and the idle connections to it.
#[derive(Clone)]
pub(crate) struct Postgres {
    settings: Arc<Settings>,
    idle: Arc<Mutex<Vec<PgConn>>>,
}

struct Settings {
    config: postgres::Config,
    tls: super::postgres_tls::Tls,
    /// The URI with its password masked.
    shown: String,
    timeout: Duration,
}

/// Idle connections kept for reuse.
const KEEP_IDLE: usize = 4;

impl SqlStore<Postgres> {
    /// Connects to the database `uri` names and checks that it is MLflow's.
    pub(crate) fn open_postgres(uri: &DbUri) -> Result<Self, StoreError> {
        let settings = settings(uri)?;
        SqlStore::open(Postgres {
            settings: Arc::new(settings),
            idle: Arc::new(Mutex::new(Vec::new())),
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The connection settings, as libpq resolves them.
fn settings(uri: &DbUri) -> Result<Settings, StoreError> {
    let shown = uri.to_string();
    let bad = |m: String| StoreError::Unsupported(format!("{shown}: {m}"));
    let host = uri
        .host
        .clone()
        .or_else(|| uri.param("host").map(str::to_string))
        .or_else(|| env("PGHOST"))
        .unwrap_or_else(|| {
            ["/var/run/postgresql", "/tmp"]
                .into_iter()
                .find(|d| std::path::Path::new(d).is_dir())
                .unwrap_or("/var/run/postgresql")
                .to_string()
        });
    let port = match uri.port {
        Some(p) => p,
        None => match uri
            .param("port")
            .map(str::to_string)
            .or_else(|| env("PGPORT"))
        {
            Some(p) => p.parse().map_err(|_| bad(format!("bad port {p:?}")))?,
            None => 5432,
        },
    };
    let user = uri
        .user
        .clone()
        .or_else(|| uri.param("user").map(str::to_string))
        .or_else(|| env("PGUSER"))
        .or_else(|| env("USER"))
        .unwrap_or_else(|| "postgres".into());
    let database = uri
        .database
        .clone()
        .or_else(|| uri.param("dbname").map(str::to_string))
        .or_else(|| env("PGDATABASE"))
        .unwrap_or_else(|| user.clone());
    let socket = host.starts_with('/');
    let password = uri
        .password
        .clone()
        .or_else(|| uri.param("password").map(str::to_string))
        .or_else(|| env("PGPASSWORD"))
        .or_else(|| {
            let h = if socket { "localhost" } else { &host };
            pgpass(h, port, &database, &user)
        });
    let connect_timeout = match uri
        .param("connect_timeout")
        .map(str::to_string)
        .or_else(|| env("PGCONNECT_TIMEOUT"))
    {
        Some(s) => Duration::from_secs(
            s.parse::<u64>()
                .map_err(|_| bad(format!("bad connect_timeout {s:?}")))?
                .max(2),
        ),
        None => Duration::from_secs(10),
    };
    let timeout = statement_timeout().map_err(bad)?;
    let tls = super::postgres_tls::tls(uri, socket).map_err(bad)?;
    let mut config = postgres::Config::new();
    config
        .host(&host)
        .port(port)
        .user(&user)
        .dbname(&database)
        .application_name("mltui")
        .connect_timeout(connect_timeout)
        .keepalives(true)
        .tcp_user_timeout(timeout + Duration::from_secs(15))
        .ssl_mode(match tls.mode {
            super::postgres_tls::Mode::Disable => postgres::config::SslMode::Disable,
            super::postgres_tls::Mode::Allow | super::postgres_tls::Mode::Prefer => {
                postgres::config::SslMode::Prefer
            }
            _ => postgres::config::SslMode::Require,
        });
    if let Some(p) = &password {
        config.password(p);
    }
    if let Some(o) = uri.param("options") {
        config.options(o);
    }
    Ok(Settings {
        config,
        tls,
        shown,
        timeout,
    })
}

impl Postgres {
    fn fresh(&self) -> Result<PgConn, StoreError> {
        let s = &self.settings;
        let connected = match &s.tls.config {
            Some(c) => s
                .config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(c.clone())),
            None => s.config.connect(postgres::NoTls),
        };
        let mut client = connected.map_err(|e| pg_error(&s.shown, &e, true, s.timeout))?;
        let ms = s.timeout.as_millis().max(1);
        client
            .batch_execute(&format!(
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; \
                 SET statement_timeout = {ms}; SET lock_timeout = 5000; \
                 SET idle_in_transaction_session_timeout = {};",
                ms * 2 + 10_000
            ))
            .map_err(|e| pg_error(&s.shown, &e, false, s.timeout))?;
        Ok(PgConn {
            client,
            shown: s.shown.clone(),
            timeout: s.timeout,
        })
    }
}

impl Backend for Postgres {
    type Conn = PgConn;
    const DIALECT: Dialect = Dialect::Postgres;

    fn describe(&self) -> String {
        format!("PostgreSQL {}", self.settings.shown)
    }

    fn location(&self) -> String {
        self.settings.shown.clone()
    }

    fn connect(&self) -> Result<PgConn, StoreError> {
        let kept = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match kept {
            Some(c) if !c.client.is_closed() => Ok(c),
            _ => self.fresh(),
        }
    }

    fn recycle(&self, conn: PgConn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEEP_IDLE && !conn.client.is_closed() {
            idle.push(conn);
        }
    }

    fn change_token(&self, conn: &mut PgConn) -> Result<Option<Token>, StoreError> {
        // Rows inserted, updated and deleted in MLflow's tables, as the statistics system
        // counts them (reported within a second or so of a commit). Zero means statistics
        // are off: no token then.
        let mut total = None;
        conn.query(
            "SELECT CAST(COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) AS BIGINT) \
             FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname IN \
             ('experiments', 'experiment_tags', 'runs', 'params', 'tags', 'latest_metrics', \
             'metrics', 'inputs')",
            &[],
            &mut |row| total = row.cell(0).int().ok().flatten(),
        )?;
        Ok(total.filter(|&t| t > 0).map(|value| Token {
            value,
            per_connection: false,
        }))
    }
}

/// A read-only session.
pub(crate) struct PgConn {
    client: postgres::Client,
    shown: String,
    timeout: Duration,
}

impl Conn for PgConn {
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Row),
    ) -> Result<(), StoreError> {
        let sql = Dialect::Postgres.prepare(sql);
        let params = args.iter().map(|a| a as &(dyn ToSql + Sync));
        let err = |e: postgres::Error| pg_error(&self.shown, &e, false, self.timeout);
        let mut rows = self.client.query_raw(sql.as_ref(), params).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            f(&row);
        }
        Ok(())
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        // Read-only and the timeouts again for the transaction itself, in case a connection
        // pooler (pgbouncer in transaction mode) did not keep the session's settings.
        let ms = self.timeout.as_millis().max(1);
        self.client
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
                 SET LOCAL statement_timeout = {ms}; SET LOCAL lock_timeout = 5000;"
            ))
            .map_err(|e| pg_error(&self.shown, &e, false, self.timeout))
    }

    fn end(&mut self) -> Result<(), StoreError> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| pg_error(&self.shown, &e, false, self.timeout))
    }
}

impl Row for postgres::Row {
    fn cell(&self, i: usize) -> Cell<'_> {
        self.try_get::<_, Cell<'_>>(i).unwrap_or(Cell::Null)
    }
}

/// Any value, decoded by its type (binary format), for lenient decoding later.
impl<'a> FromSql<'a> for Cell<'a> {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let ty = match ty.kind() {
            Kind::Domain(inner) => inner,
            _ => ty,
        };
        Ok(match *ty {
            Type::BOOL => Cell::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::OID => Cell::Int(u32::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Cell::Blob(raw),
            // Text, varchar, name and the like: the bytes are the text.
            _ => Cell::Text(raw),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Parameters take the type PostgreSQL inferred for their place.
impl ToSql for Arg {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Arg::Int(v), &Type::INT2) => i16::try_from(*v)?.to_sql(ty, out),
            (Arg::Int(v), &Type::INT4) => i32::try_from(*v)?.to_sql(ty, out),
            (Arg::Int(v), &Type::INT8) => v.to_sql(ty, out),
            (Arg::Int(v), &Type::FLOAT8) => (*v as f64).to_sql(ty, out),
            (Arg::Int(v), _) => v.to_string().as_str().to_sql(ty, out),
            (Arg::Real(v), &Type::FLOAT4) => (*v as f32).to_sql(ty, out),
            (Arg::Real(v), &Type::FLOAT8) => v.to_sql(ty, out),
            (Arg::Real(v), _) => format!("{v:?}").as_str().to_sql(ty, out),
            (Arg::Text(s), _) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A PostgreSQL error as a store error that says what happened and what to do.
fn pg_error(shown: &str, e: &postgres::Error, connecting: bool, timeout: Duration) -> StoreError {
    let message = if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::QUERY_CANCELED {
            format!(
                "a query ran longer than the statement timeout ({} s) and was cancelled; \
                 MLTUI_STATEMENT_TIMEOUT=SECONDS allows more",
                timeout.as_secs_f64()
            )
        } else if *code == SqlState::INVALID_PASSWORD {
            format!(
                "{}: give the password in the URI (postgresql://user:password@host/db), \
                 PGPASSWORD or ~/.pgpass",
                db.message()
            )
        } else if *code == SqlState::LOCK_NOT_AVAILABLE {
            "waited more than 5 s for a table another session has locked (a migration?); \
             mltui does not wait longer, so as not to hold up MLflow: try again"
                .into()
        } else if [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN].contains(code) {
            format!(
                "the connection to the server was lost (it shut down, crashed or was killed): {}",
                db.message()
            )
        } else if *code == SqlState::CANNOT_CONNECT_NOW {
            format!(
                "the server is starting up or shutting down: {}",
                db.message()
            )
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            format!(
                "{} (the user needs SELECT on MLflow's tables)",
                db.message()
            )
        } else {
            db.message().to_string()
        }
    } else if e.is_closed() {
        "the connection to the server was lost (server stopped, killed or restarted?)".into()
    } else {
        let mut text = e.to_string();
        let mut known = None;
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let s_text = s.to_string();
            if !text.contains(&s_text) {
                text = format!("{text}: {s_text}");
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                known = known.or(match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        Some("connection refused: is PostgreSQL running and listening there?")
                    }
                    std::io::ErrorKind::TimedOut => Some("no answer in time"),
                    std::io::ErrorKind::NotFound => {
                        Some("no server socket there (is PostgreSQL running? give a host)")
                    }
                    _ => None,
                });
            }
            source = s.source();
        }
        if text.contains("password missing") {
            "the server asks for a password: give it in the URI, PGPASSWORD or ~/.pgpass".into()
        } else if let Some(k) = known {
            k.to_string()
        } else {
            super::sql::tls_hint(text)
        }
    };
    if connecting && e.as_db_error().is_none() {
        StoreError::Unreachable {
            url: shown.to_string(),
            message,
        }
    } else {
        StoreError::Database {
            location: shown.to_string(),
            message,
        }
    }
}
