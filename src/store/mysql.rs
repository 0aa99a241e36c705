//! The MySQL and MariaDB backend of the SQL reader (`mysql://`, `mysql+pymysql://`,
//! `mariadb://` URIs): connections from the URI, then `MYSQL_PWD` and `~/.my.cnf`, TLS per
//! `ssl-mode` (rustls); each session read-only with a statement timeout and short lock
//! waits, every load one `READ ONLY` transaction with a consistent snapshot (InnoDB's
//! non-locking reads: nothing MLflow's writers wait for), a few idle connections kept.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Opts, OptsBuilder, Params, SslOpts, Value};

use super::StoreError;
use super::sql::credentials::my_cnf;
use super::sql::uri::DbUri;
use super::sql::{Arg, Backend, Cell, Conn, Dialect, Row, SqlStore, Token, statement_timeout};

/// A MySQL or MariaDB tracking database.
pub(crate) type MysqlStore = SqlStore<Mysql>;

/// How to reach one database, and the idle connections to it.
#[derive(Clone)]
pub(crate) struct Mysql {
    settings: Arc<Settings>,
    idle: Arc<Mutex<Vec<MyConn>>>,
}

struct Settings {
    opts: OptsBuilder,
    /// TLS only if the server offers it (`ssl-mode=PREFERRED`).
    tls_optional: bool,
    shown: String,
    product: &'static str,
    timeout: Duration,
}

const KEEP_IDLE: usize = 4;

