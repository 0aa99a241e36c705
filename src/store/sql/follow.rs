//! Following a SQL store while training jobs write to it. The first poll loads everything;
//! later ones check a change token where the database has one (SQLite's `data_version`),
//! scan the `runs` table for status changes, and re-read only new, changed and running runs.
//! Metric min, max and count are kept up to date from the `metrics` rows added since the last
//! poll where the backend can find them (SQLite: rowids), instead of aggregating every
//! point of a running run again.

use std::collections::{HashMap, HashSet};

use super::follow_steps::StepMark;
use super::load::EXPERIMENT_CHUNK;
use super::{Backend, Cells, Extremes, Scan, SqlStore, Warnings};
use crate::model::{Experiment, Run};
use crate::store::follow::experiments_if_changed;
use crate::store::{Cause, Change, Follower, RunBatch, StoreError, Summaries, WatchSet};

/// Status, lifecycle, end time and name of a run: what a training job changes in `runs`.
type RunSig = (String, String, Option<i64>, String);

/// A server has no cheap way to tell changed runs apart: every this many polls, everything
/// is read again (late edits of finished runs' params and tags, metrics of finished runs).
const FULL_EVERY: u64 = 30;

pub(crate) struct SqlFollower<B: Backend> {
    store: SqlStore<B>,
    conn: Option<B::Conn>,
    token: Option<super::Token>,
    loaded: bool,
    /// Polls at the refresh interval (polls for a watcher's wake-up do not count).
    polls: u64,
    experiments: Option<Vec<Experiment>>,
    runs: HashMap<String, RunSig>,
    /// Metric extremes per run and key, kept current from new `metrics` rows.
    extremes: HashMap<String, HashMap<String, Extremes>>,
    /// The `metrics` rowid the extremes are complete up to (SQLite).
    mark: Option<i64>,
    /// Per run and key, the step the extremes are complete up to (servers).
    steps: HashMap<String, HashMap<String, StepMark>>,
}

impl<B: Backend> SqlFollower<B> {
    pub(crate) fn new(store: SqlStore<B>) -> Self {
        Self {
            store,
            conn: None,
            token: None,
            loaded: false,
            polls: 0,
            experiments: None,
            runs: HashMap::new(),
            extremes: HashMap::new(),
            mark: None,
            steps: HashMap::new(),
        }
    }

    fn signatures(&self, conn: &mut B::Conn) -> Result<HashMap<String, RunSig>, StoreError> {
        let s = &self.store.schema;
        let cols = format!(
            "t.run_uuid, t.status, {}, {}, {}",
            s.col("runs", "t", "lifecycle_stage"),
            s.col("runs", "t", "end_time"),
            s.col("runs", "t", "name"),
        );
        let mut out = HashMap::new();
        use super::Conn;
        conn.scan(&Scan::new("runs", &cols), &mut |row| {
            let mut c = Cells::new(row);
            if let Some(id) = c.name(0, "run_uuid") {
                let sig = (
                    c.text(1, "status").unwrap_or_default(),
                    c.text(2, "lifecycle_stage").unwrap_or_default(),
                    c.int(3, "end_time"),
                    c.text(4, "name").unwrap_or_default(),
                );
                out.insert(id, sig);
            }
        })?;
        Ok(out)
    }

