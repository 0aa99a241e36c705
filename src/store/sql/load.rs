//! Loading runs: the `runs` rows, then params, tags, latest metric values and dataset inputs
//! (`fill.rs`), then (for full summaries) min, max and count of every metric — on a
//! follower's first load, after the runs were sent. Most of a store is read by scanning
//! whole tables; a few runs by looking them up.

use std::collections::HashMap;

use super::narrow::Narrowing;
use super::{Arg, Backend, Cells, Conn, Extremes, Scan, SqlStore, Warnings, at};
use crate::model::TAG_RUN_NAME;
use crate::model::{Lifecycle, MetricPoint, Run, RunStatus};
use crate::store::{RunBatch, StoreError, Summaries};

/// How many runs (the newest) are shown first when an experiment chunk has more, so that
/// the first rows appear long before min, max and count are known (over a network, reading
/// min, max and count of a few hundred runs takes most of a second).
pub(crate) const FIRST_BATCH: usize = 256;

/// Experiments whose runs are read in one go (their ids go into the SQL text).
pub(crate) const EXPERIMENT_CHUNK: usize = 500;

/// Runs of one load and what was wrong with some of their rows.
pub(crate) struct Loaded {
    pub runs: Vec<Run>,
    pub warnings: Warnings,
    /// Min, max and count of runs already sent with their latest values (see
    /// [`SqlStore::load_chunk`]'s `late`), per run id.
    pub late: Vec<(String, super::RunExtremes)>,
}

impl Loaded {
    /// The late summaries, taken out as a batch carries them.
    pub fn take_late_summaries(&mut self) -> Vec<crate::store::LateSummaries> {
        std::mem::take(&mut self.late)
            .into_iter()
            .map(|(run_id, keys)| crate::store::LateSummaries {
                run_id,
                metrics: keys.into_iter().map(|(k, e)| (k, e.extent())).collect(),
            })
            .collect()
    }
}

/// Which rows of a table belong to the wanted runs.
pub(super) enum Source<'a> {
    /// The whole table; rows of other runs are dropped while reading.
    All,
    /// Rows whose run is in this subquery on `runs r` (servers).
    Subquery(&'a str, &'a [Arg]),
    /// Rows of these runs, looked up by `run_uuid`.
    Ids(&'a [String]),
}

/// The condition on `runs` (alias `alias`) selecting the runs of `experiments` (integer ids,
/// written into the SQL text) narrowed by `narrow`, and the narrowing's arguments.
pub(super) fn runs_of(
    experiments: &[i64],
    narrow: Option<&Narrowing>,
    alias: &str,
) -> (String, Vec<Arg>) {
    let list = experiments
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut cond = format!("{alias}.experiment_id IN ({list})");
    let mut args = Vec::new();
    if let Some(n) = narrow {
        cond.push_str(&format!(" AND {}", n.sql(alias)));
        args = n.args.clone();
    }
    (cond, args)
}

impl<B: Backend> SqlStore<B> {
    /// The runs of `experiments` (narrowed by `narrow` where the store can), delivered to
    /// `sink`: the newest few first when there are many, then all of them.
    pub(crate) fn load_experiments(
        &self,
        conn: &mut B::Conn,
        experiments: &[crate::model::Experiment],
        narrow: Option<&Narrowing>,
        summaries: Summaries,
        sink: &mut dyn FnMut(RunBatch),
    ) -> Result<(), StoreError> {
        // Experiment ids of SQL stores are integers; they go into the SQL text as such.
        let ids: Vec<i64> = experiments
            .iter()
            .filter_map(|e| e.experiment_id.parse().ok())
            .collect();
        for (n, chunk) in ids.chunks(EXPERIMENT_CHUNK).enumerate() {
            if n == 0 && summaries == Summaries::Full {
                self.send_preview(conn, chunk, narrow, sink)?;
            }
            let loaded = self.load_chunk(conn, chunk, narrow, summaries, false, None, sink)?;
            sink(RunBatch {
                summaries: Vec::new(),
                runs: loaded.runs,
                warnings: loaded.warnings.finish(&self.backend.location()),
            });
        }
        Ok(())
    }

