//! The SQLite writer: a store's plan and runs written straight into a copy of an empty
//! tracking database made by MLflow itself (its schema, migrations and Default experiment),
//! filling the rows MLflow's `SqlAlchemyStore` fills when runs are logged through its API —
//! `experiments`, `runs` (every column), `params`, `tags`, `metrics` (every step, with
//! `is_nan`) and `latest_metrics` (MLflow's rule: the largest `(step, timestamp, value)`) —
//! in one transaction with prepared statements, far faster than `mlflow migrate-filestore`.
//!
//! While writing, the journal and syncing are off and the secondary indexes of the four
//! row tables are dropped (and made again, with MLflow's own SQL, once the rows are in: a
//! sorted build instead of a random insert per row). The database is written under
//! `<db>.tmp`, set back to the rollback journal MLflow's own databases use
//! (`journal_mode=DELETE`), synced and renamed into place only once complete.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::{Connection, params};

use crate::data::{RunData, Shape};

pub struct SqliteGen {
    pub db: PathBuf,
    /// An empty tracking database made by MLflow (copied, never modified).
    pub template: PathBuf,
    pub shape: Shape,
    pub seed: u64,
}

/// What was written.
pub struct Written {
    pub runs: usize,
    pub params: u64,
    pub tags: u64,
    pub metric_rows: u64,
    pub bytes: u64,
}

/// A run's id, its experiment's position in the plan, and its content.
type Planned = (String, usize, RunData);

/// Runs generated (in parallel) per batch handed to the writing thread.
const CHUNK: usize = 256;
/// The tables whose secondary indexes are made after the rows are in.
const ROW_TABLES: [&str; 4] = ["params", "tags", "metrics", "latest_metrics"];

/// MLflow's `sanitize_metric_value`: NaN is stored as 0 with `is_nan`, ±inf as ±f64::MAX.
fn sanitize(v: f64) -> (f64, bool) {
    if v.is_nan() {
        (0.0, true)
    } else if v.is_infinite() {
        (if v > 0.0 { f64::MAX } else { -f64::MAX }, false)
    } else {
        (v, false)
    }
}

/// MLflow's latest point of a history (`_update_latest_metrics_if_necessary`): a point
/// replaces the one kept when its `(step, timestamp, value)` is strictly greater, comparing
/// the values as stored (NaN as 0). Returns (step, timestamp, (value, is_nan)).
fn latest_point(points: &[(i64, f64)]) -> Option<(i64, i64, (f64, bool))> {
    let mut best: Option<(i64, i64, (f64, bool))> = None;
    for (step, &(ts, v)) in points.iter().enumerate() {
        let p = (step as i64, ts, sanitize(v));
        let newer = match best {
            None => true,
            Some(b) => (p.0, p.1) > (b.0, b.1) || ((p.0, p.1) == (b.0, b.1) && p.2.0 > b.2.0),
        };
        if newer {
            best = Some(p);
        }
    }
    best
}

