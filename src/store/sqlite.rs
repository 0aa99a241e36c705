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
//! - Tables are read in rowid ranges, a statement giving up after [`BUDGET`] and the next
//!   one carrying on after the last row it delivered.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use super::StoreError;
pub(crate) use super::sql::extremes::unclamp;
use super::sql::{Arg, Backend, Cell, Conn, Dialect, Row, Scan, SqlStore, Token};

/// How long one statement may hold the read lock before it stops and lets writers in.
pub(super) const BUDGET: Duration = Duration::from_millis(5);
/// Rows between looks at the clock.
const CHECK_EVERY: u32 = 16;

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

    fn describe(&self) -> String {
        format!("SQLite {}", self.path.display())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn connect(&self) -> Result<SqliteConn, StoreError> {
        connect(&self.path, self.info.clone())
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
    conn: Connection,
    path: PathBuf,
    pub(super) info: Arc<Info>,
    gate: Arc<Gate>,
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

/// The busy handler: retry every millisecond for [`BUSY_TIMEOUT`].
fn busy(tries: i32) -> bool {
    if tries as u64 >= BUSY_TIMEOUT.as_millis() as u64 {
        return false;
    }
    let t = Instant::now();
    std::thread::sleep(Duration::from_millis(1));
    WAITED.set(WAITED.get() + t.elapsed());
    true
}

/// How long a reader waits for a writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Arg::Text(s) => s.to_sql(),
            Arg::Int(v) => v.to_sql(),
            Arg::Real(v) => v.to_sql(),
        }
    }
}

/// A result row, seen from column `skip` on.
struct SqlRow<'a, 'b> {
    row: &'a rusqlite::Row<'b>,
    skip: usize,
}

impl Row for SqlRow<'_, '_> {
    fn cell(&self, i: usize) -> Cell<'_> {
        match self.row.get_ref(i + self.skip) {
            Ok(ValueRef::Integer(v)) => Cell::Int(v),
            Ok(ValueRef::Real(v)) => Cell::Real(v),
            Ok(ValueRef::Text(b)) => Cell::Text(b),
            Ok(ValueRef::Blob(b)) => Cell::Blob(b),
            Ok(ValueRef::Null) | Err(_) => Cell::Null,
        }
    }
}

/// Statements of this process on one database take turns in rounds: once any of them ends,
/// no new one starts before all running ones have ended. SQLite shares one file lock among
/// all connections of a process and lets a thread join a read that another thread holds
/// without checking for a waiting writer; overlapping statements of several threads would
/// keep the database locked without a break and starve MLflow's writer. At the end of each
/// round the process holds no lock, and the next statement waits for a writer that wants in.
pub(super) struct Gate {
    /// Statements running, and whether a round is ending.
    state: Mutex<(usize, bool)>,
    turn: Condvar,
}

/// A statement's place in a round; ends it when dropped.
pub(super) struct Turn<'a> {
    gate: &'a Gate,
    started: Instant,
    waited: Duration,
}

thread_local! {
    /// Time this thread slept in the busy handler (waiting for a writer, holding nothing).
    static WAITED: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

/// The longest time any statement of this process held SQLite's read lock (time in the
/// statement less time spent waiting for writers), in microseconds.
static LONGEST_HOLD_US: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The longest time a statement of this process has held a SQLite database's read lock
/// (for tests and benchmarks), and resets it.
#[doc(hidden)]
pub fn take_longest_read_lock() -> Duration {
    Duration::from_micros(LONGEST_HOLD_US.swap(0, std::sync::atomic::Ordering::Relaxed))
}

impl Gate {
    /// The gate of the database at `path` (one per file and process).
    fn of(path: &Path) -> Arc<Gate> {
        static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Gate>>>> = OnceLock::new();
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let mut gates = GATES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        gates
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Gate {
                    state: Mutex::new((0, false)),
                    turn: Condvar::new(),
                })
            })
            .clone()
    }

    pub(super) fn enter(&self) -> Turn<'_> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while s.1 {
            s = self.turn.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        s.0 += 1;
        Turn {
            gate: self,
            started: Instant::now(),
            waited: WAITED.get(),
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let held = self
            .started
            .elapsed()
            .saturating_sub(WAITED.get().saturating_sub(self.waited));
        LONGEST_HOLD_US.fetch_max(
            held.as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let mut s = self
            .gate
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        s.0 -= 1;
        if s.0 == 0 {
            s.1 = false;
            self.gate.turn.notify_all();
        } else {
            s.1 = true;
        }
    }
}

/// Smallest and largest span of rowids one statement covers.
const MIN_SPAN: i64 = 64;
const FIRST_SPAN: i64 = 8192;
const MAX_SPAN: i64 = 1 << 20;

impl SqliteConn {
    pub(super) fn err(&self, e: rusqlite::Error) -> StoreError {
        sql_error(&self.path, e)
    }

