//! Where database passwords come from besides the URI, as the usual clients read them:
//! PostgreSQL's password file (`PGPASSFILE`, `~/.pgpass`) and MySQL's option file
//! (`~/.my.cnf`, section `[client]`).

use std::path::{Path, PathBuf};

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The password `~/.pgpass` (or `PGPASSFILE`) holds for this connection, as libpq finds it:
/// the first line whose `host:port:database:user` fields match (`*` matches anything,
/// `\:` and `\\` are escapes). Like libpq, a file others may read is ignored.
pub(crate) fn pgpass(host: &str, port: u16, database: &str, user: &str) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".pgpass")))?;
    if !private(&path) {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    pgpass_lookup(&text, host, port, database, user)
}

/// Whether only its owner may read `path` (libpq refuses other password files).
fn private(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o077 == 0)
}

pub(crate) fn pgpass_lookup(
    text: &str,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_escaped(line);
        let [h, p, d, u, password] = fields.as_slice() else {
            continue;
        };
        let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        if matches(h, host) && matches(p, &port) && matches(d, database) && matches(u, user) {
            return Some(password.clone());
        }
    }
    None
}

/// Splits a `.pgpass` line at unescaped colons, removing the escapes.
fn split_escaped(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// Settings of the `[client]` (and `[mysql]`) sections of `~/.my.cnf`: `user`, `password`,
/// `host`, `port`, `ssl-mode`, `ssl-ca`, ….
pub(crate) fn my_cnf() -> Vec<(String, String)> {
    let Some(path) = home().map(|h| h.join(".my.cnf")) else {
        return Vec::new();
    };
    std::fs::read_to_string(path)
        .map(|t| my_cnf_parse(&t))
        .unwrap_or_default()
}

pub(crate) fn my_cnf_parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut wanted = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            wanted = matches!(section.trim(), "client" | "mysql");
            continue;
        }
        if !wanted {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            out.push((
                k.trim().replace('_', "-").to_ascii_lowercase(),
                v.to_string(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let text = "# comment\n\
                    db.internal:5432:mlflow:alice:s3cr\\:et\n\
                    *:*:*:bob:any\n\
                    localhost:5432:*:alice:local\n";
        assert_eq!(
            pgpass_lookup(text, "db.internal", 5432, "mlflow", "alice").as_deref(),
            Some("s3cr:et")
        );
        assert_eq!(
            pgpass_lookup(text, "other", 1, "x", "bob").as_deref(),
            Some("any")
        );
        assert_eq!(
            pgpass_lookup(text, "localhost", 5432, "x", "alice").as_deref(),
            Some("local")
        );
        assert_eq!(
            pgpass_lookup(text, "db.internal", 5433, "mlflow", "alice"),
            None
        );
    }

    #[test]
    fn my_cnf_client_section() {
        let t = "[mysqld]\npassword=server\n[client]\nuser = ml\npassword = \"p w\"\nssl_mode=REQUIRED\n";
        assert_eq!(
            my_cnf_parse(t),
            vec![
                ("user".to_string(), "ml".to_string()),
                ("password".to_string(), "p w".to_string()),
                ("ssl-mode".to_string(), "REQUIRED".to_string())
            ]
        );
    }
}
