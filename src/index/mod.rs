//! The in-memory run index: every experiment and run of a store, and the queries the views
//! and exports ask of it (selection, sort, diff). Metric histories are not kept here.

pub mod column;
pub mod compare;
pub mod diff;
pub mod direction;
pub mod filter;
pub mod group;
pub mod importance;
pub mod lookup;
pub mod quick;
pub mod sort;

use std::collections::HashMap;

use crate::model::{Experiment, Lifecycle, Run, RunCount, ViewType};
use crate::store::{RunBatch, Warning, WarningLog};

pub use column::{Attr, Column, KeySets, Value};
pub use direction::Direction;
pub use filter::{Filter, FilterError, OrderKey, order_runs, parse_filter, parse_order_by};
pub use sort::{SortKey, TextOrder, sort_rows};

/// Experiments and runs in memory.
#[derive(Debug, Default)]
pub struct RunIndex {
    experiments: Vec<Experiment>,
    runs: Vec<Run>,
    by_run_id: HashMap<String, usize>,
    run_counts: HashMap<String, RunCount>,
    warnings: WarningLog,
    /// Bumped whenever runs change, so views can cache what they derive from them.
    generation: u64,
    /// Per run (same positions as `runs`): the generation at which it last changed, so that
    /// caches can redo only the runs that changed since they were built.
    stamps: Vec<u64>,
}

impl RunIndex {
    pub fn new(mut experiments: Vec<Experiment>) -> Self {
        experiments.sort_by(|a, b| cmp_ids(&a.experiment_id, &b.experiment_id));
        Self {
            experiments,
            ..Self::default()
        }
    }

    /// Replaces the experiment list (runs stay).
    pub fn set_experiments(&mut self, mut experiments: Vec<Experiment>) {
        experiments.sort_by(|a, b| cmp_ids(&a.experiment_id, &b.experiment_id));
        self.experiments = experiments;
    }

    /// Adds (or replaces, by run id) the runs of a batch and keeps its warnings.
    pub fn add_batch(&mut self, batch: RunBatch) {
        for run in batch.runs {
            self.upsert(run);
        }
        for late in batch.summaries {
            self.set_extents(late);
        }
        self.warnings.extend(batch.warnings);
    }

    /// Gives a run's metrics the min, max and count found after it was added (metrics the
    /// run does not have, and unknown runs, are ignored).
    fn set_extents(&mut self, late: crate::store::LateSummaries) {
        let Some(&i) = self.by_run_id.get(&late.run_id) else {
            return;
        };
        let run = &mut self.runs[i];
        for (key, extent) in late.metrics {
            if let Some(sum) = run.metrics.get_mut(&key) {
                sum.set_extent(extent);
            }
        }
        self.generation += 1;
        self.stamps[i] = self.generation;
    }

    /// A number that changes whenever a run is added or replaced.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Inserts a run, or replaces the run with the same id.
    pub fn upsert(&mut self, mut run: Run) {
        self.generation += 1;
        if let Some(&i) = self.by_run_id.get(&run.run_id) {
            // Aggregates computed earlier stay until they are computed again for the new
            // data (the caller asks again for runs that changed).
            if run.aggregates.is_empty() {
                run.aggregates = std::mem::take(&mut self.runs[i].aggregates);
            }
            let old = &self.runs[i];
            if old.experiment_id != run.experiment_id || old.lifecycle != run.lifecycle {
                let (exp, stage) = (old.experiment_id.clone(), old.lifecycle);
                self.bump(&exp, stage, false);
                self.bump(&run.experiment_id, run.lifecycle, true);
            }
            self.runs[i] = run;
            self.stamps[i] = self.generation;
        } else {
            self.bump(&run.experiment_id, run.lifecycle, true);
            self.by_run_id.insert(run.run_id.clone(), self.runs.len());
            self.runs.push(run);
            self.stamps.push(self.generation);
        }
    }

