//! The SQLite backend (`mlflow.db`): read-only, one short statement at a time so that
//! MLflow's own writers are never kept waiting, with the schema checked rather than assumed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row, params_from_iter};

use crate::model::{
    DatasetInput, Experiment, Lifecycle, MetricPoint, Run, RunCount, RunStatus, TAG_RUN_NAME,
};

use super::{ExperimentList, RunBatch, RunQuery, Store, StoreError, Summaries, Warning};

/// A SQLite tracking database.
pub struct SqliteStore {
    pub(super) path: PathBuf,
    pub(super) schema: Schema,
}

/// Which optional tables and columns this database has (MLflow 1.x to 3.x differ).
#[derive(Debug, Default, Clone)]
pub(super) struct Schema {
    tables: HashSet<String>,
    columns: HashMap<String, HashSet<String>>,
}

impl Schema {
    pub(super) fn has_table(&self, t: &str) -> bool {
        self.tables.contains(t)
    }

    pub(super) fn has_column(&self, t: &str, c: &str) -> bool {
        self.columns.get(t).is_some_and(|cols| cols.contains(c))
    }

    /// `column` if the table has it, else `NULL` (for SELECT lists).
    pub(super) fn col_or_null(&self, table: &str, column: &str) -> String {
        if self.has_column(table, column) {
            column.to_string()
        } else {
            "NULL".to_string()
        }
    }
}

