//! The SQLite backend (`mlflow.db`) of the SQL reader: read-only connections that create no
//! file next to the store, and statements that each hold SQLite's read lock for a few
//! milliseconds at most, so that MLflow's writers (which wait for readers to let go before
//! they can commit) are never kept waiting.
//!
//! - Rollback-journal databases (MLflow's default) are opened `mode=ro`. A hot journal left
//!   by a crashed writer cannot be rolled back by a reader; mltui says so and how to recover.
//! - WAL databases are read through a VFS that cannot create files (`sqlite_vfs.rs`) with
//!   `readonly_shm=1`: when the writer's `-wal` and `-shm` exist they are used (live data);
//!   when they do not (no writer has the database open, so the main file holds everything),
//!   the file is read with `immutable=1`, and a follower reopens it once it changes.
//! - Tables are read in rowid ranges, a statement giving up after a few milliseconds and
//!   the next one carrying on after the last row it delivered (`sqlite_read.rs`).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
pub(crate) use super::sql::extremes::unclamp;
use super::sql::{Backend, Cell, Conn, Dialect, SqlStore, Token};
use super::sqlite_read::{BUDGET, Gate, busy};

/// A SQLite tracking database.
pub(crate) type SqliteStore = SqlStore<Sqlite>;

/// Where and how a SQLite database is read.
#[derive(Clone)]
pub(crate) struct Sqlite {
    pub(super) path: PathBuf,
    pub(super) info: Arc<Info>,
}

/// What the schema check does not cover: indexes and rowids, which decide how reads are
/// kept short.
#[derive(Debug, Default)]
pub(super) struct Info {
    /// An index on `metrics (run_uuid)` alone (rowids follow in it).
    pub run_index: Option<String>,
    /// An index on `metrics (run_uuid, key, step)`.
    pub key_step_index: Option<String>,
    /// Tables without rowids (never made by MLflow), read in one statement.
    pub no_rowid: HashSet<String>,
}

impl SqlStore<Sqlite> {
    /// Opens a SQLite tracking database read-only.
    pub(crate) fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        let mut backend = Sqlite {
            path: path.to_path_buf(),
            info: Arc::new(Info::default()),
        };
        let mut conn = backend.connect()?;
        backend.info = Arc::new(read_info(&mut conn)?);
        SqlStore::open(backend)
    }
}

/// Finds the indexes and rowid-less tables.
fn read_info(conn: &mut SqliteConn) -> Result<Info, StoreError> {
    let mut info = Info::default();
    let mut indexes: Vec<(String, Vec<String>)> = Vec::new();
    let sql = "SELECT il.name, ii.name FROM pragma_index_list('metrics') il \
               JOIN pragma_index_info(il.name) ii ORDER BY il.name, ii.seqno";
    conn.query(sql, &[], &mut |row| {
        let (Cell::Text(index), Cell::Text(col)) = (row.cell(0), row.cell(1)) else {
            return;
        };
        let (index, col) = (
            String::from_utf8_lossy(index).into_owned(),
            String::from_utf8_lossy(col).to_ascii_lowercase(),
        );
        match indexes.last_mut() {
            Some((name, cols)) if *name == index => cols.push(col),
            _ => indexes.push((index, vec![col])),
        }
    })?;
    for (name, cols) in indexes {
        if cols == ["run_uuid"] {
            info.run_index.get_or_insert(name);
        } else if cols == ["run_uuid", "key", "step"] {
            info.key_step_index.get_or_insert(name);
        }
    }
    conn.query(
        "SELECT name FROM pragma_table_list WHERE wr = 1",
        &[],
        &mut |row| {
            if let Cell::Text(t) = row.cell(0) {
                info.no_rowid
                    .insert(String::from_utf8_lossy(t).to_ascii_lowercase());
            }
        },
    )?;
    Ok(info)
}

impl Backend for Sqlite {
    type Conn = SqliteConn;
    const DIALECT: Dialect = Dialect::Sqlite;
    const BULK_EXTREMES: bool = true;