    /// Everything, as on the first poll.
    fn load_all(
        &mut self,
        conn: &mut B::Conn,
        experiments: &[Experiment],
        sink: &mut dyn FnMut(Change),
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = experiments
            .iter()
            .filter_map(|e| e.experiment_id.parse().ok())
            .collect();
        if !self.loaded {
            // The newest rows first, before the snapshot below (a scan of every run): the
            // full load after it reads them again, so no change in between is missed.
            let first = &ids[..ids.len().min(EXPERIMENT_CHUNK)];
            self.store
                .send_preview(conn, first, None, &mut |batch| sink(Change::Runs(batch)))?;
        }
        self.runs = self.signatures(conn)?;
        self.mark = B::metrics_tail_start(&self.store, conn)?;
        self.extremes.clear();
        self.steps.clear();
        for chunk in ids.chunks(EXPERIMENT_CHUNK) {
            let mut loaded = self.store.load_chunk(
                conn,
                chunk,
                None,
                Summaries::Full,
                // With rowids to follow, every row is shown before min, max and count are
                // scanned (without, running runs' steps are read from the runs below).
                self.mark.is_some(),
                self.mark,
                &mut |batch| sink(Change::Runs(batch)),
            )?;
            if self.mark.is_none() {
                // Kept current step by step from here. With rowids, the extremes of a run
                // that logs again are read when it does (up to the mark): a 100,000-run
                // store keeps none of them in memory meanwhile.
                self.remember(&loaded.runs);
            }
            let summaries = loaded.take_late_summaries();
            let mut warnings = loaded.warnings;
            if self.mark.is_none() {
                // Without rowids, running runs are kept current by their steps.
                for run in loaded.runs.iter().filter(|r| r.status.is_active()) {
                    self.refresh_steps(conn, &run.run_id, &mut warnings)?;
                }
            }
            sink(Change::Runs(RunBatch {
                summaries,
                runs: loaded.runs,
                warnings: warnings.finish(&self.store.backend.location()),
            }));
        }
        self.loaded = true;
        Ok(())
    }

    /// Extremes and step marks of `run` from all its points.
    fn refresh_steps(
        &mut self,
        conn: &mut B::Conn,
        run: &str,
        warnings: &mut Warnings,
    ) -> Result<(), StoreError> {
        let all = self.store.key_extremes(conn, run, warnings)?;
        let (mut extremes, mut steps) = (HashMap::new(), HashMap::new());
        for (key, (e, mark)) in all {
            extremes.insert(key.clone(), e);
            steps.insert(key, mark);
        }
        self.extremes.insert(run.to_string(), extremes);
        self.steps.insert(run.to_string(), steps);
        Ok(())
    }

    fn remember(&mut self, runs: &[Run]) {
        for run in runs {
            let keys = self.extremes.entry(run.run_id.clone()).or_default();
            for (key, sum) in &run.metrics {
                if let Some(e) = Extremes::of(sum) {
                    keys.insert(key.to_string(), e);
                }
            }
        }
    }