/// Which runs a load covers.
pub(super) enum RunScope<'a> {
    Experiments(&'a [String]),
    /// The runs of these experiments with their latest metric values only (no min, max
    /// or count, which need the whole metrics table).
    ExperimentsLatest(&'a [String]),
    /// These runs, with metric min, max and count left for a later full load (shown first
    /// while the rest loads).
    Preview(&'a [String]),
    One(&'a str),
    Ids(&'a [String]),
}

/// How many runs (the newest) are loaded first when an experiment chunk has many more, so
/// that the first rows show long before everything is read.
const FIRST_BATCH: usize = 256;

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = connect(path)?;
        let schema = read_schema(&conn, path)?;
        for required in ["experiments", "runs"] {
            if !schema.has_table(required) {
                return Err(StoreError::bad(
                    path,
                    format!("not an MLflow tracking database: it has no '{required}' table"),
                ));
            }
        }
        for col in ["run_uuid", "experiment_id", "status", "start_time"] {
            if !schema.has_column("runs", col) {
                return Err(StoreError::bad(
                    path,
                    format!("not an MLflow tracking database: table 'runs' has no '{col}' column"),
                ));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            schema,
        })
    }

    pub(super) fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        sql_error(&self.path, e)
    }

    pub(super) fn load_runs(
        &self,
        scope: RunScope<'_>,
    ) -> Result<(Vec<Run>, Vec<Warning>), StoreError> {
        let conn = connect(&self.path)?;
        let s = &self.schema;
        let (cond, args): (String, Vec<String>) = match scope {
            RunScope::Experiments(ids) | RunScope::ExperimentsLatest(ids) => {
                let marks = vec!["?"; ids.len()].join(",");
                (format!("experiment_id IN ({marks})"), ids.to_vec())
            }
            RunScope::One(id) => ("run_uuid = ?".into(), vec![id.to_string()]),
            RunScope::Ids(ids) | RunScope::Preview(ids) => {
                let marks = vec!["?"; ids.len()].join(",");
                (format!("run_uuid IN ({marks})"), ids.to_vec())
            }
        };
        let sub = format!("SELECT run_uuid FROM runs WHERE {cond}");
        let mut warnings = Vec::new();

        let sql = format!(
            "SELECT run_uuid, {name}, CAST(experiment_id AS TEXT), status, {lc}, {user}, start_time, \
             end_time, {art} FROM runs WHERE {cond}",
            name = s.col_or_null("runs", "name"),
            lc = s.col_or_null("runs", "lifecycle_stage"),
            user = s.col_or_null("runs", "user_id"),
            art = s.col_or_null("runs", "artifact_uri"),
        );
        let mut runs: Vec<Run> = Vec::new();
        let mut stmt = conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt
            .query(params_from_iter(&args))
            .map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            match run_from_row(row) {
                Ok(run) => runs.push(run),
                Err(message) => warnings.push(Warning {
                    location: format!("{} (table runs)", self.path.display()),
                    message,
                }),
            }
        }
        drop(rows);
        drop(stmt);
        let by_id: HashMap<String, usize> = runs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.run_id.clone(), i))
            .collect();

        // Min, max and count of every metric need the whole `metrics` table. When most runs
        // are wanted, reading it in rowid order on other connections (in parallel, while
        // this one reads params and tags) beats one indexed lookup per row.
        let preview = matches!(scope, RunScope::Preview(_) | RunScope::ExperimentsLatest(_));
        let scan = if matches!(scope, RunScope::Experiments(_)) {
            self.scan_plan(&conn, runs.len())?
        } else {
            None
        };
        let ids = &by_id;
        let extremes = std::thread::scope(|threads| -> Result<_, StoreError> {
            let workers: Vec<_> = scan
                .iter()
                .flatten()
                .map(|&(lo, hi)| threads.spawn(move || self.scan_extremes(lo, hi, ids)))
                .collect();

            for (table, is_param) in [("params", true), ("tags", false)] {
                if !s.has_table(table) {
                    continue;
                }
                let sql =
                    format!("SELECT run_uuid, key, value FROM {table} WHERE run_uuid IN ({sub})");
                self.for_each_row(&conn, &sql, &args, |row| {
                    let Some(&i) = by_id.get(row.get_ref(0)?.as_str()?) else {
                        return Ok(());
                    };
                    let key: String = row.get(1)?;
                    let value: Option<String> = row.get(2)?;
                    let map = if is_param {
                        &mut runs[i].params
                    } else {
                        &mut runs[i].tags
                    };
                    map.insert(key, value.unwrap_or_default());
                    Ok(())
                })?;
            }

            let extremes = scan.is_none() && !preview;
            let metrics = self.metric_summaries(&conn, &sub, &args, extremes)?;
            for ((id, key), summary) in metrics {
                if let Some(&i) = by_id.get(&id) {
                    runs[i].metrics.insert(key, summary);
                }
            }
            let mut parts = Vec::with_capacity(workers.len());
            for w in workers {
                match w.join() {
                    Ok(part) => parts.push(part?),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Ok(parts)
        })?;
        for part in extremes {
            for (i, keys) in part.into_iter().enumerate() {
                for (key, acc) in keys {
                    if let Some(sum) = runs[i].metrics.get_mut(key.as_ref()) {
                        acc.merge_into(sum);
                    }
                }
            }
        }

        if s.has_table("inputs") && s.has_table("datasets") {
            let context = if s.has_table("input_tags") {
                "(SELECT value FROM input_tags t WHERE t.input_uuid = i.input_uuid \
                 AND t.name = 'mlflow.data.context')"
            } else {
                "NULL"
            };
            let sql = format!(
                "SELECT i.destination_id, d.name, d.digest, {context}, d.dataset_source_type, \
                 d.dataset_source FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id \
                 WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' \
                 AND i.destination_id IN ({sub})"
            );
            self.for_each_row(&conn, &sql, &args, |row| {
                let id: String = row.get(0)?;
                if let Some(&i) = by_id.get(&id) {
                    runs[i].datasets.push(DatasetInput {
                        name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        digest: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        context: row.get(3)?,
                        source_type: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                        source: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    });
                }
                Ok(())
            })?;
        }

        for run in &mut runs {
            if run.run_name.is_empty() {
                if let Some(name) = run.tags.get(TAG_RUN_NAME) {
                    run.run_name = name.clone();
                }
            }
            run.datasets
                .sort_by(|a, b| (&a.name, &a.digest).cmp(&(&b.name, &b.digest)));
        }
        Ok((runs, warnings))
    }

    /// The ids of the [`FIRST_BATCH`] newest runs of `experiments` (MLflow's default order)
    /// when they have more than four times as many; else none.
    fn newest_runs(&self, experiments: &[String]) -> Result<Vec<String>, StoreError> {
        let conn = connect(&self.path)?;
        let marks = vec!["?"; experiments.len()].join(",");
        let sql = format!(
            "SELECT run_uuid FROM runs WHERE experiment_id IN ({marks}) \
             ORDER BY start_time DESC, run_uuid LIMIT {}",
            4 * FIRST_BATCH + 1
        );
        let mut ids = Vec::new();
        self.for_each_row(&conn, &sql, experiments, |row| {
            ids.push(row.get::<_, String>(0)?);
            Ok(())
        })?;
        if ids.len() <= 4 * FIRST_BATCH {
            return Ok(Vec::new());
        }
        ids.truncate(FIRST_BATCH);
        Ok(ids)
    }

    pub(super) fn for_each_row(
        &self,
        conn: &Connection,
        sql: &str,
        args: &[String],
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError> {
        let mut stmt = conn.prepare(sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            f(row).map_err(|e| self.sql_err(e))?;
        }
        Ok(())
    }
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        format!("SQLite {}", self.path.display())
    }

    fn experiments(&self) -> Result<ExperimentList, StoreError> {
        let conn = connect(&self.path)?;
        let s = &self.schema;
        let sql = format!(
            "SELECT CAST(experiment_id AS TEXT), name, {art}, {lc}, {ct}, {ut} FROM experiments",
            art = s.col_or_null("experiments", "artifact_location"),
            lc = s.col_or_null("experiments", "lifecycle_stage"),
            ct = s.col_or_null("experiments", "creation_time"),
            ut = s.col_or_null("experiments", "last_update_time"),
        );
        let mut experiments = Vec::new();
        self.for_each_row(&conn, &sql, &[], |row| {
            experiments.push(Experiment {
                experiment_id: row.get(0)?,
                name: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                artifact_location: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                lifecycle: Lifecycle::parse(&row.get::<_, Option<String>>(3)?.unwrap_or_default()),
                creation_time: row.get(4)?,
                last_update_time: row.get(5)?,
                tags: BTreeMap::new(),
            });
            Ok(())
        })?;
        if s.has_table("experiment_tags") {
            let index: HashMap<String, usize> = experiments
                .iter()
                .enumerate()
                .map(|(i, e)| (e.experiment_id.clone(), i))
                .collect();
            let sql = "SELECT CAST(experiment_id AS TEXT), key, value FROM experiment_tags";
            self.for_each_row(&conn, sql, &[], |row| {
                let id: String = row.get(0)?;
                if let Some(&i) = index.get(&id) {
                    let value: Option<String> = row.get(2)?;
                    experiments[i]
                        .tags
                        .insert(row.get(1)?, value.unwrap_or_default());
                }
                Ok(())
            })?;
        }
        Ok(ExperimentList {
            experiments,
            warnings: Vec::new(),
        })
    }

    fn runs(&self, query: &RunQuery<'_>, sink: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
        let ids = crate::store::experiment_ids(query.experiments);
        // SQLite limits bound parameters; stay well below it.
        for (n, chunk) in ids.chunks(500).enumerate() {
            if query.summaries == Summaries::Latest {
                let (mut runs, warnings) = self.load_runs(RunScope::ExperimentsLatest(chunk))?;
                super::with_aggregates(self, &mut runs, query.aggregates)?;
                sink(RunBatch { runs, warnings });
                continue;
            }
            // When there are many runs, the newest few come first, without min, max and
            // count (which need the whole metrics table); the full batch replaces them.
            let first = if n == 0 {
                self.newest_runs(chunk)?
            } else {
                Vec::new()
            };
            if !first.is_empty() {
                let (runs, _) = self.load_runs(RunScope::Preview(&first))?;
                sink(RunBatch {
                    runs,
                    warnings: Vec::new(),
                });
            }
            let (mut runs, warnings) = self.load_runs(RunScope::Experiments(chunk))?;
            super::with_aggregates(self, &mut runs, query.aggregates)?;
            sink(RunBatch { runs, warnings });
        }
        Ok(())
    }

    fn run_counts(
        &self,
        experiments: &[Experiment],
    ) -> Result<Option<HashMap<String, RunCount>>, StoreError> {
        let conn = connect(&self.path)?;
        let mut counts: HashMap<String, RunCount> = experiments
            .iter()
            .map(|e| (e.experiment_id.clone(), RunCount::default()))
            .collect();
        let sql = "SELECT CAST(experiment_id AS TEXT), lifecycle_stage, COUNT(*) FROM runs \
                   GROUP BY experiment_id, lifecycle_stage";
        self.for_each_row(&conn, sql, &[], |row| {
            let id: String = row.get(0)?;
            let stage: Option<String> = row.get(1)?;
            if let Some(c) = counts.get_mut(&id) {
                let n = row.get::<_, i64>(2)?.max(0) as usize;
                match Lifecycle::parse(stage.as_deref().unwrap_or_default()) {
                    Lifecycle::Active => c.active += n,
                    Lifecycle::Deleted => c.deleted += n,
                }
            }
            Ok(())
        })?;
        Ok(Some(counts))
    }

    fn run(&self, run_id: &str) -> Result<Run, StoreError> {
        let (mut runs, _) = self.load_runs(RunScope::One(run_id))?;
        runs.pop()
            .ok_or_else(|| StoreError::RunNotFound(run_id.to_string()))
    }

    fn metric_aggregates(
        &self,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError> {
        self.aggregates(run_ids, wanted, sink)
    }

    fn follower(&self) -> Option<Box<dyn super::Follower>> {
        let store = SqliteStore {
            path: self.path.clone(),
            schema: self.schema.clone(),
        };
        Some(Box::new(super::sqlite_follow::SqliteFollower::new(store)))
    }

    fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, StoreError> {
        if !self.schema.has_table("metrics") {
            return Ok(Vec::new());
        }
        let conn = connect(&self.path)?;
        let is_nan = if self.schema.has_column("metrics", "is_nan") {
            "is_nan"
        } else {
            "0"
        };
        let sql = format!(
            "SELECT step, timestamp, value, {is_nan} FROM metrics WHERE run_uuid = ? AND key = ? \
             ORDER BY timestamp, step"
        );
        let mut points = Vec::new();
        let args = [run_id.to_string(), key.to_string()];
        self.for_each_row(&conn, &sql, &args, |row| {
            points.push(point_from_row(row, 0)?);
            Ok(())
        })?;
        Ok(points)
    }
}

/// Opens a read-only connection (`mode=ro`); reads wait briefly for a writer's commit.
pub(super) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let uri = format!("file:{}?mode=ro", uri_escape(&path.to_string_lossy()));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(|e| sql_error(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| sql_error(path, e))?;
    Ok(conn)
}

fn read_schema(conn: &Connection, path: &Path) -> Result<Schema, StoreError> {
    let mut schema = Schema::default();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .map_err(|e| sql_error(path, e))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| sql_error(path, e))?;
    for table in names {
        let mut cols = HashSet::new();
        // Table names come from sqlite_master; quote them anyway.
        let pragma = format!("PRAGMA table_info(\"{}\")", table.replace('"', "\"\""));
        let mut stmt = conn.prepare(&pragma).map_err(|e| sql_error(path, e))?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(1))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| sql_error(path, e))?;
        cols.extend(names);
        schema.columns.insert(table.clone(), cols);
        schema.tables.insert(table);
    }
    Ok(schema)
}