    fn describe(&self) -> String {
        format!("SQLite {}", self.path.display())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn connect(&self) -> Result<SqliteConn, StoreError> {
        connect(&self.path, self.info.clone())
    }

    /// The database's folder (not its subfolders), for changes of the database and of the
    /// files a writer keeps beside it: `-wal` and `-shm` (WAL mode), `-journal` (rollback).
    fn watch_set(&self) -> Option<super::WatchSet> {
        let path = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let dir = path.parent()?.to_path_buf();
        let name = path.file_name()?;
        let names = ["", "-wal", "-journal", "-shm"]
            .into_iter()
            .map(|suffix| {
                let mut n = name.to_os_string();
                n.push(suffix);
                n
            })
            .collect();
        Some(super::WatchSet {
            root: dir.clone(),
            dirs: [dir].into_iter().collect(),
            names: Some(names),
        })
    }

    /// Next to the database: `./mlruns` of a client writing directly, `./mlartifacts` of
    /// `mlflow server`, and the folder itself.
    fn artifact_bases(&self) -> Vec<PathBuf> {
        let dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        vec![dir.join("mlruns"), dir.join("mlartifacts"), dir]
    }

    fn runs_estimate(&self, conn: &mut SqliteConn) -> Result<Option<usize>, StoreError> {
        Ok(conn
            .rowid_span("runs")?
            .map(|(lo, hi)| (hi.saturating_sub(lo) as usize).saturating_add(1)))
    }

    fn bulk_extremes(
        store: &SqlStore<Self>,
        by_id: &std::collections::HashMap<String, usize>,
        upto: Option<i64>,
        warnings: &mut super::sql::Warnings,
    ) -> Result<Option<Vec<super::sql::RunExtremes>>, StoreError> {
        super::sqlite_metrics::bulk_extremes(store, by_id, upto, warnings).map(Some)
    }

    fn bulk_key_values(
        store: &SqlStore<Self>,
        table: &str,
        runs: usize,
        by_id: &std::collections::HashMap<String, usize>,
        warnings: &mut super::sql::Warnings,
    ) -> Result<Option<super::sqlite_bulk::KeyValues>, StoreError> {
        super::sqlite_bulk::bulk_key_values(store, table, runs, by_id, warnings).map(Some)
    }

    fn run_extremes(
        store: &SqlStore<Self>,
        conn: &mut SqliteConn,
        ids: &[String],
        upto: Option<i64>,
        warnings: &mut super::sql::Warnings,
    ) -> Result<std::collections::HashMap<(String, String), super::sql::Extremes>, StoreError> {
        super::sqlite_metrics::run_extremes(store, conn, ids, upto, warnings)
    }

    fn history(
        store: &SqlStore<Self>,
        conn: &mut SqliteConn,
        run_id: &str,
        key: &str,
    ) -> Result<Vec<crate::model::MetricPoint>, StoreError> {
        super::sqlite_metrics::history(store, conn, run_id, key)
    }

    fn change_token(&self, conn: &mut SqliteConn) -> Result<Option<Token>, StoreError> {
        if conn.access != Access::Live || conn.wal {
            // WAL and immutable connections are not kept: the files tell.
            let stamp = Stamp::of(&self.path);
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&stamp, &mut h);
            return Ok(Some(Token {
                value: std::hash::Hasher::finish(&h) as i64,
                per_connection: false,
            }));
        }
        let mut v = None;
        conn.query("PRAGMA data_version", &[], &mut |row| {
            v = row.cell(0).int().ok().flatten();
        })?;
        Ok(v.map(|value| Token {
            value,
            per_connection: true,
        }))
    }

    fn is_current(&self, conn: &SqliteConn) -> bool {
        conn.access == Access::Live || Stamp::of(&self.path) == conn.stamp
    }

    fn keep(&self, conn: &SqliteConn) -> bool {
        // An open connection to a WAL database keeps the writer from removing its -wal and
        // -shm when it closes; a rollback-journal connection holds nothing while idle.
        conn.access == Access::Live && !conn.wal
    }

    fn metrics_tail_start(
        store: &SqlStore<Self>,
        conn: &mut SqliteConn,
    ) -> Result<Option<i64>, StoreError> {
        if !store.schema.has_table("metrics") || conn.info.no_rowid.contains("metrics") {
            return Ok(None);
        }
        Ok(Some(conn.rowid_span("metrics")?.map_or(0, |(_, hi)| hi)))
    }

    fn metrics_tail(
        store: &SqlStore<Self>,
        conn: &mut SqliteConn,
        after: i64,
        f: &mut dyn FnMut(&str, &str, Option<f64>),
        warnings: &mut super::sql::Warnings,
    ) -> Result<Option<i64>, StoreError> {
        super::sqlite_metrics::tail(store, conn, after, f, warnings).map(Some)
    }

    fn metric_aggregates(
        store: &SqlStore<Self>,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError> {
        store.aggregates(run_ids, wanted, sink)
    }

    fn notes(&self) -> Vec<super::Warning> {
        match Access::decide(&self.path) {
            Ok(Access::Immutable(Some(why))) => vec![super::Warning {
                location: self.location(),
                message: why,
            }],
            _ => Vec::new(),
        }
    }
}

/// How a connection reads the database.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    /// `mode=ro` (with the writer's `-wal`/`-shm` for a WAL database).
    Live,
    /// `immutable=1`: the main file alone; `Some(why)` when that leaves changes out.
    Immutable(Option<String>),
}

impl Access {
    fn decide(path: &Path) -> Result<Access, StoreError> {
        if !is_wal(path)? {
            return Ok(Access::Live);
        }
        let wal = sibling(path, "-wal");
        let shm = sibling(path, "-shm");
        Ok(match (wal.exists(), shm.exists()) {
            (true, true) => Access::Live,
            // No writer has the database open: the main file holds every commit.
            (false, _) => Access::Immutable(None),
            (true, false) => Access::Immutable(Some(format!(
                "{} exists without {}: showing the database file without the changes still \
                 in the WAL (they appear once MLflow opens the database again)",
                wal.display(),
                shm.display()
            ))),
        })
    }
}