    /// The runs of a chunk of experiments. `upto`: see
    /// [`Backend::bulk_extremes`]. `late`: when min, max and count come from a scan of
    /// every logged point ([`Backend::bulk_extremes`]), every run goes to `sink` with its
    /// latest values before that scan, and the scan's results come back in
    /// [`Loaded::late`] (the returned runs are then empty).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn load_chunk(
        &self,
        conn: &mut B::Conn,
        experiments: &[i64],
        narrow: Option<&Narrowing>,
        summaries: Summaries,
        late: bool,
        upto: Option<i64>,
        sink: &mut dyn FnMut(RunBatch),
    ) -> Result<Loaded, StoreError> {
        let (runs_cond, args) = runs_of(experiments, narrow, "t");
        let (r_cond, _) = runs_of(experiments, narrow, "r");
        let sub = format!("SELECT r.run_uuid FROM runs r WHERE {r_cond}");
        let mut warnings = Warnings::default();
        let mut runs = self.runs_rows(conn, &runs_cond, &args, &mut warnings)?;

        let by_id = index(&runs);
        let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
        let source = if B::DIALECT.subqueries_in_scans() {
            Source::Subquery(&sub, &args)
        } else {
            // Looking a few runs up beats reading whole tables.
            let total = B::runs_estimate(&self.backend, conn)?.unwrap_or(usize::MAX);
            if runs.len().saturating_mul(3) >= total {
                Source::All
            } else {
                Source::Ids(&ids)
            }
        };
        self.fill(conn, &mut runs, &by_id, &source, &mut warnings)?;
        if late
            && B::BULK_EXTREMES
            && matches!(source, Source::All)
            && summaries == Summaries::Full
            && self.schema.has_table("latest_metrics")
        {
            finish(&mut runs);
            sink(RunBatch {
                runs: std::mem::take(&mut runs),
                warnings: Vec::new(),
                summaries: Vec::new(),
            });
            let parts = B::bulk_extremes(self, &by_id, upto, &mut warnings)?.unwrap_or_default();
            let late = parts
                .into_iter()
                .zip(ids)
                .filter(|(keys, _)| !keys.is_empty())
                .map(|(keys, id)| (id, keys))
                .collect();
            return Ok(Loaded {
                runs,
                warnings,
                late,
            });
        }
        if summaries == Summaries::Full && self.schema.has_table("latest_metrics") {
            let bulk = match source {
                Source::All => B::bulk_extremes(self, &by_id, upto, &mut warnings)?,
                _ => None,
            };
            match (bulk, &source) {
                (Some(parts), _) => {
                    for (i, keys) in parts.into_iter().enumerate() {
                        for (key, e) in keys {
                            if let Some(sum) = runs[i].metrics.get_mut(key.as_ref()) {
                                e.merge_into(sum);
                            }
                        }
                    }
                }
                (None, Source::Subquery(sub, args)) => {
                    let found =
                        self.grouped_extremes(conn, &RunFilter::Sub(sub, args), &mut warnings)?;
                    apply_extremes(&mut runs, &by_id, found);
                }
                (None, _) => {
                    for chunk in ids.chunks(B::DIALECT.batch()) {
                        let found = B::run_extremes(self, conn, chunk, upto, &mut warnings)?;
                        apply_extremes(&mut runs, &by_id, found);
                    }
                }
            }
        }
        finish(&mut runs);
        Ok(Loaded {
            runs,
            warnings,
            late: Vec::new(),
        })
    }

    /// These runs (any number), looked up by id.
    pub(crate) fn load_ids(
        &self,
        conn: &mut B::Conn,
        ids: &[String],
        summaries: Summaries,
        upto: Option<i64>,
    ) -> Result<(Vec<Run>, Warnings), StoreError> {
        let mut warnings = Warnings::default();
        let mut runs = Vec::new();
        for chunk in ids.chunks(B::DIALECT.batch()) {
            let marks = vec!["?"; chunk.len()].join(",");
            let args: Vec<Arg> = chunk.iter().map(|id| Arg::Text(id.clone())).collect();
            let mut part = self.runs_rows(
                conn,
                &format!("t.run_uuid IN ({marks})"),
                &args,
                &mut warnings,
            )?;
            let by_id = index(&part);
            self.fill(conn, &mut part, &by_id, &Source::Ids(chunk), &mut warnings)?;
            if summaries == Summaries::Full && self.schema.has_table("latest_metrics") {
                let found = B::run_extremes(self, conn, chunk, upto, &mut warnings)?;
                apply_extremes(&mut part, &by_id, found);
            }
            finish(&mut part);
            runs.extend(part);
        }
        Ok((runs, warnings))
    }

    /// The `runs` rows matching `cond` (on alias `t`).
    fn runs_rows(
        &self,
        conn: &mut B::Conn,
        cond: &str,
        args: &[Arg],
        warnings: &mut Warnings,
    ) -> Result<Vec<Run>, StoreError> {
        let s = &self.schema;
        let cols = format!(
            "t.run_uuid, {}, t.experiment_id, t.status, {}, {}, t.start_time, {}, {}",
            s.col("runs", "t", "name"),
            s.col("runs", "t", "lifecycle_stage"),
            s.col("runs", "t", "user_id"),
            s.col("runs", "t", "end_time"),
            s.col("runs", "t", "artifact_uri"),
        );
        let scan = Scan {
            cond: Some(cond),
            args,
            ..Scan::new("runs", &cols)
        };
        let loc = self.backend.location();
        let mut runs = Vec::new();
        conn.scan(&scan, &mut |row| {
            let mut c = Cells::new(row);
            let run = run_from_row(&mut c);
            let id = match &run {
                Ok(r) => Some(r.run_id.clone()),
                Err(_) => None,
            };
            warnings.row("runs", || at(&loc, "runs", "run", id.as_deref(), None), &c);
            match run {
                Ok(r) => runs.push(r),
                Err(Some(message)) => warnings.push(
                    "runs: unknown status",
                    at(&loc, "runs", "run", id.as_deref(), None),
                    message,
                ),
                Err(None) => {}
            }
        })?;
        Ok(runs)
    }

    /// Min, max and count per metric of a few runs, by the database's own aggregate.
    pub(crate) fn grouped_extremes(
        &self,
        conn: &mut B::Conn,
        runs: &RunFilter<'_>,
        warnings: &mut Warnings,
    ) -> Result<HashMap<(String, String), Extremes>, StoreError> {
        let mut out = HashMap::new();
        if !self.schema.has_table("metrics") {
            return Ok(out);
        }
        let (cond, args): (String, Vec<Arg>) = match runs {
            RunFilter::Ids([]) => return Ok(out),
            RunFilter::Ids(ids) => (
                vec!["?"; ids.len()].join(","),
                ids.iter().map(|id| Arg::Text(id.clone())).collect(),
            ),
            RunFilter::Sub(sub, args) => (sub.to_string(), args.to_vec()),
        };
        let nan = nan_test(&self.schema, "metrics");
        let sql = format!(
            "SELECT t.run_uuid, t.\"key\", MIN(CASE WHEN {nan} THEN NULL ELSE t.value END), \
             MAX(CASE WHEN {nan} THEN NULL ELSE t.value END), COUNT(*) FROM metrics t \
             WHERE t.run_uuid IN ({cond}) GROUP BY t.run_uuid, t.\"key\""
        );
        let loc = self.backend.location();
        conn.query(&sql, &args, &mut |row| {
            let mut c = Cells::new(row);
            let id = c.name(0, "run_uuid");
            let key = c.name(1, "key");
            let e = Extremes {
                min: c.real(2, "min"),
                max: c.real(3, "max"),
                count: c.int(4, "count").unwrap_or(0).max(0) as u64,
            };
            warnings.row(
                "metrics",
                || at(&loc, "metrics", "run", id.as_deref(), key.as_deref()),
                &c,
            );
            if let (Some(id), Some(key)) = (id, key) {
                out.insert((id, key), e);
            }
        })?;
        Ok(out)
    }
}