    /// The generation at which the run at position `i` was last added or replaced (0 for
    /// no such run).
    pub fn stamp(&self, i: usize) -> u64 {
        self.stamps.get(i).copied().unwrap_or(0)
    }

    /// Positions of the runs added or replaced after `generation` (every run for 0).
    pub fn changed_since(&self, generation: u64) -> impl Iterator<Item = usize> + '_ {
        self.stamps
            .iter()
            .enumerate()
            .filter(move |&(_, &s)| s > generation)
            .map(|(i, _)| i)
    }

    fn bump(&mut self, exp: &str, stage: Lifecycle, up: bool) {
        self.run_counts
            .entry(exp.to_string())
            .or_default()
            .bump(stage, up);
    }

    pub fn experiments(&self) -> &[Experiment] {
        &self.experiments
    }

    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The warnings to show, deduplicated and capped: a message seen many times ends with
    /// "(and N more like this)", and past a cap one line counts the rest.
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings.to_vec()
    }

    /// How many warnings there were in all.
    pub fn warning_count(&self) -> u64 {
        self.warnings.total()
    }

    pub fn add_warnings(&mut self, w: impl IntoIterator<Item = Warning>) {
        self.warnings.extend(w);
    }

    /// Run counts given by the store, for an index that holds no runs (the experiment list).
    pub fn set_run_counts(&mut self, counts: HashMap<String, RunCount>) {
        self.run_counts = counts;
    }

    /// Active and deleted runs of an experiment.
    pub fn run_count(&self, experiment_id: &str) -> RunCount {
        self.run_counts
            .get(experiment_id)
            .copied()
            .unwrap_or_default()
    }

    /// Records a computed aggregate of a run's metric (ignored for an unknown run).
    pub fn set_aggregate(
        &mut self,
        run_id: &str,
        key: &str,
        agg: crate::aggregate::Agg,
        value: Option<f64>,
    ) {
        if let Some(&i) = self.by_run_id.get(run_id) {
            self.runs[i].aggregates.set(key, agg, value);
        }
    }

    /// Where the run with this id is in [`RunIndex::runs`].
    pub fn position(&self, run_id: &str) -> Option<usize> {
        self.by_run_id.get(run_id).copied()
    }

    pub fn run(&self, run_id: &str) -> Option<&Run> {
        self.by_run_id.get(run_id).map(|&i| &self.runs[i])
    }

    pub fn experiment(&self, id: &str) -> Option<&Experiment> {
        self.experiments.iter().find(|e| e.experiment_id == id)
    }

    /// Finds an experiment by id, else by exact name.
    pub fn find_experiment(&self, id_or_name: &str) -> Option<&Experiment> {
        self.experiment(id_or_name)
            .or_else(|| self.experiments.iter().find(|e| e.name == id_or_name))
    }

    /// Experiments whose lifecycle `view` includes.
    pub fn experiments_in(&self, view: ViewType) -> Vec<&Experiment> {
        self.experiments
            .iter()
            .filter(|e| view.includes(e.lifecycle))
            .collect()
    }

    /// Row indices of the runs of `experiment_ids` (all experiments when `None`) whose
    /// lifecycle `view` includes, in MLflow's default order (start_time DESC, run_id ASC).
    pub fn select(&self, experiment_ids: Option<&[String]>, view: ViewType) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| view.includes(r.lifecycle))
            .filter(|(_, r)| experiment_ids.is_none_or(|ids| ids.contains(&r.experiment_id)))
            .map(|(i, _)| i)
            .collect();
        sort_rows(&self.runs, &mut rows, &[], TextOrder::Lexical, 0);
        rows
    }
}