/// MySQL's `ssl-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl SqlStore<Mysql> {
    /// Connects to the database `uri` names and checks that it is MLflow's.
    pub(crate) fn open_mysql(uri: &DbUri) -> Result<Self, StoreError> {
        SqlStore::open(Mysql {
            settings: Arc::new(settings(uri)?),
            idle: Arc::new(Mutex::new(Vec::new())),
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The system's CA bundle, for verifying servers without an `ssl-ca` of their own.
fn system_bundle() -> Option<String> {
    env("SSL_CERT_FILE").or_else(|| {
        [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .map(str::to_string)
    })
}

fn settings(uri: &DbUri) -> Result<Settings, StoreError> {
    let shown = uri.to_string();
    let bad = |m: String| StoreError::Unsupported(format!("{shown}: {m}"));
    let cnf = my_cnf();
    let from_cnf = |k: &str| {
        cnf.iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let setting = |params: &[&str], cnf_key: &str, env_name: Option<&str>| {
        uri.param_any(params)
            .map(str::to_string)
            .or_else(|| env_name.and_then(env))
            .or_else(|| from_cnf(cnf_key))
    };
    let socket = setting(&["unix_socket", "socket"], "socket", None);
    let host = uri
        .host
        .clone()
        .or_else(|| setting(&["host"], "host", Some("MYSQL_HOST")));
    let port = match uri.port {
        Some(p) => p,
        None => match setting(&["port"], "port", Some("MYSQL_TCP_PORT")) {
            Some(p) => p.parse().map_err(|_| bad(format!("bad port {p:?}")))?,
            None => 3306,
        },
    };
    let user = uri
        .user
        .clone()
        .or_else(|| setting(&["user"], "user", None))
        .or_else(|| env("USER"));
    let password = uri
        .password
        .clone()
        .or_else(|| setting(&["password", "passwd"], "password", Some("MYSQL_PWD")));
    let mode = match setting(&["ssl-mode", "ssl_mode", "sslmode"], "ssl-mode", None) {
        Some(m) => match m.to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" | "DISABLE" => SslMode::Disabled,
            "PREFERRED" | "PREFER" => SslMode::Preferred,
            "REQUIRED" | "REQUIRE" => SslMode::Required,
            "VERIFY_CA" => SslMode::VerifyCa,
            "VERIFY_IDENTITY" | "VERIFY_FULL" => SslMode::VerifyIdentity,
            _ => {
                return Err(bad(format!(
                    "unknown ssl-mode {m:?} (DISABLED, PREFERRED, REQUIRED, VERIFY_CA or \
                     VERIFY_IDENTITY)"
                )));
            }
        },
        None => SslMode::Preferred,
    };
    let ca = setting(&["ssl_ca", "ssl-ca"], "ssl-ca", Some("MLFLOW_MYSQL_SSL_CA"));
    // As MySQL's client: a CA given without a mode means VERIFY_CA.
    let mode = match (mode, &ca) {
        (SslMode::Preferred, Some(_))
            if uri
                .param_any(&["ssl-mode", "ssl_mode", "sslmode"])
                .is_none() =>
        {
            SslMode::VerifyCa
        }
        (m, _) => m,
    };
    let cert = setting(
        &["ssl_cert", "ssl-cert"],
        "ssl-cert",
        Some("MLFLOW_MYSQL_SSL_CERT"),
    );
    let key = setting(
        &["ssl_key", "ssl-key"],
        "ssl-key",
        Some("MLFLOW_MYSQL_SSL_KEY"),
    );
    let timeout = statement_timeout().map_err(bad)?;
    let ssl = (mode != SslMode::Disabled && socket.is_none()).then(|| {
        let mut ssl = SslOpts::default()
            .with_danger_accept_invalid_certs(matches!(
                mode,
                SslMode::Preferred | SslMode::Required
            ))
            .with_danger_skip_domain_validation(mode != SslMode::VerifyIdentity);
        if let Some(root) = ca.clone().or_else(system_bundle) {
            ssl = ssl.with_root_cert_path(Some(std::path::PathBuf::from(root)));
        }
        if let (Some(c), Some(k)) = (&cert, &key) {
            ssl = ssl.with_client_identity(Some(mysql::ClientIdentity::new(
                std::path::PathBuf::from(c),
                std::path::PathBuf::from(k),
            )));
        }
        ssl
    });
    let opts = OptsBuilder::new()
        .ip_or_hostname(Some(host.clone().unwrap_or_else(|| "localhost".into())))
        .tcp_port(port)
        .socket(socket)
        .prefer_socket(false)
        .user(user)
        .pass(password)
        .db_name(uri.database.clone())
        .tcp_connect_timeout(Some(Duration::from_secs(10)))
        .read_timeout(Some(timeout + Duration::from_secs(15)))
        .write_timeout(Some(Duration::from_secs(30)))
        .ssl_opts(ssl);
    Ok(Settings {
        opts,
        tls_optional: mode == SslMode::Preferred,
        shown,
        product: uri.product(),
        timeout,
    })
}

impl Mysql {
    fn fresh(&self) -> Result<MyConn, StoreError> {
        let s = &self.settings;
        let conn = match mysql::Conn::new(Opts::from(s.opts.clone())) {
            Err(mysql::Error::DriverError(mysql::DriverError::TlsNotSupported))
                if s.tls_optional =>
            {
                mysql::Conn::new(Opts::from(s.opts.clone().ssl_opts(None::<SslOpts>)))
            }
            other => other,
        };
        let mut conn = conn.map_err(|e| my_error(&s.shown, s.product, &e, true, s.timeout))?;
        let mariadb = conn
            .query_first::<String, _>("SELECT VERSION()")
            .map_err(|e| my_error(&s.shown, s.product, &e, false, s.timeout))?
            .is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
        let limit = if mariadb {
            format!(
                "SET SESSION max_statement_time = {}",
                s.timeout.as_secs_f64()
            )
        } else {
            format!(
                "SET SESSION max_execution_time = {}",
                s.timeout.as_millis().max(1)
            )
        };
        for sql in [
            "SET NAMES utf8mb4",
            "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            "SET SESSION TRANSACTION READ ONLY",
            "SET SESSION lock_wait_timeout = 5",
            "SET SESSION innodb_lock_wait_timeout = 5",
            &limit,
        ] {
            conn.query_drop(sql)
                .map_err(|e| my_error(&s.shown, s.product, &e, false, s.timeout))?;
        }
        Ok(MyConn {
            conn,
            shown: s.shown.clone(),
            product: s.product,
            timeout: s.timeout,
        })
    }
}

impl Backend for Mysql {
    type Conn = MyConn;
    const DIALECT: Dialect = Dialect::Mysql;

    fn describe(&self) -> String {
        format!("{} {}", self.settings.product, self.settings.shown)
    }

    fn location(&self) -> String {
        self.settings.shown.clone()
    }

    fn connect(&self) -> Result<MyConn, StoreError> {
        let kept = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(mut c) = kept {
            if c.conn.ping().is_ok() {
                return Ok(c);
            }
        }
        self.fresh()
    }

    fn recycle(&self, conn: MyConn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }

    fn change_token(&self, _conn: &mut MyConn) -> Result<Option<Token>, StoreError> {
        // InnoDB's UPDATE_TIME has whole seconds and is not kept by every version: the
        // `runs` table is scanned on every poll instead.
        Ok(None)
    }
}

/// A read-only session.
pub(crate) struct MyConn {
    conn: mysql::Conn,
    shown: String,
    product: &'static str,
    timeout: Duration,
}

impl Conn for MyConn {
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Row),
    ) -> Result<(), StoreError> {
        let sql = Dialect::Mysql.prepare(sql);
        let params = if args.is_empty() {
            Params::Empty
        } else {
            Params::Positional(
                args.iter()
                    .map(|a| match a {
                        Arg::Text(s) => Value::Bytes(s.clone().into_bytes()),
                        Arg::Int(v) => Value::Int(*v),
                        Arg::Real(v) => Value::Double(*v),
                    })
                    .collect(),
            )
        };
        let (shown, product, timeout) = (&self.shown, self.product, self.timeout);
        let err = |e: mysql::Error| my_error(shown, product, &e, false, timeout);
        let result = self.conn.exec_iter(sql.as_ref(), params).map_err(err)?;
        for row in result {
            f(&row.map_err(err)?);
        }
        Ok(())
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        let (shown, product, timeout) = (&self.shown, self.product, self.timeout);
        self.conn
            .query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .map_err(|e| my_error(shown, product, &e, false, timeout))
    }

    fn end(&mut self) -> Result<(), StoreError> {
        let (shown, product, timeout) = (&self.shown, self.product, self.timeout);
        self.conn
            .query_drop("COMMIT")
            .map_err(|e| my_error(shown, product, &e, false, timeout))
    }
}

impl Row for mysql::Row {
    fn cell(&self, i: usize) -> Cell<'_> {
        match self.as_ref(i) {
            Some(Value::Bytes(b)) => Cell::Text(b),
            Some(Value::Int(v)) => Cell::Int(*v),
            Some(Value::UInt(v)) => i64::try_from(*v).map_or(Cell::Real(*v as f64), Cell::Int),
            Some(Value::Float(v)) => Cell::Real(f64::from(*v)),
            Some(Value::Double(v)) => Cell::Real(*v),
            _ => Cell::Null,
        }
    }
}

/// A MySQL error as a store error that says what happened and what to do.
fn my_error(
    shown: &str,
    product: &str,
    e: &mysql::Error,
    connecting: bool,
    timeout: Duration,
) -> StoreError {
    use std::io::ErrorKind;
    let io_text = |kind: ErrorKind, fallback: String| match kind {
        ErrorKind::ConnectionRefused => {
            format!("connection refused: is {product} running and listening there?")
        }
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "no answer in time".to_string(),
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => {
            "the connection to the server was lost (server stopped, killed or restarted?)"
                .to_string()
        }
        _ => fallback,
    };
    let (message, reached) = match e {
        mysql::Error::MySqlError(m) => (
            match m.code {
                1045 => format!(
                    "{}: give the password in the URI (mysql://user:password@host/db), \
                     MYSQL_PWD or ~/.my.cnf",
                    m.message
                ),
                3024 | 1969 => format!(
                    "a query ran longer than the statement timeout ({} s) and was stopped; \
                     MLTUI_STATEMENT_TIMEOUT=SECONDS allows more",
                    timeout.as_secs_f64()
                ),
                1205 => "waited more than 5 s for a lock another session holds (a migration?); \
                         try again"
                    .to_string(),
                1053 | 1927 | 2013 | 2006 => format!(
                    "the connection to the server was lost (server stopped, killed or \
                     restarted?): {}",
                    m.message
                ),
                1142 | 1143 => format!("{} (the user needs SELECT on MLflow's tables)", m.message),
                _ => m.message.clone(),
            },
            true,
        ),
        mysql::Error::IoError(io) => (io_text(io.kind(), io.to_string()), false),
        mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((
            addr,
            desc,
            kind,
        )))) => (io_text(*kind, format!("{addr}: {desc}")), false),
        mysql::Error::DriverError(mysql::DriverError::ConnectTimeout) => {
            ("no connection within 10 s".to_string(), false)
        }
        mysql::Error::DriverError(mysql::DriverError::TlsNotSupported) => (
            "the server does not offer TLS, which ssl-mode requires".to_string(),
            true,
        ),
        mysql::Error::DriverError(d) => (d.to_string(), true),
        mysql::Error::CodecError(c) => (super::sql::tls_hint(c.to_string()), false),
        other => (super::sql::tls_hint(other.to_string()), false),
    };
    if connecting && !reached {
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