/// True when the database header says WAL mode (file format versions 2).
fn is_wal(path: &Path) -> Result<bool, StoreError> {
    let mut head = [0u8; 20];
    let mut f = std::fs::File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(StoreError::io(path, e)),
        }
    }
    Ok(n == head.len() && head[18] == 2 && head[19] == 2)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Size and modification time of the database and of its `-wal`: a commit changes one of
/// them, and an immutable connection is out of date once they changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Stamp([Option<(u64, Option<SystemTime>)>; 2]);

impl Stamp {
    fn of(path: &Path) -> Stamp {
        let of = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.len(), m.modified().ok()))
        };
        Stamp([of(path), of(&sibling(path, "-wal"))])
    }
}

/// A read-only connection.
pub(crate) struct SqliteConn {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    pub(super) info: Arc<Info>,
    pub(super) gate: Arc<Gate>,
    access: Access,
    /// Whether the database was in WAL mode when opened.
    wal: bool,
    /// The files as they were when the connection was opened.
    stamp: Stamp,
    /// How long a statement may run ([`BUDGET`]; tests make it zero).
    pub(super) budget: Duration,
}

fn connect(path: &Path, info: Arc<Info>) -> Result<SqliteConn, StoreError> {
    super::sqlite_vfs::register().map_err(|m| StoreError::Sqlite {
        path: path.to_path_buf(),
        message: m,
    })?;
    let mut access = Access::decide(path)?;
    loop {
        let stamp = Stamp::of(path);
        let wal = is_wal(path)?;
        let conn = open(path, &access)?;
        let c = SqliteConn {
            conn,
            path: path.to_path_buf(),
            info: info.clone(),
            gate: Gate::of(path),
            access: access.clone(),
            wal,
            stamp,
            budget: BUDGET,
        };
        // The first read opens the WAL and checks for a hot journal.
        let first = {
            let _turn = c.gate.enter();
            c.conn
                .query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))
        };
        match first {
            Ok(()) => return Ok(c),
            // The writer closed (and removed its -wal) between the check and the open:
            // this VFS cannot create it, and the main file now holds everything.
            Err(rusqlite::Error::SqliteFailure(e, _))
                if access == Access::Live && e.code == rusqlite::ErrorCode::CannotOpen && wal =>
            {
                access = Access::Immutable(None);
            }
            Err(e) => return Err(sql_error(path, e)),
        }
    }
}

fn open(path: &Path, access: &Access) -> Result<Connection, StoreError> {
    let mode = match access {
        Access::Live => "mode=ro&readonly_shm=1",
        Access::Immutable(_) => "mode=ro&immutable=1",
    };
    let uri = format!("file:{}?{mode}", uri_escape(&path.to_string_lossy()));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags_and_vfs(uri, flags, super::sqlite_vfs::NAME)
        .map_err(|e| sql_error(path, e))?;
    // Readers wait for a writer's commit rather than fail, looking again every millisecond
    // (SQLite's own handler backs off to 100 ms sleeps, which makes a reader that keeps
    // giving writers way much slower than it needs to be), for 5 s at most.
    conn.busy_handler(Some(busy))
        .map_err(|e| sql_error(path, e))?;
    Ok(conn)
}

/// A SQLite error as a store error, with what to do for the ones users meet.
pub(super) fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let message = match &e {
        rusqlite::Error::SqliteFailure(err, _) if err.code == rusqlite::ErrorCode::NotADatabase => {
            "not a SQLite database (file is encrypted or corrupt)".to_string()
        }
        rusqlite::Error::SqliteFailure(err, _)
            if err.extended_code == ffi_code::READONLY_ROLLBACK
                || (err.code == rusqlite::ErrorCode::ReadOnly
                    && sibling(path, "-journal").exists()) =>
        {
            format!(
                "a writer stopped in the middle of a transaction (it crashed or was killed) and \
                 left a hot journal, {}. SQLite must roll that transaction back before the \
                 database can be read, and mltui only ever reads. To recover, open the database \
                 once with write access as its owner, e.g. `sqlite3 {} \"PRAGMA quick_check;\"` \
                 or any mlflow command on it; do not delete the journal (that can corrupt the \
                 database)",
                sibling(path, "-journal").display(),
                path.display()
            )
        }
        rusqlite::Error::SqliteFailure(err, _) if err.code == rusqlite::ErrorCode::DatabaseBusy => {
            "the database stayed locked by a writer for more than 5 s; try again".to_string()
        }
        _ => e.to_string(),
    };
    StoreError::Sqlite {
        path: path.to_path_buf(),
        message,
    }
}

mod ffi_code {
    /// SQLITE_READONLY_ROLLBACK: a hot journal a read-only connection cannot roll back.
    pub const READONLY_ROLLBACK: std::ffi::c_int = rusqlite::ffi::SQLITE_READONLY_ROLLBACK;
}

/// Escapes the characters that end or alter the path part of a SQLite URI.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