/// Orders experiment ids numerically when both are numbers, else as text.
pub fn cmp_ids(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
pub(crate) mod tests {

    use super::*;
    use crate::model::{MetricPoint, MetricSummary, RunStatus};

    /// A run for tests: id, start time, metric latest values and params.
    pub fn run_with(id: &str, start: i64, metrics: &[(&str, f64)], params: &[(&str, &str)]) -> Run {
        Run {
            run_id: id.into(),
            run_name: format!("name-{id}"),
            experiment_id: "1".into(),
            status: RunStatus::Finished,
            lifecycle: Lifecycle::Active,
            user_id: "u".into(),
            start_time: Some(start),
            end_time: Some(start + 10),
            artifact_uri: String::new(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            tags: Default::default(),
            metrics: metrics
                .iter()
                .map(|(k, v)| {
                    let p = MetricPoint {
                        step: 0,
                        timestamp: start,
                        value: *v,
                    };
                    ((*k).into(), MetricSummary::from_point(p))
                })
                .collect(),
            datasets: Vec::new(),
            aggregates: Default::default(),
        }
    }

    #[test]
    fn select_filters_by_experiment_and_lifecycle_in_default_order() {
        let mut a = run_with("a", 1, &[], &[]);
        let mut b = run_with("b", 3, &[], &[]);
        b.lifecycle = Lifecycle::Deleted;
        let c = run_with("c", 2, &[], &[]);
        a.experiment_id = "2".into();
        let mut idx = RunIndex::new(Vec::new());
        idx.add_batch(RunBatch {
            summaries: Vec::new(),
            runs: vec![a, b, c],
            warnings: Vec::new(),
        });
        let ids = |rows: Vec<usize>| -> Vec<String> {
            rows.into_iter()
                .map(|i| idx.runs()[i].run_id.clone())
                .collect()
        };
        assert_eq!(ids(idx.select(None, ViewType::All)), ["b", "c", "a"]);
        assert_eq!(ids(idx.select(None, ViewType::Active)), ["c", "a"]);
        assert_eq!(
            ids(idx.select(Some(&["1".into()]), ViewType::Deleted)),
            ["b"]
        );
        assert_eq!(
            idx.run_count("1"),
            RunCount {
                active: 1,
                deleted: 1
            }
        );
        assert_eq!(idx.run_count("1").label(), "1 (+1 deleted)");
        assert_eq!(idx.run_count("2").label(), "1");
    }

    #[test]
    fn upsert_replaces_by_id() {
        let mut idx = RunIndex::new(Vec::new());
        idx.upsert(run_with("a", 1, &[("m", 1.0)], &[]));
        idx.upsert(run_with("a", 1, &[("m", 2.0)], &[]));
        assert_eq!(idx.runs().len(), 1);
        assert_eq!(idx.run_count("1").active, 1);
        let mut deleted = run_with("a", 1, &[("m", 2.0)], &[]);
        deleted.lifecycle = Lifecycle::Deleted;
        idx.upsert(deleted);
        assert_eq!(
            idx.run_count("1"),
            RunCount {
                active: 0,
                deleted: 1
            },
            "a run deleted while mltui follows the store moves to the deleted count"
        );
        assert_eq!(idx.run("a").map(|r| r.metrics["m"].latest.value), Some(2.0));
    }

    #[test]
    fn changed_since_names_the_runs_added_or_replaced_after_a_generation() {
        let mut idx = RunIndex::new(Vec::new());
        idx.upsert(run_with("a", 1, &[], &[]));
        idx.upsert(run_with("b", 2, &[], &[]));
        let g = idx.generation();
        assert_eq!(idx.changed_since(0).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(idx.changed_since(g).count(), 0);
        idx.upsert(run_with("c", 3, &[], &[]));
        idx.upsert(run_with("a", 1, &[("m", 1.0)], &[]));
        assert_eq!(idx.changed_since(g).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn experiment_ids_order_numerically() {
        let mut ids = vec!["10", "9", "0", "abc", "219931088273313646"];
        ids.sort_by(|a, b| cmp_ids(a, b));
        assert_eq!(ids, ["0", "9", "10", "219931088273313646", "abc"]);
    }
}
