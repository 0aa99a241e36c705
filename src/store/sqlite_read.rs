//! Reading SQLite without keeping MLflow's writers waiting: every statement gives up after
//! [`BUDGET`] and the next carries on after the last row it delivered (rowid ranges,
//! keysets); statements of the threads of this process take turns in rounds ([`Gate`]);
//! a busy database is retried every millisecond.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::StoreError;
use super::sql::{Arg, Cell, Conn, Row, Scan, Warnings};
use super::sqlite::{SqliteConn, sql_error};

/// How long one statement may hold the read lock before it stops and lets writers in.
pub(super) const BUDGET: Duration = Duration::from_millis(5);
/// Rows between looks at the clock.
const CHECK_EVERY: u32 = 16;

/// The busy handler: retry every millisecond for [`BUSY_TIMEOUT`].
pub(super) fn busy(tries: i32) -> bool {
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
    pub(super) fn of(path: &Path) -> Arc<Gate> {
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
        // Where the next row is, over a gap in the rowids (experiment ids are rowids, and
        // MLflow's file store made them 18-digit random numbers).
        let mut seek = self
            .conn
            .prepare(&format!(
                "SELECT MIN(rowid) FROM {} WHERE rowid > ?1",
                scan.table
            ))
            .map_err(err)?;
        let mut from = after;
        let mut span = FIRST_SPAN;
        while from < upto {
            let to = from.saturating_add(span).min(upto);
            stmt.raw_bind_parameter(n + 1, from).map_err(err)?;
            stmt.raw_bind_parameter(n + 2, to).map_err(err)?;
            let started = Instant::now();
            let mut stopped_at = None;
            let mut seen = 0u32;
            {
                let _turn = self.gate.enter();
                let mut rows = stmt.raw_query();
                let mut k = 0u32;
                while let Some(row) = rows.next().map_err(err)? {
                    seen += 1;
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
            if seen == 0 && from < upto {
                let _turn = self.gate.enter();
                let next: Option<i64> = seek.query_row([from], |r| r.get(0)).map_err(err)?;
                match next {
                    Some(next) if next <= upto => from = from.max(next - 1),
                    _ => break,
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

/// `part` of each of a few rowid ranges that split `lo..=hi` (one per core, at most 4),
/// each on a thread of its own (it opens its own connection); results in range order.
pub(super) fn in_rowid_ranges<T: Send>(
    lo: i64,
    hi: i64,
    part: impl Fn(i64, i64) -> T + Sync,
) -> Vec<T> {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as i64;
    let span = (hi - lo) / n + 1;
    let ranges: Vec<(i64, i64)> = (0..n)
        .map(|k| (lo - 1 + k * span, (lo - 1 + (k + 1) * span).min(hi)))
        .filter(|(a, b)| a < b)
        .collect();
    let part = &part;
    std::thread::scope(|threads| {
        let workers: Vec<_> = ranges
            .iter()
            .map(|&(after, upto)| threads.spawn(move || part(after, upto)))
            .collect();
        workers
            .into_iter()
            .map(|w| match w.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// The per-run results of [`in_rowid_ranges`] parts as one: the first range's results take
/// in the others' run by run (a run's rows are mostly in one range: what another range has
/// of a run the first lacks moves over whole), so no run's results are held twice.
/// `None` when there were no ranges.
pub(super) fn merge_ranges<T>(
    parts: Vec<Result<(Vec<T>, Warnings), StoreError>>,
    warnings: &mut Warnings,
    is_empty: impl Fn(&T) -> bool,
    mut merge: impl FnMut(&mut T, T),
) -> Result<Option<Vec<T>>, StoreError> {
    let mut out: Option<Vec<T>> = None;
    for part in parts {
        let (part, w) = part?;
        warnings.extend(w);
        let Some(out) = out.as_mut() else {
            out = Some(part);
            continue;
        };
        for (acc, more) in out.iter_mut().zip(part) {
            if is_empty(acc) {
                *acc = more;
            } else {
                merge(acc, more);
            }
        }
    }
    Ok(out)
}
