//! Keeping a running run's metric min, max and count current on a database server without
//! aggregating its whole history on every refresh: the points logged since are the ones at
//! or after the highest step counted so far (found through MLflow's `(run_uuid, key, step)`
//! index). Points logged later at a lower step are missed until the next full refresh.

use std::collections::HashMap;

use super::load::nan_test;
use super::{Arg, Backend, Cells, Conn, Extremes, SqlStore, Warnings, at};
use crate::store::StoreError;

/// Where the counted points of a metric end: its highest step, and how many points were
/// counted at that step.
pub(crate) type StepMark = (i64, u64);

impl<B: Backend> SqlStore<B> {
    /// Extremes and step marks of every metric of `run`, from all its points.
    pub(crate) fn key_extremes(
        &self,
        conn: &mut B::Conn,
        run: &str,
        warnings: &mut Warnings,
    ) -> Result<HashMap<String, (Extremes, StepMark)>, StoreError> {
        let mut out: HashMap<String, (Extremes, StepMark)> = HashMap::new();
        if !self.schema.has_table("metrics") {
            return Ok(out);
        }
        let nan = nan_test(&self.schema, "metrics");
        let sql = format!(
            "SELECT t.\"key\", MIN(CASE WHEN {nan} THEN NULL ELSE t.value END), \
             MAX(CASE WHEN {nan} THEN NULL ELSE t.value END), COUNT(*), MAX(t.step) \
             FROM metrics t WHERE t.run_uuid = ? GROUP BY t.\"key\""
        );
        let loc = self.backend.location();
        conn.query(&sql, &[Arg::Text(run.into())], &mut |row| {
            let mut c = Cells::new(row);
            let key = c.name(0, "key");
            let e = Extremes {
                min: c.real(1, "min"),
                max: c.real(2, "max"),
                count: c.int(3, "count").unwrap_or(0).max(0) as u64,
            };
            let top = c.int(4, "step").unwrap_or(0);
            warnings.row(
                "metrics",
                || at(&loc, "metrics", "run", Some(run), key.as_deref()),
                &c,
            );
            if let Some(key) = key {
                out.insert(key, (e, (top, 0)));
            }
        })?;
        if out.is_empty() {
            return Ok(out);
        }
        // How many points sit at each top step.
        let mut args = vec![Arg::Text(run.into())];
        let mut conds = Vec::new();
        for (key, (_, (top, _))) in &out {
            conds.push("(t.\"key\" = ? AND t.step = ?)");
            args.push(Arg::Text(key.clone()));
            args.push(Arg::Int(*top));
        }
        let sql = format!(
            "SELECT t.\"key\", COUNT(*) FROM metrics t WHERE t.run_uuid = ? AND ({}) \
             GROUP BY t.\"key\"",
            conds.join(" OR ")
        );
        conn.query(&sql, &args, &mut |row| {
            let mut c = Cells::new(row);
            if let (Some(key), Some(n)) = (c.name(0, "key"), c.int(1, "count")) {
                if let Some((_, mark)) = out.get_mut(&key) {
                    mark.1 = n.max(0) as u64;
                }
            }
        })?;
        Ok(out)
    }

    /// Adds the points of `run` at or after its marks to `extremes` and moves the marks.
    pub(crate) fn step_tail(
        &self,
        conn: &mut B::Conn,
        run: &str,
        marks: &mut HashMap<String, StepMark>,
        extremes: &mut HashMap<String, Extremes>,
        warnings: &mut Warnings,
    ) -> Result<(), StoreError> {
        if marks.is_empty() {
            return Ok(());
        }
        let mut args = vec![Arg::Text(run.into())];
        let mut conds = Vec::new();
        for (key, (step, _)) in marks.iter() {
            conds.push("(t.\"key\" = ? AND t.step >= ?)");
            args.push(Arg::Text(key.clone()));
            args.push(Arg::Int(*step));
        }
        let sql = format!(
            "SELECT t.\"key\", t.step, t.value, {} FROM metrics t WHERE t.run_uuid = ? AND ({})",
            self.schema.is_nan("metrics", "t"),
            conds.join(" OR ")
        );
        let loc = self.backend.location();
        let mut rows: HashMap<String, Vec<(i64, Option<f64>)>> = HashMap::new();
        conn.query(&sql, &args, &mut |row| {
            let mut c = Cells::new(row);
            let key = c.name(0, "key");
            let step = c.int(1, "step").unwrap_or(0);
            let nan = c.flag(3, "is_nan");
            let value = if nan { None } else { c.real(2, "value") };
            warnings.row(
                "metrics",
                || at(&loc, "metrics", "run", Some(run), key.as_deref()),
                &c,
            );
            if let Some(key) = key {
                rows.entry(key).or_default().push((step, value));
            }
        })?;
        for (key, points) in rows {
            let (Some(mark), Some(e)) = (marks.get_mut(&key), extremes.get_mut(&key)) else {
                continue;
            };
            let (step, counted) = *mark;
            let at_mark = points.iter().filter(|(s, _)| *s == step).count() as u64;
            let beyond = points.iter().filter(|(s, _)| *s > step).count() as u64;
            // Points counted before are among these: min and max do not mind them twice.
            let mut part = Extremes::default();
            for (_, v) in &points {
                part.add(*v);
            }
            part.count = beyond + at_mark.saturating_sub(counted);
            e.combine(part);
            let top = points
                .iter()
                .map(|(s, _)| *s)
                .max()
                .unwrap_or(step)
                .max(step);
            let at_top = points.iter().filter(|(s, _)| *s == top).count() as u64;
            *mark = (top, at_top.max(if top == step { counted } else { 0 }));
        }
        Ok(())
    }
}
