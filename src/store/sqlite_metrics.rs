//! The `metrics` table of SQLite, read in short statements: min, max and count of most runs
//! by scanning rowid ranges on parallel connections; of a few runs, and their histories, by
//! walking MLflow's indexes in bounded steps; and the rows added since a rowid, for followers.

use std::collections::HashMap;

use super::StoreError;
use super::sql::load::point;
use super::sql::{Arg, Backend, Cells, Extremes, Row, RunExtremes, Scan, SqlStore, Warnings, at};
use super::sqlite::{Sqlite, SqliteConn};
use super::sqlite_read::{in_rowid_ranges, merge_ranges};
use crate::model::MetricPoint;

/// `run_uuid, key, value, is_nan` of metrics `t`.
fn extremes_cols(store: &SqlStore<Sqlite>) -> String {
    format!(
        "t.run_uuid, t.\"key\", t.value, {}",
        store.schema.is_nan("metrics", "t")
    )
}

/// Reads `run_uuid, key, value, is_nan`: the run and key (when readable) and the value
/// (`None` for NaN, and for an unreadable value, which is also a warning).
fn decode(
    row: &dyn Row,
    loc: &str,
    warnings: &mut Warnings,
) -> Option<(String, String, Option<f64>)> {
    let mut c = Cells::new(row);
    let run = c.name(0, "run_uuid");
    let key = c.name(1, "key");
    let nan = c.flag(3, "is_nan");
    let value = if nan { None } else { c.real(2, "value") };
    warnings.row(
        "metrics",
        || at(loc, "metrics", "run", run.as_deref(), key.as_deref()),
        &c,
    );
    Some((run?, key?, value))
}

/// Min, max and count per metric of the runs in `by_id` (indexed like its values), from the
/// `metrics` rows with rowids up to `upto` (default: all now), scanned in parallel rowid
/// ranges.
pub(super) fn bulk_extremes(
    store: &SqlStore<Sqlite>,
    by_id: &HashMap<String, usize>,
    upto: Option<i64>,
    warnings: &mut Warnings,
) -> Result<Vec<RunExtremes>, StoreError> {
    let none = || vec![Vec::new(); by_id.len()];
    if !store.schema.has_table("metrics") {
        return Ok(none());
    }
    let mut conn = store.backend.connect()?;
    let Some((lo, hi)) = conn.rowid_span("metrics")? else {
        return Ok(none());
    };
    let hi = upto.map_or(hi, |u| u.min(hi));
    let cols = extremes_cols(store);
    let loc = store.backend.location();
    let parts = in_rowid_ranges(lo, hi, |after, upto| {
        scan_part(store, &cols, &loc, after, upto, by_id)
    });
    let out = merge_ranges(parts, warnings, Vec::is_empty, |acc, keys| {
        for (key, e) in keys {
            match acc.iter_mut().find(|(k, _)| *k == key) {
                Some((_, a)) => a.combine(e),
                None => acc.push((key, e)),
            }
        }
    })?;
    Ok(out.unwrap_or_else(none))
}

/// `run_uuid, key, value, is_nan` when every cell is what MLflow writes (no copies).
fn fast(row: &dyn Row) -> Option<(&str, &str, Option<f64>)> {
    use super::sql::Cell;
    let (Cell::Text(run), Cell::Text(key)) = (row.cell(0), row.cell(1)) else {
        return None;
    };
    let nan = match row.cell(3) {
        Cell::Int(v) => v != 0,
        _ => return None,
    };
    let value = match row.cell(2) {
        Cell::Real(v) => v,
        Cell::Int(v) => v as f64,
        _ => return None,
    };
    Some((
        std::str::from_utf8(run).ok()?,
        std::str::from_utf8(key).ok()?,
        (!nan).then_some(value),
    ))
}

fn add(keys: &mut RunExtremes, key: &str, value: Option<f64>) {
    match keys.iter_mut().find(|(k, _)| k.as_str() == key) {
        Some((_, e)) => e.add(value),
        None => {
            let mut e = Extremes::default();
            e.add(value);
            keys.push((key.into(), e));
        }
    }
}

