//! Remembered views: what mltui keeps between sessions, one small JSON file per source
//! under `$XDG_STATE_HOME/mltui/` (default `~/.local/state/mltui/`), never in the store.
//! Written whole to a temporary file and renamed over the old one, so a crash or a dropped
//! SSH session leaves either the old file or the new one. A file that cannot be read is
//! reported and ignored (and kept aside as `*.corrupt` when it is replaced).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::store::SourceSpec;

/// The format version written; files of other versions are ignored.
pub const VERSION: u32 = 1;

/// Tables remembered per source at most; the least recently changed go first.
const MAX_TABLES: usize = 500;

/// Largest state file read.
const MAX_FILE: u64 = 8 << 20;

/// One column of a remembered table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSetting {
    /// The column's name as `--columns` takes it (`metrics.loss`, `run_name`).
    pub name: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// A width set by hand (cells); automatic when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u16>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortSetting {
    pub column: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub descending: bool,
}

/// The chart options of a table's charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ChartSetting {
    /// The metric shown (one chart), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Metrics pinned into the grid.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinned: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub grid: bool,
    /// `step`, `time` or `relative`.
    #[serde(default = "step")]
    pub x: String,
    #[serde(default)]
    pub smoothing: f64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub log_y: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub outliers: bool,
}

/// A run table as the user left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ViewState {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnSetting>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SortSetting>,
    /// The quick filter (`/`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub filter: String,
    /// The MLflow search filter (`f`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Flat instead of a tree of nested runs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub flat: bool,
    /// The columns runs are grouped by in group mode (`g`), comma-separated
    /// (`params.optimizer,params.lr`); none: the table shows runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Group mode: the aggregate metric columns show (`mean±std`, `mean`, `std`, `min`,
    /// `max`, `median`) when not the default, and the columns with their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_agg: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_aggs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub diff_only: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub show_deleted: bool,
    /// Run ids pinned to the top, in the order they were pinned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<String>,
    /// Run ids hidden from the table and charts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub show_hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartSetting>,
    /// When this was last changed (epoch ms), to forget the oldest first.
    #[serde(default)]
    pub updated: i64,
}

impl ViewState {
    /// The same view, ignoring when it was saved.
    pub fn same_as(&self, other: &ViewState) -> bool {
        ViewState {
            updated: 0,
            ..self.clone()
        } == ViewState {
            updated: 0,
            ..other.clone()
        }
    }
}

/// Everything remembered for one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StateFile {
    pub version: u32,
    /// The source, for people reading the file.
    #[serde(default)]
    pub source: String,
    /// The last view of each table, by the experiment ids it shows (`1`, `1,4`).
    #[serde(default)]
    pub tables: BTreeMap<String, ViewState>,
    /// Views saved under a name.
    #[serde(default)]
    pub named: BTreeMap<String, ViewState>,
}

impl StateFile {
    pub fn new(source: &str) -> Self {
        Self {
            version: VERSION,
            source: source.to_string(),
            ..Self::default()
        }
    }

    /// The key of a table showing `experiment_ids`.
    pub fn table_key(experiment_ids: &[String]) -> String {
        let mut ids = experiment_ids.to_vec();
        ids.sort_by(|a, b| crate::index::cmp_ids(a, b));
        ids.join(",")
    }

    /// Records a table's view; forgets the least recently changed tables beyond the limit.
    pub fn put_table(&mut self, key: String, view: ViewState) {
        self.tables.insert(key, view);
        while self.tables.len() > MAX_TABLES {
            let oldest = self
                .tables
                .iter()
                .min_by_key(|(_, v)| v.updated)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.tables.remove(&k),
                None => break,
            };
        }
    }

    /// The file's text: one line per table and per named view, so that it stays small
    /// and a person can still find their way in it.
    pub fn to_json(&self) -> String {
        let line = |v: &ViewState| serde_json::to_string(v).unwrap_or_else(|_| "{}".into());
        let map = |m: &BTreeMap<String, ViewState>| {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("    {}: {}", serde_json::Value::from(k.as_str()), line(v)))
                .collect();
            if entries.is_empty() {
                "{}".to_string()
            } else {
                format!("{{\n{}\n  }}", entries.join(",\n"))
            }
        };
        format!(
            "{{\n  \"version\": {},\n  \"source\": {},\n  \"tables\": {},\n  \"named\": {}\n}}\n",
            self.version,
            serde_json::Value::from(self.source.as_str()),
            map(&self.tables),
            map(&self.named)
        )
    }
}

fn yes() -> bool {
    true
}

fn step() -> String {
    "step".into()
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a state file was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("cannot be read ({reason}): {path}")]
    Unreadable { path: String, reason: String },
    #[error("ignored, not a state file mltui can read ({reason}): {path}")]
    Corrupt { path: String, reason: String },
    #[error("ignored and left as it is, written by a newer mltui (format {found}): {path}")]
    Newer { path: String, found: u32 },
    #[error("ignored, in an old format ({found}): {path}")]
    Older { path: String, found: u32 },
}