    /// Smallest and largest rowid of `table` (two b-tree seeks), `None` when it is empty.
    pub(super) fn rowid_span(&mut self, table: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let sql =
            format!("SELECT (SELECT MIN(rowid) FROM {table}), (SELECT MAX(rowid) FROM {table})");
        let span = self
            .conn
            .query_row(&sql, [], |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
            })
            .map_err(|e| self.err(e))?;
        Ok(match span {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        })
    }

    /// The rows of `scan` with rowids in `after+1 ..= upto`, in rowid order, each statement
    /// stopping after [`BUDGET`] (or, when grouped, covering a span sized to take about that
    /// long). `f` sees the scan's columns (the rowid is not among them).
    pub(super) fn scan_range(
        &mut self,
        scan: &Scan<'_>,
        after: i64,
        upto: i64,
        f: &mut dyn FnMut(i64, &dyn Row),
    ) -> Result<(), StoreError> {
        let grouped = scan.group.is_some();
        let cond = scan.cond.map_or(String::new(), |c| format!("({c}) AND "));
        let sql = match scan.group {
            Some(g) => format!(
                "SELECT {} FROM {} t {} WHERE {cond}t.rowid > ? AND t.rowid <= ? GROUP BY {g}",
                scan.cols, scan.table, scan.join
            ),
            None => format!(
                "SELECT t.rowid, {} FROM {} t {} WHERE {cond}t.rowid > ? AND t.rowid <= ? \
                 ORDER BY t.rowid",
                scan.cols, scan.table, scan.join
            ),
        };
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let mut stmt = self.conn.prepare(&sql).map_err(err)?;
        let n = scan.args.len();
        for (i, a) in scan.args.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, a).map_err(err)?;
        }
        let mut from = after;
        let mut span = FIRST_SPAN;
        while from < upto {
            let to = from.saturating_add(span).min(upto);
            stmt.raw_bind_parameter(n + 1, from).map_err(err)?;
            stmt.raw_bind_parameter(n + 2, to).map_err(err)?;
            let started = Instant::now();
            let mut stopped_at = None;
            {
                let _turn = self.gate.enter();
                let mut rows = stmt.raw_query();
                let mut k = 0u32;
                while let Some(row) = rows.next().map_err(err)? {
                    if grouped {
                        f(0, &SqlRow { row, skip: 0 });
                        continue;
                    }
                    let rowid = row.get::<_, i64>(0).map_err(err)?;
                    f(rowid, &SqlRow { row, skip: 1 });
                    k += 1;
                    if k % CHECK_EVERY == 0 && started.elapsed() > self.budget && rowid < to {
                        stopped_at = Some(rowid);
                        break;
                    }
                }
                // Dropping `rows` resets the statement: the read lock is released here.
            }
            let took = started.elapsed();
            match stopped_at {
                // Time ran out while rows kept coming: carry on after the last one.
                Some(r) => from = r,
                None => {
                    from = to;
                    if took < self.budget / 4 {
                        span = span.saturating_mul(2).min(MAX_SPAN);
                    } else if took > self.budget {
                        span = (span / 2).max(MIN_SPAN);
                    }
                }
            }
        }
        Ok(())
    }
}

impl SqliteConn {
    /// Runs a keyset query in steps of at most [`BUDGET`]: `sql` takes `fixed` and then
    /// the key it continues after as its last two parameters (`(a, b) > (?, ?)`), orders its
    /// rows by that key, and has the key in columns `key.0` and `key.1`.
    pub(super) fn stepped(
        &mut self,
        sql: &str,
        fixed: &[Arg],
        start: (i64, i64),
        key: (usize, usize),
        f: &mut dyn FnMut(&dyn Row),
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        let n = fixed.len();
        for (i, a) in fixed.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, a).map_err(err)?;
        }
        let mut after = start;
        loop {
            stmt.raw_bind_parameter(n + 1, after.0).map_err(err)?;
            stmt.raw_bind_parameter(n + 2, after.1).map_err(err)?;
            let started = Instant::now();
            let _turn = self.gate.enter();
            let mut rows = stmt.raw_query();
            let mut k = 0u32;
            loop {
                let Some(row) = rows.next().map_err(err)? else {
                    return Ok(());
                };
                let at = (
                    row.get::<_, i64>(key.0).map_err(err)?,
                    row.get::<_, i64>(key.1).map_err(err)?,
                );
                f(&SqlRow { row, skip: 0 });
                k += 1;
                if k % CHECK_EVERY == 0 && started.elapsed() > self.budget {
                    after = at;
                    break;
                }
            }
        }
    }
}

impl Conn for SqliteConn {
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Row),
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| sql_error(&path, e);
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        for (i, a) in args.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, a).map_err(err)?;
        }
        let _turn = self.gate.enter();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(err)? {
            f(&SqlRow { row, skip: 0 });
        }
        Ok(())
    }

    fn scan(&mut self, scan: &Scan<'_>, f: &mut dyn FnMut(&dyn Row)) -> Result<(), StoreError> {
        if self.info.no_rowid.contains(scan.table) {
            return self.query(&scan.sql(), scan.args, f);
        }
        match self.rowid_span(scan.table)? {
            Some((lo, hi)) => self.scan_range(scan, lo.saturating_sub(1), hi, &mut |_, row| f(row)),
            None => Ok(()),
        }
    }
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
