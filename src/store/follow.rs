//! Following a store while training runs write to it: a `Follower` reports everything on
//! its first poll and afterwards only experiments and runs that are new or changed.
//! Stores without a cheaper way are followed by reloading and comparing signatures.

use std::collections::HashMap;
use std::sync::Arc;

use super::{ExperimentList, RunBatch, RunQuery, Store, StoreError};
use crate::model::{Experiment, Run};

/// Something a follower found.
#[derive(Debug)]
pub enum Change {
    /// The full, current list of experiments (sent when it changed).
    Experiments(ExperimentList),
    /// New or changed runs, complete.
    Runs(RunBatch),
}

/// Why a follower polls, which says how closely it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The store's watcher saw a change: look where a change can be (new folders, running
    /// runs), not at every finished run.
    Watch,
    /// The refresh interval passed: as for `Watch`, and now and then everything else (a
    /// follower may spread that over its timed polls).
    Timer,
    /// Asked for (`r`): everything is checked.
    Full,
}

/// Reports changes of a store, incrementally where the store allows it.
pub trait Follower: Send {
    /// First call: every experiment and run. Later calls: only what changed since, looked
    /// for as closely as `cause` asks.
    fn poll_for(&mut self, cause: Cause, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError>;

    /// [`Follower::poll_for`] when the refresh interval passed.
    fn poll(&mut self, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        self.poll_for(Cause::Timer, sink)
    }

    /// The folders to watch so that a change wakes the follower at once (local stores, as
    /// of the last poll: running runs come and go); `None` when the store cannot be watched
    /// (servers) and is polled.
    fn watch_set(&self) -> Option<super::WatchSet> {
        None
    }
}

/// The best follower for `store`: its own when it has one, else reload-and-compare.
pub fn follow(store: Arc<dyn Store>) -> Box<dyn Follower> {
    match store.follower() {
        Some(f) => f,
        None => Box::new(ReloadFollower {
            store,
            experiments: None,
            signatures: HashMap::new(),
        }),
    }
}

/// Passes `list` on when it differs from the `last` one sent (remembering it), and returns
/// the current experiments. Every follower reports experiments this way.
pub(crate) fn experiments_if_changed(
    last: &mut Option<Vec<Experiment>>,
    list: ExperimentList,
    sink: &mut dyn FnMut(Change),
) -> Vec<Experiment> {
    let current = list.experiments.clone();
    if last.as_ref() != Some(&current) {
        *last = Some(current.clone());
        sink(Change::Experiments(list));
    }
    current
}

/// What identifies a version of a run cheaply: anything a training job changes.
pub(crate) fn signature(run: &Run) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    run.status.hash(&mut h);
    run.lifecycle.hash(&mut h);
    run.end_time.hash(&mut h);
    run.run_name.hash(&mut h);
    run.params.hash(&mut h);
    run.tags.hash(&mut h);
    for (k, m) in &run.metrics {
        k.hash(&mut h);
        (
            m.latest.step,
            m.latest.timestamp,
            m.latest.value.to_bits(),
            m.count,
        )
            .hash(&mut h);
    }
    h.finish()
}

/// Follows any store by reading everything again and passing on what differs.
struct ReloadFollower {
    store: Arc<dyn Store>,
    experiments: Option<Vec<Experiment>>,
    signatures: HashMap<String, u64>,
}

impl Follower for ReloadFollower {
    fn poll_for(&mut self, _: Cause, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let list = self.store.experiments()?;
        let experiments = experiments_if_changed(&mut self.experiments, list, sink);
        let first = self.signatures.is_empty();
        let signatures = &mut self.signatures;
        self.store.runs(&RunQuery::all(&experiments), &mut |batch| {
            let mut changed = RunBatch {
                summaries: Vec::new(),
                runs: Vec::new(),
                warnings: if first { batch.warnings } else { Vec::new() },
            };
            for run in batch.runs {
                let sig = signature(&run);
                if signatures.insert(run.run_id.clone(), sig) != Some(sig) {
                    changed.runs.push(run);
                }
            }
            if !changed.runs.is_empty() || !changed.warnings.is_empty() || first {
                sink(Change::Runs(changed));
            }
        })
    }
}