impl StateError {
    /// A newer mltui's file must not be overwritten.
    pub fn keep_file(&self) -> bool {
        matches!(
            self,
            StateError::Newer { .. } | StateError::Unreadable { .. }
        )
    }
}

/// The directory of state files: `$XDG_STATE_HOME/mltui`, else `~/.local/state/mltui`.
pub fn dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_STATE_HOME")
        .filter(|p| Path::new(p).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".local").join("state"))
        })?;
    Some(base.join("mltui"))
}

/// A stable name for a source: the kind and the absolute path of a local store, the URL of
/// a server without credentials or a trailing slash, a database's kind, host, port and name
/// (neither the user nor the driver, TLS or other parameters make another source).
pub fn source_id(spec: &SourceSpec) -> String {
    let path = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    match spec {
        SourceSpec::File(p) => format!("file:{}", path(p)),
        SourceSpec::Sqlite(p) => format!("sqlite:{}", path(p)),
        SourceSpec::Http(url) => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
            let (host, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            let tail = tail.split(['?', '#']).next().unwrap_or_default();
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase(),
                tail.trim_end_matches('/')
            )
        }
        SourceSpec::Database(db) => {
            let kind = match db.kind {
                crate::store::DbKind::Postgres => "postgresql",
                crate::store::DbKind::Mysql => "mysql",
            };
            let mut id = format!(
                "{kind}://{}",
                db.host.as_deref().unwrap_or_default().to_ascii_lowercase()
            );
            if let Some(p) = db.port {
                id.push_str(&format!(":{p}"));
            }
            id.push('/');
            id.push_str(db.database.as_deref().unwrap_or_default());
            id
        }
    }
}

/// The state file of a source in `dir`: `views-<readable part>-<hash>.json`.
pub fn file_for(dir: &Path, source_id: &str) -> PathBuf {
    let readable: String = source_id
        .rsplit(['/', ':'])
        .find(|p| !p.is_empty())
        .unwrap_or("source")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    dir.join(format!("views-{readable}-{:016x}.json", fnv1a(source_id)))
}

