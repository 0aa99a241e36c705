//! Metric summaries from SQLite: latest values from `latest_metrics`, and min, max and
//! point count from `metrics` — by an indexed query for a few runs, or for most runs by
//! scanning the table in rowid ranges on parallel read-only connections.

use std::collections::HashMap;

use rusqlite::Connection;

use super::StoreError;
use super::sqlite::{SqliteStore, connect, point_from_row, unclamp};
use crate::model::MetricSummary;

impl SqliteStore {
    /// Whether to scan the whole `metrics` table for min, max and count, and if so the
    /// rowid ranges to scan in parallel: when `latest_metrics` holds the latest values and
    /// the `wanted` runs are at least half of all runs.
    pub(super) fn scan_plan(
        &self,
        conn: &Connection,
        wanted: usize,
    ) -> Result<Option<Vec<(i64, i64)>>, StoreError> {
        let s = &self.schema;
        if wanted == 0 || !s.has_table("metrics") || !s.has_table("latest_metrics") {
            return Ok(None);
        }
        let total: i64 = conn
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .map_err(|e| self.sql_err(e))?;
        if (wanted as i64) * 2 < total {
            return Ok(None);
        }
        // A table without rowids (never made by MLflow) keeps the indexed path.
        let Ok((lo, hi)) = conn.query_row(
            // Two subqueries: each is a single b-tree seek, unlike MIN and MAX in one.
            "SELECT (SELECT MIN(rowid) FROM metrics), (SELECT MAX(rowid) FROM metrics)",
            [],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        ) else {
            return Ok(None);
        };
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(Some(Vec::new()));
        };
        let n = std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as i64;
        let span = (hi - lo) / n + 1;
        Ok(Some(
            (0..n)
                .map(|k| (lo + k * span, (lo + (k + 1) * span - 1).min(hi)))
                .filter(|(a, b)| a <= b)
                .collect(),
        ))
    }

    /// Min, max and count per metric of the runs in `by_id`, from the `metrics` rows with
    /// rowids in `lo..=hi`, on a connection of its own. Indexed like `by_id`'s values.
    pub(super) fn scan_extremes(
        &self,
        lo: i64,
        hi: i64,
        by_id: &HashMap<String, usize>,
    ) -> Result<Vec<RunExtremes>, StoreError> {
        let conn = connect(&self.path)?;
        let is_nan = if self.schema.has_column("metrics", "is_nan") {
            "is_nan"
        } else {
            "0"
        };
        let sql = format!(
            "SELECT run_uuid, key, value, {is_nan} FROM metrics WHERE rowid BETWEEN ?1 AND ?2"
        );
        let mut out: Vec<RunExtremes> = vec![Vec::new(); by_id.len()];
        // Consecutive rows mostly belong to the same run: skip the lookup then.
        let mut last: Option<(String, usize)> = None;
        let mut stmt = conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([lo, hi]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let mut fold = || -> rusqlite::Result<Option<(usize, &str, Option<f64>)>> {
                let id = row.get_ref(0)?.as_str()?;
                let i = match &last {
                    Some((last_id, i)) if last_id == id => *i,
                    _ => match by_id.get(id) {
                        Some(&i) => {
                            last = Some((id.to_string(), i));
                            i
                        }
                        None => return Ok(None),
                    },
                };
                let key = row.get_ref(1)?.as_str()?;
                let value: Option<f64> = row.get(2)?;
                let nan = row.get::<_, Option<i64>>(3)?.unwrap_or(0) != 0;
                Ok(Some((i, key, if nan { None } else { value })))
            };
            let Some((i, key, value)) = fold().map_err(|e| self.sql_err(e))? else {
                continue;
            };
            let keys = &mut out[i];
            let at = match keys.iter().position(|(k, _)| k.as_ref() == key) {
                Some(at) => at,
                None => {
                    keys.push((key.into(), Extremes::default()));
                    keys.len() - 1
                }
            };
            keys[at].1.add(value);
        }
        Ok(out)
    }

    /// Latest value from `latest_metrics`, with min, max and count from `metrics` unless
    /// `extremes` is false (they are scanned separately then).
    pub(super) fn metric_summaries(
        &self,
        conn: &Connection,
        sub: &str,
        args: &[String],
        extremes: bool,
    ) -> Result<HashMap<(String, String), MetricSummary>, StoreError> {
        let s = &self.schema;
        let mut out: HashMap<(String, String), MetricSummary> = HashMap::new();
        if !s.has_table("metrics") {
            return Ok(out);
        }
        let is_nan = if s.has_column("metrics", "is_nan") {
            "is_nan"
        } else {
            "0"
        };
        if !s.has_table("latest_metrics") {
            // Very old schemas: derive everything from the full history.
            let sql = format!(
                "SELECT run_uuid, key, step, timestamp, value, {is_nan} FROM metrics \
                 WHERE run_uuid IN ({sub}) ORDER BY rowid"
            );
            self.for_each_row(conn, &sql, args, |row| {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                let p = point_from_row(row, 2)?;
                match out.get_mut(&key) {
                    Some(sum) => sum.push(p),
                    None => {
                        out.insert(key, MetricSummary::from_point(p));
                    }
                }
                Ok(())
            })?;
            return Ok(out);
        }
        let lm_nan = if s.has_column("latest_metrics", "is_nan") {
            "is_nan"
        } else {
            "0"
        };
        let sql = format!(
            "SELECT run_uuid, key, step, timestamp, value, {lm_nan} FROM latest_metrics \
             WHERE run_uuid IN ({sub})"
        );
        self.for_each_row(conn, &sql, args, |row| {
            let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
            let p = point_from_row(row, 2)?;
            let mut summary = MetricSummary::from_point(p);
            summary.count = None;
            out.insert(key, summary);
            Ok(())
        })?;
        if !extremes {
            return Ok(out);
        }
        let sql = format!(
            "SELECT run_uuid, key, MIN(CASE WHEN {is_nan} THEN NULL ELSE value END), \
             MAX(CASE WHEN {is_nan} THEN NULL ELSE value END), COUNT(*) FROM metrics \
             WHERE run_uuid IN ({sub}) GROUP BY run_uuid, key"
        );
        self.for_each_row(conn, &sql, args, |row| {
            let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
            if let Some(sum) = out.get_mut(&key) {
                sum.min = row.get::<_, Option<f64>>(2)?.map_or(f64::NAN, unclamp);
                sum.max = row.get::<_, Option<f64>>(3)?.map_or(f64::NAN, unclamp);
                sum.count = row.get::<_, Option<i64>>(4)?.map(|c| c.max(0) as u64);
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// The extremes of one run's metrics, by key.
pub(super) type RunExtremes = Vec<(Box<str>, Extremes)>;

/// Min and max of the non-NaN values of one metric, and how many rows it has.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Extremes {
    min: Option<f64>,
    max: Option<f64>,
    count: u64,
}

impl Extremes {
    /// Adds one row: its value, or `None` for NaN (or NULL), which only counts.
    pub(super) fn add(&mut self, value: Option<f64>) {
        self.count += 1;
        if let Some(v) = value {
            self.min = Some(self.min.map_or(v, |m| m.min(v)));
            self.max = Some(self.max.map_or(v, |m| m.max(v)));
        }
    }

    /// Combines this part with what `sum` holds from other parts (or from its latest point
    /// only, when `count` is still unknown), as SQL's MIN, MAX and COUNT over all rows would.
    pub(super) fn merge_into(self, sum: &mut MetricSummary) {
        let (mut min, mut max, mut count) = match sum.count {
            Some(c) => (non_nan(sum.min), non_nan(sum.max), c),
            None => (None, None, 0),
        };
        min = match (min, self.min.map(unclamp)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        max = match (max, self.max.map(unclamp)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        count += self.count;
        sum.min = min.unwrap_or(f64::NAN);
        sum.max = max.unwrap_or(f64::NAN);
        sum.count = Some(count);
    }
}

fn non_nan(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}
