//! Whole `params` and `tags` tables of SQLite, read on every core: rowid ranges scanned on
//! connections of their own, each building the key-value maps of the runs it meets.

use std::collections::HashMap;

use crate::model::{KeyMap, Text};

use super::StoreError;
use super::sql::fill::key_value_row;
use super::sql::{Backend, Cell, Row, Scan, SqlStore, Warnings};
use super::sqlite::Sqlite;
use super::sqlite_read::{in_rowid_ranges, merge_ranges};

/// Key-value maps of a table, one per run (indexed as the runs).
pub(super) type KeyValues = Vec<KeyMap<Text>>;

/// The `(run_uuid, key, value)` rows of `table` (`params` or `tags`) of the runs in `by_id`
/// (`runs` of them), as one map per run, read in parallel rowid ranges.
pub(super) fn bulk_key_values(
    store: &SqlStore<Sqlite>,
    table: &str,
    runs: usize,
    by_id: &HashMap<String, usize>,
    warnings: &mut Warnings,
) -> Result<KeyValues, StoreError> {
    let mut conn = store.backend.connect()?;
    let span = conn.rowid_span(table)?;
    store.backend.recycle(conn);
    let Some((lo, hi)) = span else {
        return Ok(vec![KeyMap::new(); runs]);
    };
    let loc = store.backend.location();
    let parts = in_rowid_ranges(lo, hi, |after, upto| {
        scan_part(store, table, &loc, after, upto, runs, by_id)
    });
    let out = merge_ranges(parts, warnings, KeyMap::is_empty, |map, more| {
        map.extend(more)
    })?;
    Ok(out.unwrap_or_else(|| vec![KeyMap::new(); runs]))
}

/// `run_uuid, key, value` when every cell is text, as MLflow writes them (no copies yet).
fn fast(row: &dyn Row) -> Option<(&str, &str, &str)> {
    let (Cell::Text(run), Cell::Text(key), Cell::Text(value)) =
        (row.cell(0), row.cell(1), row.cell(2))
    else {
        return None;
    };
    Some((
        std::str::from_utf8(run).ok()?,
        std::str::from_utf8(key).ok()?,
        std::str::from_utf8(value).ok()?,
    ))
}

/// One range of [`bulk_key_values`], on a connection of its own.
fn scan_part(
    store: &SqlStore<Sqlite>,
    table: &str,
    loc: &str,
    after: i64,
    upto: i64,
    runs: usize,
    by_id: &HashMap<String, usize>,
) -> Result<(KeyValues, Warnings), StoreError> {
    let mut conn = store.backend.connect()?;
    let mut out: KeyValues = vec![KeyMap::new(); runs];
    let mut warnings = Warnings::default();
    // Consecutive rows mostly belong to the same run: skip the lookup then.
    let mut last: Option<(String, usize)> = None;
    let scan = Scan::new(table, "t.run_uuid, t.\"key\", t.value");
    conn.scan_range(&scan, after, upto, &mut |_, row| {
        let Some((run, key, value)) = fast(row) else {
            // Something unusual (NULL, not UTF-8, a number): decoded with warnings, as the
            // one-statement reading does.
            if let Some((id, key, value)) = key_value_row(row, table, loc, &mut warnings)
                && let Some(&i) = by_id.get(&id)
            {
                out[i].insert(key.into(), value.into());
            }
            return;
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
        out[i].insert(key.into(), value.into());
    })?;
    store.backend.recycle(conn);
    Ok((out, warnings))
}
