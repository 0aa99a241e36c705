//! Finding the store a user means: URI parsing, the default search order and content sniffing.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::StoreError;

/// A resolved tracking source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// An `mlruns` directory (MLflow's file store).
    File(PathBuf),
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A tracking server URL (`http://` or `https://`).
    Http(String),
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => write!(f, "file store {}", p.display()),
            Self::Sqlite(p) => write!(f, "SQLite {}", p.display()),
            Self::Http(u) => write!(f, "server {u}"),
        }
    }
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Resolves the source from, in order: the explicit argument, `MLFLOW_TRACKING_URI`
/// (passed in as `env_uri`), `./mlflow.db`, `./mlruns` (relative to `cwd`).
pub fn resolve_source(
    explicit: Option<&str>,
    env_uri: Option<&str>,
    cwd: &Path,
) -> Result<SourceSpec, StoreError> {
    if let Some(s) = explicit.filter(|s| !s.trim().is_empty()) {
        return parse_source(s, cwd);
    }
    if let Some(s) = env_uri.filter(|s| !s.trim().is_empty()) {
        return parse_source(s, cwd).map_err(|e| match e {
            StoreError::NotFound(m) => StoreError::NotFound(format!("MLFLOW_TRACKING_URI: {m}")),
            other => other,
        });
    }
    let db = cwd.join("mlflow.db");
    if db.is_file() {
        return sniff(&db);
    }
    let mlruns = cwd.join("mlruns");
    if mlruns.is_dir() {
        return sniff(&mlruns);
    }
    Err(StoreError::NotFound(format!(
        "no SOURCE argument, --tracking-uri or MLFLOW_TRACKING_URI, and neither {} nor {} exists; \
         pass an mlruns directory, a SQLite file (mlflow.db) or a sqlite:/file: URI",
        db.display(),
        mlruns.display()
    )))
}

/// Parses one source string: a path, a `file:` URI, a `sqlite:` URI or an `http(s)://` URL.
pub fn parse_source(s: &str, cwd: &Path) -> Result<SourceSpec, StoreError> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Ok(SourceSpec::Http(s.trim_end_matches('/').to_string()));
    }
    if let Some(rest) = lower.strip_prefix("sqlite:").map(|_| &s["sqlite:".len()..]) {
        // sqlite:///rel.db is relative, sqlite:////abs.db is absolute; drop any ?query.
        let rest = rest.split('?').next().unwrap_or_default();
        let path = rest.strip_prefix("//").ok_or_else(|| {
            StoreError::NotFound(format!(
                "{s}: a SQLite URI looks like sqlite:///relative.db or sqlite:////absolute.db"
            ))
        })?;
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = cwd.join(percent_decode(path));
        return match sniff(&path)? {
            spec @ SourceSpec::Sqlite(_) => Ok(spec),
            _ => Err(StoreError::bad(
                &path,
                "the sqlite: URI names a directory, not a database file",
            )),
        };
    }
    if lower.starts_with("file:") {
        let rest = &s["file:".len()..];
        // file:///abs, file://localhost/abs, file:/abs, file:rel
        let path = match rest.strip_prefix("//") {
            Some(after) => {
                let slash = after.find('/').unwrap_or(after.len());
                let host = &after[..slash];
                if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                    return Err(StoreError::Unsupported(format!(
                        "{s}: file URIs on another host ({host}) are not supported"
                    )));
                }
                &after[slash..]
            }
            None => rest,
        };
        return sniff(&cwd.join(percent_decode(path)));
    }
    if let Some((scheme, _)) = s.split_once("://") {
        return Err(StoreError::Unsupported(format!(
            "{s}: unsupported scheme '{scheme}'; use a path, file:, sqlite:, http:// or https://"
        )));
    }
    sniff(&cwd.join(s))
}

/// Decides by content whether `path` is a file store or a SQLite database.
fn sniff(path: &Path) -> Result<SourceSpec, StoreError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StoreError::NotFound(format!("{} does not exist", path.display()))
        } else {
            StoreError::io(path, e)
        }
    })?;
    if meta.is_dir() {
        if looks_like_file_store(path) {
            return Ok(SourceSpec::File(path.to_path_buf()));
        }
        // A project directory holding the store: prefer SQLite, MLflow 3's default.
        for (name, want_dir) in [("mlflow.db", false), ("mlruns", true)] {
            let inner = path.join(name);
            if inner.exists() && inner.is_dir() == want_dir {
                return sniff(&inner);
            }
        }
        return Err(StoreError::bad(
            path,
            "not an MLflow store: the directory has no <experiment id>/meta.yaml, mlflow.db or mlruns",
        ));
    }
    let mut head = [0u8; 16];
    // Only a regular file is read: a FIFO or a device given as the source is refused at once.
    let mut f = super::fsread::open_regular(path).map_err(|e| StoreError::io(path, e))?;
    let n = read_up_to(&mut f, &mut head).map_err(|e| StoreError::io(path, e))?;
    if n == 16 && &head == SQLITE_MAGIC {
        Ok(SourceSpec::Sqlite(path.to_path_buf()))
    } else if n == 0 {
        Err(StoreError::bad(path, "empty file, not a SQLite database"))
    } else {
        Err(StoreError::bad(
            path,
            "not a SQLite database (no 'SQLite format 3' header) and not an mlruns directory",
        ))
    }
}