    fn poll_changes(
        &mut self,
        conn: &mut B::Conn,
        experiments: &[Experiment],
        sink: &mut dyn FnMut(Change),
    ) -> Result<(), StoreError> {
        let wanted: HashSet<&str> = experiments
            .iter()
            .map(|e| e.experiment_id.as_str())
            .collect();
        let mut warnings = Warnings::default();
        // New metric points since the last poll, where the backend can find them.
        let mut changed: HashSet<String> = HashSet::new();
        let mut tail_known = false;
        if let Some(mark) = self.mark {
            let extremes = &mut self.extremes;
            let mut added: HashSet<String> = HashSet::new();
            let end = B::metrics_tail(
                &self.store,
                conn,
                mark,
                &mut |run, key, value| {
                    if let Some(keys) = extremes.get_mut(run) {
                        keys.entry(key.to_string()).or_default().add(value);
                    }
                    if !added.contains(run) {
                        added.insert(run.to_string());
                    }
                },
                &mut warnings,
            )?;
            match end {
                // Rows were deleted (a garbage collection): start again.
                Some(end) if end < mark => {
                    return self.load_all(conn, experiments, sink);
                }
                Some(end) => {
                    self.mark = Some(end);
                    tail_known = true;
                    changed = added;
                }
                None => {}
            }
        }
        let runs = self.signatures(conn)?;
        let mut ids: Vec<String> = Vec::new();
        for (id, sig) in &runs {
            let is_new = !self.runs.contains_key(id);
            let running = matches!(sig.0.as_str(), "RUNNING" | "SCHEDULED" | "");
            if is_new || self.runs.get(id) != Some(sig) || running || changed.contains(id) {
                ids.push(id.clone());
            }
        }
        self.runs = runs;
        let (mut loaded, w) = self.store.load_ids(conn, &ids, Summaries::Latest, None)?;
        warnings.extend(w);
        loaded.retain(|r| wanted.contains(r.experiment_id.as_str()));
        // Extremes: from what the tail kept current, else aggregated again.
        if tail_known {
            let missing: Vec<String> = loaded
                .iter()
                .filter(|r| !self.extremes.contains_key(&r.run_id))
                .map(|r| r.run_id.clone())
                .collect();
            for chunk in missing.chunks(super::Dialect::batch(B::DIALECT)) {
                let found = B::run_extremes(&self.store, conn, chunk, self.mark, &mut warnings)?;
                for id in chunk {
                    self.extremes.insert(id.clone(), HashMap::new());
                }
                for ((id, key), e) in found {
                    self.extremes.entry(id).or_default().insert(key, e);
                }
            }
        } else {
            for run in &loaded {
                let id = &run.run_id;
                let current = match (self.steps.get_mut(id), self.extremes.get_mut(id)) {
                    (Some(steps), Some(extremes)) => {
                        self.store
                            .step_tail(conn, id, steps, extremes, &mut warnings)?;
                        run.metrics.keys().all(|k| steps.contains_key(k.as_str()))
                    }
                    _ => false,
                };
                if !current {
                    self.refresh_steps(conn, id, &mut warnings)?;
                }
            }
        }
        for run in &mut loaded {
            if let Some(keys) = self.extremes.get(&run.run_id) {
                for (key, sum) in run.metrics.iter_mut() {
                    if let Some(e) = keys.get(key.as_str()) {
                        e.set(sum);
                    }
                }
            }
        }
        let warnings = warnings.finish(&self.store.backend.location());
        if !loaded.is_empty() || !warnings.is_empty() {
            sink(Change::Runs(RunBatch {
                summaries: Vec::new(),
                runs: loaded,
                warnings,
            }));
        }
        Ok(())
    }
}

impl<B: Backend> Follower for SqlFollower<B> {
    fn watch_set(&self) -> Option<WatchSet> {
        self.store.backend.watch_set()
    }

    fn poll_for(&mut self, cause: Cause, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        if cause != Cause::Watch {
            self.polls += 1;
        }
        // A connection that cannot see new commits any more (SQLite read immutably) is
        // replaced; the token of a new connection may prove nothing.
        let (mut conn, fresh) = match self.conn.take() {
            Some(c) if self.store.backend.is_current(&c) => (c, false),
            _ => (self.store.backend.connect()?, true),
        };
        let token = self.store.backend.change_token(&mut conn)?;
        let comparable = token.is_some_and(|t| !fresh || !t.per_connection);
        // Now and then (and when asked) everything is checked even when the token says
        // nothing changed.
        let due = cause == Cause::Full || (cause == Cause::Timer && self.polls % FULL_EVERY == 0);
        if self.loaded && comparable && token == self.token && !due {
            if self.store.backend.keep(&conn) {
                self.conn = Some(conn);
            }
            return Ok(());
        }
        let result = (|| {
            use super::Conn;
            conn.begin()?;
            let list = self.store.read_experiments(&mut conn)?;
            let experiments = experiments_if_changed(&mut self.experiments, list, sink);
            let full = !self.loaded
                || (self.mark.is_none() && cause == Cause::Timer && self.polls % FULL_EVERY == 0);
            if full {
                self.load_all(&mut conn, &experiments, sink)?;
            } else {
                self.poll_changes(&mut conn, &experiments, sink)?;
            }
            conn.end()
        })();
        if result.is_ok() {
            self.token = token;
            if self.store.backend.keep(&conn) {
                self.conn = Some(conn);
            }
        }
        result
    }
}