/// One range of [`bulk_extremes`], on a connection of its own.
fn scan_part(
    store: &SqlStore<Sqlite>,
    cols: &str,
    loc: &str,
    after: i64,
    upto: i64,
    by_id: &HashMap<String, usize>,
) -> Result<(Vec<RunExtremes>, Warnings), StoreError> {
    let mut conn = store.backend.connect()?;
    let mut out: Vec<RunExtremes> = vec![Vec::new(); by_id.len()];
    let mut warnings = Warnings::default();
    // Consecutive rows mostly belong to the same run: skip the lookup then.
    let mut last: Option<(String, usize)> = None;
    conn.scan_range(&Scan::new("metrics", cols), after, upto, &mut |_, row| {
        let (run, key, value): (&str, std::borrow::Cow<'_, str>, Option<f64>) = match fast(row) {
            Some((run, key, value)) => (run, key.into(), value),
            None => {
                // Something unusual: decode with warnings.
                let Some((run, key, value)) = decode(row, loc, &mut warnings) else {
                    return;
                };
                if let Some(&i) = by_id.get(&run) {
                    add(&mut out[i], &key, value);
                }
                return;
            }
        };
        let i = match &last {
            Some((id, i)) if id == run => *i,
            _ => match by_id.get(run) {
                Some(&i) => {
                    last = Some((run.to_string(), i));
                    i
                }
                None => return,
            },
        };
        add(&mut out[i], &key, value);
    })?;
    Ok((out, warnings))
}

/// The rows of one run (and key), walking the `metrics (run_uuid)` index in bounded rowid
/// ranges (or the whole table in ranges when there is no such index).
fn run_rows(
    conn: &mut SqliteConn,
    run: &str,
    key: Option<&str>,
    cols: &str,
    upto: Option<i64>,
    f: &mut dyn FnMut(&dyn Row),
) -> Result<(), StoreError> {
    let mut cond = "t.run_uuid = ?".to_string();
    let mut args = vec![Arg::Text(run.to_string())];
    if let Some(k) = key {
        cond.push_str(" AND t.\"key\" = ?");
        args.push(Arg::Text(k.to_string()));
    }
    let (join, span) = match conn.info.run_index.clone() {
        Some(index) => {
            // Where the run's rows are: two seeks in the index.
            let sql = format!(
                "SELECT (SELECT MIN(rowid) FROM metrics INDEXED BY \"{0}\" WHERE run_uuid = ?1), \
                 (SELECT MAX(rowid) FROM metrics INDEXED BY \"{0}\" WHERE run_uuid = ?1)",
                index.replace('"', "\"\"")
            );
            let mut span = None;
            use super::sql::Conn;
            conn.query(&sql, &args[..1], &mut |row| {
                if let (Ok(Some(lo)), Ok(Some(hi))) = (row.cell(0).int(), row.cell(1).int()) {
                    span = Some((lo, hi));
                }
            })?;
            (
                format!("INDEXED BY \"{}\"", index.replace('"', "\"\"")),
                span,
            )
        }
        None => (String::new(), conn.rowid_span("metrics")?),
    };
    let Some((lo, hi)) = span else {
        return Ok(());
    };
    let hi = upto.map_or(hi, |u| u.min(hi));
    let scan = Scan {
        join: &join,
        cond: Some(&cond),
        args: &args,
        ..Scan::new("metrics", cols)
    };
    conn.scan_range(&scan, lo.saturating_sub(1), hi, &mut |_, row| f(row))
}

/// Min, max and count per metric of a few runs.
pub(super) fn run_extremes(
    store: &SqlStore<Sqlite>,
    conn: &mut SqliteConn,
    ids: &[String],
    upto: Option<i64>,
    warnings: &mut Warnings,
) -> Result<HashMap<(String, String), Extremes>, StoreError> {
    let mut out: HashMap<(String, String), Extremes> = HashMap::new();
    if !store.schema.has_table("metrics") {
        return Ok(out);
    }
    let cols = extremes_cols(store);
    let loc = store.backend.location();
    for id in ids {
        let mut keys: HashMap<String, Extremes> = HashMap::new();
        run_rows(conn, id, None, &cols, upto, &mut |row| {
            let (key, value) = match fast(row) {
                Some((_, key, value)) => match keys.get_mut(key) {
                    Some(e) => return e.add(value),
                    None => (key.to_string(), value),
                },
                None => match decode(row, &loc, warnings) {
                    Some((_, key, value)) => (key, value),
                    None => return,
                },
            };
            keys.entry(key).or_default().add(value);
        })?;
        out.extend(keys.into_iter().map(|(k, e)| ((id.clone(), k), e)));
    }
    Ok(out)
}

