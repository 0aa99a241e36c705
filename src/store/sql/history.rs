//! Metric histories: every point of one metric of one run, as one query (servers; SQLite
//! reads them in short keyset steps instead, `sqlite_metrics.rs`), and samples for charts,
//! which a server makes itself for long histories (min and max per step bucket) rather than
//! send millions of points. A point whose value cannot be read is left out; the runs load
//! warns about it.

use super::load::{nan_test, point};
use super::{Arg, Backend, Cells, SqlStore};
use crate::model::MetricPoint;
use crate::store::StoreError;

impl<B: Backend> SqlStore<B> {
    /// `step, timestamp, value, is_nan` of metrics table `t`.
    pub(crate) fn point_cols(&self) -> String {
        format!(
            "t.step, t.\"timestamp\", t.value, {}",
            self.schema.is_nan("metrics", "t")
        )
    }

    /// Every point of `key` of `run_id` in one statement.
    pub(crate) fn history_query(
        &self,
        conn: &mut B::Conn,
        run_id: &str,
        key: &str,
    ) -> Result<Vec<MetricPoint>, StoreError> {
        let sql = format!(
            "SELECT {} FROM metrics t WHERE t.run_uuid = ? AND t.\"key\" = ?",
            self.point_cols()
        );
        let args = [Arg::Text(run_id.into()), Arg::Text(key.into())];
        let mut points = Vec::new();
        use super::Conn;
        // A point whose value cannot be read is left out (the runs load warns about it).
        conn.query(&sql, &args, &mut |row| {
            points.extend(point(&mut Cells::new(row), 0))
        })?;
        Ok(points)
    }

    /// Points of `key` of `run_id` (within `steps`) for drawing at most about `max_points`:
    /// every point when there are not many more, else for each of `max_points / 2` step
    /// buckets its smallest and largest value (at the bucket's first and last step), so that
    /// the curve keeps its envelope.
    pub(crate) fn chart_sample(
        &self,
        conn: &mut B::Conn,
        run_id: &str,
        key: &str,
        max_points: usize,
        steps: Option<(i64, i64)>,
    ) -> Result<Vec<MetricPoint>, StoreError> {
        use super::Conn;
        let mut cond = "t.run_uuid = ? AND t.\"key\" = ?".to_string();
        let mut args = vec![Arg::Text(run_id.into()), Arg::Text(key.into())];
        if let Some((lo, hi)) = steps {
            cond.push_str(" AND t.step >= ? AND t.step <= ?");
            args.extend([Arg::Int(lo), Arg::Int(hi)]);
        }
        let mut shape = None;
        conn.query(
            &format!("SELECT COUNT(*), MIN(t.step), MAX(t.step) FROM metrics t WHERE {cond}"),
            &args,
            &mut |row| {
                let mut c = Cells::new(row);
                shape = Some((
                    c.int(0, "count").unwrap_or(0),
                    c.int(1, "step"),
                    c.int(2, "step"),
                ));
            },
        )?;
        let (Some((n, Some(lo), Some(hi))), buckets) = (shape, (max_points / 2).max(1)) else {
            return Ok(Vec::new());
        };
        let mut points = Vec::new();
        if n as usize <= 2 * max_points || hi == lo {
            let sql = format!("SELECT {} FROM metrics t WHERE {cond}", self.point_cols());
            conn.query(&sql, &args, &mut |row| {
                points.extend(point(&mut Cells::new(row), 0))
            })?;
            points.sort_by_key(|p| (p.step, p.timestamp));
            return Ok(points);
        }
        let nan = nan_test(&self.schema, "metrics");
        let width = (hi - lo + 1) as f64 / buckets as f64;
        let value = format!("CASE WHEN {nan} THEN NULL ELSE t.value END");
        let sql = format!(
            "SELECT MIN(t.step), MIN(t.\"timestamp\"), MIN({value}), MAX(t.step), \
             MAX(t.\"timestamp\"), MAX({value}) FROM metrics t WHERE {cond} \
             GROUP BY FLOOR((t.step - {lo}) / {width:?})"
        );
        conn.query(&sql, &args, &mut |row| {
            let mut c = Cells::new(row);
            let first = (c.int(0, "step"), c.int(1, "timestamp"), c.real(2, "value"));
            let last = (c.int(3, "step"), c.int(4, "timestamp"), c.real(5, "value"));
            for (step, timestamp, value) in [first, last] {
                points.push(MetricPoint {
                    step: step.unwrap_or(0),
                    timestamp: timestamp.unwrap_or(0),
                    value: value.map_or(f64::NAN, super::extremes::unclamp),
                });
            }
        })?;
        points.sort_by_key(|p| (p.step, p.timestamp));
        Ok(points)
    }
}