/// FNV-1a, 64 bits: stable across versions and platforms (file names depend on it).
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Reads a state file: `Ok(None)` when there is none yet.
pub fn read(path: &Path) -> Result<Option<StateFile>, StateError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| StateError::Unreadable {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let mut text = String::new();
    let read = file.take(MAX_FILE + 1).read_to_string(&mut text);
    let corrupt = |reason: String| StateError::Corrupt {
        path: shown.clone(),
        reason,
    };
    match read {
        Ok(n) if n as u64 > MAX_FILE => return Err(corrupt("larger than 8 MiB".into())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(corrupt("not UTF-8 text".into()));
        }
        Err(e) => return Err(unreadable(e)),
    }
    // The version first, so that a newer format is told apart from a broken file.
    #[derive(Deserialize)]
    struct Version {
        version: Option<u32>,
    }
    let version = serde_json::from_str::<Version>(&text)
        .map_err(|e| corrupt(e.to_string()))?
        .version
        .unwrap_or(0);
    match version {
        VERSION => {}
        v if v > VERSION => {
            return Err(StateError::Newer {
                path: shown,
                found: v,
            });
        }
        v => {
            return Err(StateError::Older {
                path: shown,
                found: v,
            });
        }
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| corrupt(e.to_string()))
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. With `keep_old`, a file that is there is first kept as
/// `<path>.corrupt` (it could not be read).
pub fn write_atomic(path: &Path, text: &str, keep_old: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if keep_old && path.exists() {
            std::fs::rename(path, path.with_extension("json.corrupt"))?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes state files off the UI thread: each request replaces any not yet written, and a
/// write happens once requests pause (or at least every two seconds while they keep
/// coming). Dropping the saver writes what is pending and waits for it.
pub struct Saver {
    tx: Option<mpsc::Sender<Save>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// One request: the file, its text, whether to keep the old file aside, and where to
/// report a failure.
pub struct Save {
    pub path: PathBuf,
    pub text: String,
    pub keep_old: bool,
}

/// How long the saver waits for more changes before writing.
const SETTLE: Duration = Duration::from_millis(300);
/// The longest a change waits while changes keep coming.
const MAX_DELAY: Duration = Duration::from_secs(2);

impl Saver {
    /// Starts the writer thread; `failed` hears of writes that failed.
    pub fn spawn(failed: impl Fn(String) + Send + 'static) -> Saver {
        let (tx, rx) = mpsc::channel::<Save>();
        let thread = std::thread::spawn(move || {
            while let Ok(mut pending) = rx.recv() {
                let first = Instant::now();
                let mut closed = false;
                loop {
                    let wait = SETTLE.min(MAX_DELAY.saturating_sub(first.elapsed()));
                    if wait.is_zero() {
                        break;
                    }
                    match rx.recv_timeout(wait) {
                        Ok(newer) => {
                            let keep_old = pending.keep_old && newer.path == pending.path;
                            pending = Save {
                                keep_old: keep_old || newer.keep_old,
                                ..newer
                            };
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => break,
                        Err(mpsc::RecvTimeoutError::Disconnected) => {
                            closed = true;
                            break;
                        }
                    }
                }
                if let Err(e) = write_atomic(&pending.path, &pending.text, pending.keep_old) {
                    failed(format!(
                        "cannot save the views to {}: {e}",
                        pending.path.display()
                    ));
                }
                if closed {
                    return;
                }
            }
        });
        Saver {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn save(&self, save: Save) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(save);
        }
    }
}

impl Drop for Saver {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn the_directory_follows_xdg_then_home() {
        assert_eq!(
            dir(&env_of(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")])),
            Some(PathBuf::from("/s/mltui"))
        );
        assert_eq!(
            dir(&env_of(&[("XDG_STATE_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/state/mltui"))
        );
        assert_eq!(dir(&env_of(&[])), None);
    }

    #[test]
    fn file_names_are_readable_and_distinct() {
        let a = source_id(&SourceSpec::Http(
            "https://user:pw@Box:5000/mlflow/?x=1".into(),
        ));
        assert_eq!(a, "https://box:5000/mlflow");
        let b = source_id(&SourceSpec::Http("https://box:5000/mlflow".into()));
        assert_eq!(
            a, b,
            "credentials and a trailing slash do not make another source"
        );
        let pg = |uri: &str| {
            let Ok(db) = crate::store::DbUri::parse(uri) else {
                panic!("{uri}")
            };
            source_id(&SourceSpec::Database(db))
        };
        assert_eq!(
            pg("postgresql+psycopg2://alice:pw@DB:5432/mlflow?sslmode=require"),
            "postgresql://db:5432/mlflow"
        );
        assert_eq!(
            pg("postgresql://bob@db:5432/mlflow"),
            "postgresql://db:5432/mlflow"
        );
        assert_eq!(pg("mariadb://bob@db/mlflow"), "mysql://db/mlflow");
        let f = file_for(Path::new("/s"), &a);
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(
            name.starts_with("views-mlflow-") && name.ends_with(".json"),
            "{name}"
        );
        let other = file_for(Path::new("/s"), "sqlite:/data/other/mlflow");
        assert_ne!(f, other);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c, "the hash never changes");
    }

    #[test]
    fn a_file_round_trips_and_writes_atomically() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("views-x.json");
        assert_eq!(read(&path), Ok(None));
        let mut file = StateFile::new("sqlite:/x");
        file.put_table(
            StateFile::table_key(&["4".into(), "1".into()]),
            ViewState {
                filter: "adam".into(),
                columns: vec![ColumnSetting {
                    name: "metrics.loss".into(),
                    visible: true,
                    pinned: true,
                    width: Some(9),
                }],
                ..ViewState::default()
            },
        );
        write_atomic(&path, &file.to_json(), false).expect("write");
        let back = read(&path).expect("read").expect("present");
        assert_eq!(back, file);
        assert!(back.tables.contains_key("1,4"));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    }

    #[test]
    fn broken_old_and_newer_files_are_told_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.json");
        std::fs::write(&path, "{ not json").expect("write");
        let e = read(&path).expect_err("corrupt");
        assert!(matches!(e, StateError::Corrupt { .. }), "{e}");
        assert!(!e.keep_file());
        std::fs::write(&path, r#"{"version": 99, "tables": 3}"#).expect("write");
        let e = read(&path).expect_err("newer");
        assert!(e.keep_file(), "{e}");
        assert!(e.to_string().contains("newer mltui"), "{e}");
        std::fs::write(&path, r#"{"tables": {}}"#).expect("write");
        assert!(matches!(
            read(&path),
            Err(StateError::Older { found: 0, .. })
        ));
        std::fs::write(&path, r#"{"version": 1, "tables": {"1": {"columns": 5}}}"#).expect("write");
        assert!(matches!(read(&path), Err(StateError::Corrupt { .. })));
        // Replacing a broken file keeps it aside.
        write_atomic(&path, "{}", true).expect("write");
        assert!(path.with_extension("json.corrupt").exists());
    }

    #[test]
    fn the_oldest_tables_are_forgotten_first() {
        let mut file = StateFile::new("x");
        for i in 0..(MAX_TABLES + 3) {
            file.put_table(
                i.to_string(),
                ViewState {
                    updated: i as i64,
                    ..ViewState::default()
                },
            );
        }
        assert_eq!(file.tables.len(), MAX_TABLES);
        assert!(!file.tables.contains_key("0") && !file.tables.contains_key("2"));
        assert!(file.tables.contains_key("3"));
    }

    #[test]
    fn the_saver_writes_the_last_request_and_finishes_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.json");
        let saver = Saver::spawn(|e| panic!("{e}"));
        for n in 0..5 {
            saver.save(Save {
                path: path.clone(),
                text: format!("{n}"),
                keep_old: false,
            });
        }
        drop(saver);
        assert_eq!(std::fs::read_to_string(&path).expect("written"), "4");
    }
}