/// Every point of `key` of `run`: along the `(run_uuid, key, step)` index in steps of a few
/// thousand rows when there is one, else along the run's rows.
pub(super) fn history(
    store: &SqlStore<Sqlite>,
    conn: &mut SqliteConn,
    run: &str,
    key: &str,
) -> Result<Vec<MetricPoint>, StoreError> {
    let mut points = Chunked::default();
    let Some(index) = conn.info.key_step_index.clone() else {
        let cols = store.point_cols();
        run_rows(conn, run, Some(key), &cols, None, &mut |row| {
            points.extend(point(&mut Cells::new(row), 0));
        })?;
        return Ok(points.into_vec());
    };
    let sql = format!(
        "SELECT t.step, t.rowid, t.\"timestamp\", t.value, {} FROM metrics t INDEXED BY \"{}\" \
         WHERE t.run_uuid = ? AND t.\"key\" = ? AND (t.step, t.rowid) > (?, ?) \
         ORDER BY t.step, t.rowid",
        store.schema.is_nan("metrics", "t"),
        index.replace('"', "\"\"")
    );
    let fixed = [Arg::Text(run.into()), Arg::Text(key.into())];
    conn.stepped(&sql, &fixed, (i64::MIN, i64::MIN), (0, 1), &mut |row| {
        // Columns: step, rowid, timestamp, value, is_nan → a point without the rowid.
        points.extend(point(&mut Cells::new(&ShiftedPoint(row)), 0));
    })?;
    Ok(points.into_vec())
}

/// Points gathered in fixed-size chunks: growing one big vector (copying it, touching new
/// memory) while a statement holds the read lock would hold it for tens of milliseconds.
#[derive(Default)]
struct Chunked {
    done: Vec<Vec<MetricPoint>>,
    open: Vec<MetricPoint>,
}

impl Chunked {
    const SIZE: usize = 1 << 14;

    fn extend(&mut self, p: Option<MetricPoint>) {
        let Some(p) = p else { return };
        if self.open.len() == self.open.capacity() {
            let full = std::mem::replace(&mut self.open, Vec::with_capacity(Self::SIZE));
            if !full.is_empty() {
                self.done.push(full);
            }
        }
        self.open.push(p);
    }

    fn into_vec(mut self) -> Vec<MetricPoint> {
        self.done.push(self.open);
        self.done.concat()
    }
}

/// A history row seen as `step, timestamp, value, is_nan` (the rowid left out).
struct ShiftedPoint<'a>(&'a dyn Row);

impl Row for ShiftedPoint<'_> {
    fn cell(&self, i: usize) -> super::sql::Cell<'_> {
        self.0.cell(if i == 0 { 0 } else { i + 1 })
    }
}

/// The `metrics` rows after rowid `after` (new points), as `(run, key, value)`; returns the
/// highest rowid now (lower than `after` when rows were deleted).
pub(super) fn tail(
    store: &SqlStore<Sqlite>,
    conn: &mut SqliteConn,
    after: i64,
    f: &mut dyn FnMut(&str, &str, Option<f64>),
    warnings: &mut Warnings,
) -> Result<i64, StoreError> {
    let Some((_, hi)) = conn.rowid_span("metrics")? else {
        return Ok(0);
    };
    if hi <= after {
        return Ok(hi);
    }
    let cols = extremes_cols(store);
    let loc = store.backend.location();
    conn.scan_range(&Scan::new("metrics", &cols), after, hi, &mut |_, row| {
        if let Some((run, key, value)) = decode(row, &loc, warnings) {
            f(&run, &key, value);
        }
    })?;
    Ok(hi)
}