/// The runs an aggregate covers.
pub(crate) enum RunFilter<'a> {
    Ids(&'a [String]),
    /// A subquery on `runs r` and its arguments.
    Sub(&'a str, &'a [Arg]),
}

/// `is_nan` of `table` (alias `t`) as a condition.
pub(crate) fn nan_test(schema: &super::Schema, table: &str) -> String {
    if schema.has_column(table, "is_nan") {
        "t.is_nan".into()
    } else {
        "1 = 0".into()
    }
}

fn index(runs: &[Run]) -> HashMap<String, usize> {
    runs.iter()
        .enumerate()
        .map(|(i, r)| (r.run_id.clone(), i))
        .collect()
}

fn apply_extremes(
    runs: &mut [Run],
    by_id: &HashMap<String, usize>,
    found: HashMap<(String, String), Extremes>,
) {
    for ((id, key), e) in found {
        if let Some(sum) = by_id
            .get(&id)
            .and_then(|&i| runs[i].metrics.get_mut(key.as_str()))
        {
            e.set(sum);
        }
    }
}

/// Names from tags and a stable dataset order.
fn finish(runs: &mut [Run]) {
    for run in runs {
        if run.run_name.is_empty() {
            if let Some(name) = run.tags.get(TAG_RUN_NAME) {
                run.run_name = name.to_string();
            }
        }
        run.datasets
            .sort_by(|a, b| (&a.name, &a.digest).cmp(&(&b.name, &b.digest)));
    }
}

