//! Metric histories: every point of one metric of one run, as one query (servers; SQLite
//! reads them in short keyset steps instead, `sqlite_metrics.rs`). A point whose value cannot
//! be read is left out; the runs load warns about it.

use super::load::point;
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
}