fn run_from_row(row: &Row<'_>) -> Result<Run, String> {
    let get = |i: usize| -> Result<Option<String>, String> {
        row.get::<_, Option<String>>(i).map_err(|e| e.to_string())
    };
    let get_int = |i: usize| -> Result<Option<i64>, String> {
        row.get::<_, Option<i64>>(i).map_err(|e| e.to_string())
    };
    let run_id = get(0)?.ok_or("a run with a NULL run_uuid")?;
    let status_text = get(3)?.unwrap_or_default();
    let status = if status_text.is_empty() {
        RunStatus::Running
    } else {
        RunStatus::from_name(&status_text)
            .ok_or_else(|| format!("run {run_id}: unknown status {status_text:?}"))?
    };
    Ok(Run {
        run_id,
        run_name: get(1)?.unwrap_or_default(),
        experiment_id: get(2)?.unwrap_or_default(),
        status,
        lifecycle: Lifecycle::parse(&get(4)?.unwrap_or_default()),
        user_id: get(5)?.unwrap_or_default(),
        start_time: get_int(6)?,
        end_time: get_int(7)?,
        artifact_uri: get(8)?.unwrap_or_default(),
        params: BTreeMap::new(),
        tags: BTreeMap::new(),
        metrics: BTreeMap::new(),
        datasets: Vec::new(),
        aggregates: Default::default(),
    })
}