/// A run from `run_uuid, name, experiment_id, status, lifecycle_stage, user_id, start_time,
/// end_time, artifact_uri`. `Err(None)`: no usable id (the problem is in `c`);
/// `Err(Some(message))`: a status MLflow does not know.
fn run_from_row(c: &mut Cells<'_>) -> Result<Run, Option<String>> {
    let run_id = c.name(0, "run_uuid").ok_or(None)?;
    let status_text = c.text(3, "status").unwrap_or_default();
    let status = if status_text.is_empty() {
        RunStatus::Running
    } else {
        RunStatus::from_name(&status_text).ok_or_else(|| {
            Some(format!(
                "unknown status {:?}; the run is left out",
                status_text.chars().take(40).collect::<String>()
            ))
        })?
    };
    Ok(Run {
        run_id,
        run_name: c.text(1, "name").unwrap_or_default(),
        experiment_id: c.name(2, "experiment_id").unwrap_or_default(),
        status,
        lifecycle: Lifecycle::parse(&c.text(4, "lifecycle_stage").unwrap_or_default()),
        user_id: c.text(5, "user_id").unwrap_or_default(),
        start_time: c.int(6, "start_time"),
        end_time: c.int(7, "end_time"),
        artifact_uri: c.text(8, "artifact_uri").unwrap_or_default(),
        params: Default::default(),
        tags: Default::default(),
        metrics: Default::default(),
        datasets: Vec::new(),
        aggregates: Default::default(),
    })
}

/// A point from `step, timestamp, value, is_nan` at column `at`; `None` when the value is
/// unreadable (a bad step or timestamp reads as 0).
pub(crate) fn point(c: &mut Cells<'_>, at: usize) -> Option<MetricPoint> {
    let step = c.int(at, "step").unwrap_or(0);
    let timestamp = c.int(at + 1, "timestamp").unwrap_or(0);
    let nan = c.flag(at + 3, "is_nan");
    let value = if nan {
        // MLflow stores 0 for NaN; whatever is there does not matter.
        f64::NAN
    } else {
        let before = c.problems.len();
        match c.real(at + 2, "value") {
            Some(v) => super::extremes::unclamp(v),
            None if c.problems.len() == before => f64::NAN,
            None => return None,
        }
    };
    Some(MetricPoint {
        step,
        timestamp,
        value,
    })
}