impl SqliteGen {
    pub fn write(&self) -> Result<Written, Box<dyn Error>> {
        let tmp = PathBuf::from(format!("{}.tmp", self.db.display()));
        let _ = std::fs::remove_file(&tmp);
        if let Err(e) = std::fs::copy(&self.template, &tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("copying the template {}: {e}", self.template.display()).into());
        }
        let result = self.fill(&tmp);
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        let written = result?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &self.db)?;
        Ok(written)
    }

    /// Where runs' artifacts would be: `<dir of db>/<db stem>-artifacts/<experiment id>`
    /// (never created; MLflow's SQL store makes such folders only when artifacts are logged).
    fn artifact_root(&self) -> Result<String, Box<dyn Error>> {
        let dir = match self.db.parent() {
            Some(p) if !p.as_os_str().is_empty() => std::fs::canonicalize(p)?,
            _ => std::env::current_dir()?,
        };
        let stem = self
            .db
            .file_stem()
            .map_or("store".into(), |s| s.to_string_lossy());
        Ok(dir.join(format!("{stem}-artifacts")).display().to_string())
    }

    fn fill(&self, path: &Path) -> Result<Written, Box<dyn Error>> {
        let mut conn = Connection::open(path)?;
        let runs_before: i64 = conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .map_err(|e| format!("the template is not an MLflow tracking database: {e}"))?;
        if runs_before != 0 {
            return Err(format!("the template already holds {runs_before} runs").into());
        }
        conn.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; \
             PRAGMA cache_size=-524288;",
        )?;

        // Secondary indexes of the row tables, made again after the rows are in.
        let mut indexes: Vec<(String, String)> = Vec::new();
        {
            let mut st = conn.prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN (?1, ?2, ?3, ?4) ORDER BY rowid",
            )?;
            let rows = st.query_map(ROW_TABLES, |r| Ok((r.get(0)?, r.get(1)?)))?;
            for r in rows {
                indexes.push(r?);
            }
        }
        for (name, _) in &indexes {
            conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }

        let art = self.artifact_root()?;
        let plan = self.shape.plan(self.seed);
        let tx = conn.transaction()?;
        // The Default experiment MLflow made points at where the template was made.
        tx.execute(
            "UPDATE experiments SET artifact_location = ?1 WHERE experiment_id = 0",
            [format!("{art}/0")],
        )?;
        for (i, e) in plan.experiments.iter().enumerate() {
            let id = i as i64 + 1;
            tx.execute(
                "INSERT INTO experiments (experiment_id, name, artifact_location, \
                 lifecycle_stage, creation_time, last_update_time, workspace) \
                 VALUES (?1, ?2, ?3, 'active', ?4, ?4, 'default')",
                params![id, e.name, format!("{art}/{id}"), e.created],
            )?;
        }

        // Runs are made on every core, a chunk at a time, while this thread writes.
        let (send, recv) = mpsc::sync_channel::<Vec<Planned>>(4);
        let shape = self.shape.clone();
        let seed = self.seed;
        let total = plan.runs.len();
        let producer = std::thread::spawn(move || {
            for chunk in plan.runs.chunks(CHUNK) {
                let data: Vec<Planned> = chunk
                    .par_iter()
                    .map(|p| (p.run_id.clone(), p.exp, shape.run_data(seed, p)))
                    .collect();
                if send.send(data).is_err() {
                    return;
                }
            }
        });
        let mut w = Written {
            runs: 0,
            params: 0,
            tags: 0,
            metric_rows: 0,
            bytes: 0,
        };
        let started = Instant::now();
        let mut next_report = total / 10;
        {
            let mut ins_run = tx.prepare(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, \
                 user_id, status, start_time, end_time, source_version, lifecycle_stage, \
                 artifact_uri, experiment_id, deleted_time) \
                 VALUES (?1, ?2, 'UNKNOWN', '', '', ?3, ?4, ?5, ?6, '', ?7, ?8, ?9, ?10)",
            )?;
            let mut ins_param =
                tx.prepare("INSERT INTO params (key, value, run_uuid) VALUES (?1, ?2, ?3)")?;
            let mut ins_tag =
                tx.prepare("INSERT INTO tags (key, value, run_uuid) VALUES (?1, ?2, ?3)")?;
            let mut ins_metric = tx.prepare(
                "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut ins_latest = tx.prepare(
                "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for chunk in recv {
                for (run_id, exp, data) in &chunk {
                    w.runs += 1;
                    let exp_id = *exp as i64 + 1;
                    ins_run.execute(params![
                        run_id,
                        data.run_name,
                        data.user,
                        data.status.name(),
                        data.start,
                        data.end_time,
                        if data.deleted_time.is_some() {
                            "deleted"
                        } else {
                            "active"
                        },
                        format!("{art}/{exp_id}/{run_id}/artifacts"),
                        exp_id,
                        data.deleted_time,
                    ])?;
                    for (k, v) in &data.params {
                        ins_param.execute(params![k, v, run_id])?;
                        w.params += 1;
                    }
                    for (k, v) in &data.tags {
                        ins_tag.execute(params![k, v, run_id])?;
                        w.tags += 1;
                    }
                    // As MLflow's `log_metrics` at each step: every metric of step 0, then
                    // of step 1, ...
                    let steps = data.metrics.iter().map(|s| s.points.len()).max();
                    for step in 0..steps.unwrap_or(0) {
                        for s in &data.metrics {
                            let Some(&(ts, v)) = s.points.get(step) else {
                                continue;
                            };
                            let (value, is_nan) = sanitize(v);
                            ins_metric.execute(params![
                                s.key,
                                value,
                                ts,
                                run_id,
                                step as i64,
                                is_nan
                            ])?;
                            w.metric_rows += 1;
                        }
                    }
                    for s in &data.metrics {
                        let latest = latest_point(&s.points);
                        if let Some((step, ts, (value, is_nan))) = latest {
                            ins_latest.execute(params![s.key, value, ts, step, is_nan, run_id])?;
                        }
                    }
                }
                if w.runs >= next_report && total >= 10_000 {
                    eprintln!(
                        "gen_store: {}/{total} runs, {} metric rows, {:.0} s",
                        w.runs,
                        w.metric_rows,
                        started.elapsed().as_secs_f64()
                    );
                    next_report += total / 10;
                }
            }
        }
        let _ = producer.join();
        tx.commit()?;
        let wrote = started.elapsed();
        let started = Instant::now();
        for (_, sql) in &indexes {
            conn.execute_batch(sql)?;
        }
        eprintln!(
            "gen_store: rows written in {:.1} s, {} indexes made in {:.1} s",
            wrote.as_secs_f64(),
            indexes.len(),
            started.elapsed().as_secs_f64()
        );
        // MLflow's own databases use the rollback journal.
        conn.execute_batch("PRAGMA locking_mode=NORMAL; PRAGMA journal_mode=DELETE;")?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if mode != "delete" {
            return Err(format!("journal_mode is {mode}, not delete").into());
        }
        drop(conn);
        w.bytes = std::fs::metadata(path)?.len();
        Ok(w)
    }
}