/// Reads `step, timestamp, value, is_nan` starting at column `at`.
pub(super) fn point_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<MetricPoint> {
    let value: Option<f64> = row.get(at + 2)?;
    let is_nan: Option<i64> = row.get(at + 3)?;
    let value = if is_nan.unwrap_or(0) != 0 {
        f64::NAN
    } else {
        value.map_or(f64::NAN, unclamp)
    };
    Ok(MetricPoint {
        step: row.get::<_, Option<i64>>(at)?.unwrap_or(0),
        timestamp: row.get::<_, Option<i64>>(at + 1)?.unwrap_or(0),
        value,
    })
}

/// MLflow's SQL stores clamp ±inf to ±f64::MAX; show them as the infinities they were.
pub(crate) fn unclamp(v: f64) -> f64 {
    if v == f64::MAX {
        f64::INFINITY
    } else if v == -f64::MAX {
        f64::NEG_INFINITY
    } else {
        v
    }
}

fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let message = match &e {
        rusqlite::Error::SqliteFailure(err, _) if err.code == rusqlite::ErrorCode::NotADatabase => {
            "not a SQLite database (file is encrypted or corrupt)".to_string()
        }
        _ => e.to_string(),
    };
    StoreError::Sqlite {
        path: path.to_path_buf(),
        message,
    }
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
