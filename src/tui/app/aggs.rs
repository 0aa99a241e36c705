//! Metric aggregates in the terminal UI: which ones the screens show (aggregate columns,
//! sort keys, the search filter, group columns, chart axes), asking the background worker
//! for those some runs lack, applying its answers batch by batch (with progress), and asking
//! again for runs that changed.

use std::collections::HashSet;

use super::{App, Effect, Message};
use crate::aggregate::{Agg, MetricAgg};
use crate::index::Column;
use crate::index::column::aggregate_known;
use crate::model::{Lifecycle, Run};
use crate::store::AggBatch;
use crate::tui::aggs::AggJob;

/// Aggregates being computed in the background.
#[derive(Debug, Default)]
pub struct AggState {
    next_id: u64,
    /// Running or queued jobs: `(id, what, runs done, runs in the job)`.
    pub jobs: Vec<(u64, String, usize, usize)>,
    /// `(run id, aggregate)` pairs asked for since the run last changed.
    requested: HashSet<(String, MetricAgg)>,
    /// Runs that changed since their aggregates were computed: the values they carry are
    /// out of date (and a server's histories of them too).
    changed: HashSet<String>,
}

impl AggState {
    /// `(done, total)` over the jobs not finished yet, and what the first one computes.
    pub fn progress(&self) -> Option<(usize, usize, &str)> {
        let (first, rest) = self.jobs.split_first()?;
        let done = self.jobs.iter().map(|j| j.2).sum();
        let total = first.3 + rest.iter().map(|j| j.3).sum::<usize>();
        Some((done, total, &first.1))
    }
}

/// Adds the aggregate of a metric column (not latest values, which every run has).
fn push_column(out: &mut Vec<MetricAgg>, c: &Column) {
    if let Some((k, a)) = c.metric_parts() {
        if a != Agg::Latest {
            let m = MetricAgg::new(k, a);
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
}

impl App {
    /// Every metric aggregate the open screens show, sort, filter or group by.
    pub fn wanted_aggregates(&self) -> Vec<MetricAgg> {
        let mut out = Vec::new();
        let v = &self.runs;
        for c in v.columns.iter().filter(|c| c.visible) {
            push_column(&mut out, &c.column);
        }
        for k in &v.sort {
            push_column(&mut out, &k.column);
        }
        if let Some((_, f)) = &v.query {
            for m in f.metric_aggs() {
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        for c in self.sweep_columns() {
            push_column(&mut out, &c);
        }
        out
    }

    /// The runs the run table covers (its experiments; deleted ones when shown).
    fn runs_in_scope(&self) -> Vec<&Run> {
        let v = &self.runs;
        self.index
            .runs()
            .iter()
            .filter(|r| v.experiment_ids.contains(&r.experiment_id))
            .filter(|r| v.show_deleted || r.lifecycle == Lifecycle::Active)
            .collect()
    }

    /// Asks for the aggregates shown that some runs in scope lack (once per run until it
    /// changes).
    pub fn ensure_aggregates(&mut self) -> Vec<Effect> {
        let wanted = self.wanted_aggregates();
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut run_ids = Vec::new();
        let mut aggs: Vec<MetricAgg> = Vec::new();
        let mut asked = Vec::new();
        for run in self.runs_in_scope() {
            let mut any = false;
            let stale = self.aggs.changed.contains(&run.run_id);
            for m in &wanted {
                if !stale && aggregate_known(run, &m.key, m.agg) {
                    continue;
                }
                let slot = (run.run_id.clone(), m.clone());
                if self.aggs.requested.contains(&slot) {
                    continue;
                }
                any = true;
                if !aggs.contains(m) {
                    aggs.push(m.clone());
                }
                asked.push(slot);
            }
            if any {
                run_ids.push(run.run_id.clone());
            }
        }
        if run_ids.is_empty() {
            return Vec::new();
        }
        self.aggs.requested.extend(asked);
        let refetch: Vec<String> = run_ids
            .iter()
            .filter(|id| self.aggs.changed.remove(*id))
            .cloned()
            .collect();
        self.aggs.next_id += 1;
        let id = self.aggs.next_id;
        let names: Vec<String> = aggs.iter().map(ToString::to_string).collect();
        let what = if names.len() > 2 {
            format!("{}, {} and {} more", names[0], names[1], names.len() - 2)
        } else {
            names.join(", ")
        };
        self.aggs.jobs.push((id, what, 0, run_ids.len()));
        vec![Effect::ComputeAggregates(AggJob {
            id,
            run_ids,
            wanted: aggs,
            refetch,
        })]
    }

    /// Applies a batch of computed aggregates, or the end of a job (with its error).
    pub fn on_aggregates(&mut self, job: u64, batch: Option<AggBatch>, error: Option<String>) {
        match batch {
            Some(b) => {
                for (id, key, agg, v) in &b.values {
                    self.index.set_aggregate(id, key, *agg, *v);
                }
                if let Some(j) = self.aggs.jobs.iter_mut().find(|j| j.0 == job) {
                    j.2 = (j.2 + b.runs_done).min(j.3);
                }
            }
            None => {
                self.aggs.jobs.retain(|j| j.0 != job);
                if let Some(e) = error {
                    self.message = Some(Message {
                        text: format!("computing metric aggregates failed: {e}"),
                        error: true,
                    });
                }
            }
        }
        self.refresh_runs();
        self.refresh_sweep();
    }

    /// Runs that changed (a live refresh): their aggregates are computed again (the old
    /// values show until then), and a server's histories of them are fetched again.
    pub(super) fn aggregates_changed(&mut self, runs: &[Run]) {
        if self.aggs.requested.is_empty() {
            return;
        }
        let ids: HashSet<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
        self.aggs
            .requested
            .retain(|(id, _)| !ids.contains(id.as_str()));
        self.aggs
            .changed
            .extend(ids.into_iter().map(str::to_string));
    }
}
