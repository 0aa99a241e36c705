//! MLflow's SQLAlchemy database URIs — `postgresql[+driver]://`, `mysql[+driver]://`,
//! `mariadb[+driver]://` — split into their parts, with the password masked in everything
//! shown (`Display`, `Debug`, errors).

use std::fmt;

use crate::store::StoreError;

/// Which server a URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
}

/// A database URI, percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUri {
    pub kind: DbKind,
    /// The scheme as written (e.g. `postgresql+psycopg2`), for messages.
    pub scheme: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `None`: the default (a local socket, or the usual environment variables).
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database: Option<String>,
    /// Query parameters (`sslmode=require`, `host=/var/run/postgresql`, …).
    pub params: Vec<(String, String)>,
}

/// Parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &["password", "passwd", "sslpassword", "ssl_key_password"];

impl DbUri {
    /// Whether `s` uses one of the database schemes mltui reads.
    pub fn is_database_uri(s: &str) -> bool {
        let lower = s.trim().to_ascii_lowercase();
        let Some((scheme, _)) = lower.split_once("://") else {
            return false;
        };
        kind_of(scheme).is_some()
    }

    /// Parses `scheme://[user[:password]@][host][:port][/database][?k=v&…]`.
    pub fn parse(s: &str) -> Result<DbUri, StoreError> {
        let s = s.trim();
        let bad = |why: &str| {
            StoreError::Unsupported(format!("{}: {why}", crate::store::mask_userinfo(s)))
        };
        let (scheme, rest) = s.split_once("://").ok_or_else(|| bad("not a URI"))?;
        let kind = kind_of(&scheme.to_ascii_lowercase())
            .ok_or_else(|| bad("not a PostgreSQL or MySQL URI"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, q),
            None => (rest, ""),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((info, host)) => (Some(info), host),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode(u)), Some(decode(p))),
                None => (Some(decode(info)), None),
            },
            None => (None, None),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        let params = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(kv), String::new()),
            })
            .collect();
        Ok(DbUri {
            kind,
            scheme: scheme.to_string(),
            user: user.filter(|u| !u.is_empty()),
            password,
            host: host.map(decode).filter(|h| !h.is_empty()),
            port,
            database: Some(decode(path)).filter(|d| !d.is_empty()),
            params,
        })
    }

    /// The value of query parameter `name` (the last one wins).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first of several spellings of a parameter (`ssl-mode`, `ssl_mode`, …).
    pub fn param_any(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|n| self.param(n))
    }

    /// "PostgreSQL" or "MySQL".
    pub fn product(&self) -> &'static str {
        match (
            self.kind,
            self.scheme.to_ascii_lowercase().starts_with("mariadb"),
        ) {
            (DbKind::Postgres, _) => "PostgreSQL",
            (DbKind::Mysql, true) => "MariaDB",
            (DbKind::Mysql, false) => "MySQL",
        }
    }
}

fn kind_of(scheme: &str) -> Option<DbKind> {
    let base = scheme.split('+').next().unwrap_or_default();
    match base {
        "postgresql" | "postgres" => Some(DbKind::Postgres),
        "mysql" | "mariadb" => Some(DbKind::Mysql),
        _ => None,
    }
}

/// `host[:port]`, `[v6][:port]`, `:port` or nothing.
fn split_host_port(s: &str) -> Option<(Option<&str>, Option<u16>)> {
    if s.is_empty() {
        return Some((None, None));
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() => Some(p.parse().ok()?),
        _ => None,
    };
    Some(((!host.is_empty()).then_some(host), port))
}

/// Decodes `%XX` escapes (and `+` is kept: SQLAlchemy URIs use `%20` for spaces).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes what would end a URI part.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '@' | ':' | '/' | '?' | '#' | '&' | '=' | ' ' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            _ => out.push(c),
        }
    }
    out
}

/// The URI with the password (and secret parameters) shown as `***`.
impl fmt::Display for DbUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(u) = &self.user {
            f.write_str(&encode(u))?;
        }
        if self.password.is_some() {
            f.write_str(":***")?;
        }
        if self.user.is_some() || self.password.is_some() {
            f.write_str("@")?;
        }
        if let Some(h) = &self.host {
            if h.contains(':') {
                write!(f, "[{h}]")?;
            } else {
                f.write_str(&encode(h))?;
            }
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(d) = &self.database {
            write!(f, "/{}", encode(d))?;
        }
        for (i, (k, v)) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            let secret = SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s));
            let v = if secret { "***".to_string() } else { encode(v) };
            write!(f, "{}={v}", encode(k))?;
        }
        Ok(())
    }
}

impl fmt::Debug for DbUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUri({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_uris_parse_and_mask() {
        let u = DbUri::parse("postgresql+psycopg2://al%40ice:p%3Ass@db.internal:5433/mlflow?sslmode=require&password=x")
            .expect("parse");
        assert_eq!(u.kind, DbKind::Postgres);
        assert_eq!(u.user.as_deref(), Some("al@ice"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        assert_eq!(u.host.as_deref(), Some("db.internal"));
        assert_eq!(u.port, Some(5433));
        assert_eq!(u.database.as_deref(), Some("mlflow"));
        assert_eq!(u.param("SSLMODE"), Some("require"));
        let shown = u.to_string();
        assert_eq!(
            shown,
            "postgresql+psycopg2://al%40ice:***@db.internal:5433/mlflow?sslmode=require&password=***"
        );
        assert!(!format!("{u:?}").contains("p:ss"));

        let u = DbUri::parse("mysql+pymysql://root@[::1]/mlflow").expect("v6");
        assert_eq!(
            (u.kind, u.host.as_deref(), u.port),
            (DbKind::Mysql, Some("::1"), None)
        );
        assert_eq!(u.product(), "MySQL");
        let u = DbUri::parse("mariadb://u:pw@h:3307/d").expect("mariadb");
        assert_eq!((u.product(), u.port), ("MariaDB", Some(3307)));
        let u = DbUri::parse("postgresql:///mlflow?host=/var/run/postgresql").expect("socket");
        assert_eq!(
            (u.host.as_deref(), u.database.as_deref()),
            (None, Some("mlflow"))
        );
        assert_eq!(u.param("host"), Some("/var/run/postgresql"));
        for s in [
            "postgresql://h",
            "postgres://h/db",
            "mysql+mysqldb://h/db",
            "postgresql+psycopg://h",
        ] {
            assert!(DbUri::is_database_uri(s), "{s}");
        }
        assert!(!DbUri::is_database_uri("http://h"));
        let e = DbUri::parse("postgresql://u:secret@h:notaport/db").expect_err("port");
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