fn read_up_to(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A directory is a file store when it holds `<id>/meta.yaml`, `.trash/` or only `models/`
/// (an mlruns directory can be empty of experiments but still be one).
fn looks_like_file_store(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let path = entry.path();
        if name == ".trash" && path.is_dir() {
            return true;
        }
        if path.is_dir() && path.join("meta.yaml").is_file() && name != "models" {
            return true;
        }
    }
    false
}

/// Decodes `%XX` escapes of a URI path; invalid escapes are kept literally.
fn percent_decode(s: &str) -> PathBuf {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().expect("tempdir")
    }

    fn make_file_store(root: &Path) {
        std::fs::create_dir_all(root.join("0")).expect("mkdir");
        std::fs::write(
            root.join("0/meta.yaml"),
            "experiment_id: '0'\nname: Default\n",
        )
        .expect("write");
    }

    fn make_sqlite(path: &Path) {
        let mut bytes = SQLITE_MAGIC.to_vec();
        bytes.extend_from_slice(&[0; 84]);
        std::fs::write(path, bytes).expect("write");
    }

    #[test]
    fn uri_forms() {
        let d = tmp();
        let cwd = d.path();
        make_file_store(&cwd.join("my runs"));
        make_sqlite(&cwd.join("mlflow.db"));
        let abs_db = cwd.join("mlflow.db");
        assert_eq!(
            parse_source("sqlite:///mlflow.db", cwd).ok(),
            Some(SourceSpec::Sqlite(abs_db.clone()))
        );
        let abs = format!("sqlite:///{}", abs_db.display());
        assert_eq!(
            parse_source(&abs, cwd).ok(),
            Some(SourceSpec::Sqlite(abs_db.clone()))
        );
        let f = format!("file://{}", cwd.join("my%20runs").display());
        assert_eq!(
            parse_source(&f, cwd).ok(),
            Some(SourceSpec::File(cwd.join("my runs")))
        );
        assert_eq!(
            parse_source("my runs", cwd).ok(),
            Some(SourceSpec::File(cwd.join("my runs")))
        );
        assert_eq!(
            parse_source("https://mlflow.example.com/", cwd).ok(),
            Some(SourceSpec::Http("https://mlflow.example.com".into()))
        );
        assert!(matches!(
            parse_source("s3://bucket/x", cwd),
            Err(StoreError::Unsupported(_))
        ));
    }

    #[test]
    fn kind_is_detected_by_content_not_name() {
        let d = tmp();
        let cwd = d.path();
        make_sqlite(&cwd.join("tracking.bin"));
        make_file_store(&cwd.join("store.db"));
        assert!(matches!(
            parse_source("tracking.bin", cwd),
            Ok(SourceSpec::Sqlite(_))
        ));
        assert!(matches!(
            parse_source("store.db", cwd),
            Ok(SourceSpec::File(_))
        ));
        std::fs::write(cwd.join("fake.db"), "hello").expect("write");
        let e = parse_source("fake.db", cwd).expect_err("not sqlite");
        assert!(
            e.to_string().contains("fake.db") && e.to_string().contains("not a SQLite"),
            "{e}"
        );
    }

    #[test]
    fn default_search_order() {
        let d = tmp();
        let cwd = d.path();
        let e = resolve_source(None, None, cwd).expect_err("nothing there");
        assert!(
            e.to_string().contains("mlflow.db") && e.to_string().contains("mlruns"),
            "{e}"
        );
        make_file_store(&cwd.join("mlruns"));
        assert_eq!(
            resolve_source(None, None, cwd).ok(),
            Some(SourceSpec::File(cwd.join("mlruns")))
        );
        make_sqlite(&cwd.join("mlflow.db"));
        assert_eq!(
            resolve_source(None, None, cwd).ok(),
            Some(SourceSpec::Sqlite(cwd.join("mlflow.db")))
        );
        assert_eq!(
            resolve_source(None, Some("mlruns"), cwd).ok(),
            Some(SourceSpec::File(cwd.join("mlruns")))
        );
        assert_eq!(
            resolve_source(Some("mlruns"), Some("mlflow.db"), cwd).ok(),
            Some(SourceSpec::File(cwd.join("mlruns")))
        );
    }

    #[test]
    fn missing_and_non_store_paths_are_named() {
        let d = tmp();
        let e = parse_source("nope", d.path()).expect_err("missing");
        assert!(
            e.to_string().contains("nope") && e.to_string().contains("does not exist"),
            "{e}"
        );
        std::fs::create_dir(d.path().join("empty")).expect("mkdir");
        let e = parse_source("empty", d.path()).expect_err("empty dir");
        assert!(e.to_string().contains("not an MLflow store"), "{e}");
    }
}
