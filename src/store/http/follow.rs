//! Following a tracking server cheaply: after the first full load, each poll asks only for
//! runs that started since the newest one seen and for runs that were still running; every
//! `FULL_EVERY` polls everything is read again to catch deletions and late edits.

use std::collections::{HashMap, HashSet};

use super::HttpStore;
use crate::model::{Experiment, Run};
use crate::store::follow::{Cause, Change, Follower, experiments_if_changed, signature};
use crate::store::{RunBatch, Store, StoreError};

/// Polls between full reloads.
const FULL_EVERY: u64 = 30;
/// Run ids per `run_id IN (...)` search.
const IDS_PER_SEARCH: usize = 100;

pub(super) struct HttpFollower {
    store: HttpStore,
    polls: u64,
    experiments: Option<Vec<Experiment>>,
    signatures: HashMap<String, u64>,
    /// Runs last seen RUNNING or SCHEDULED.
    active: HashSet<String>,
    newest_start: i64,
}

impl HttpFollower {
    pub(super) fn new(store: HttpStore) -> Self {
        Self {
            store,
            polls: 0,
            experiments: None,
            signatures: HashMap::new(),
            active: HashSet::new(),
            newest_start: i64::MIN,
        }
    }
}

/// What the follower remembers of the runs it has seen.
struct Seen<'a> {
    signatures: &'a mut HashMap<String, u64>,
    active: &'a mut HashSet<String>,
    newest_start: &'a mut i64,
}

impl Seen<'_> {
    /// Keeps what changed (everything on the first poll) and updates what is tracked.
    fn sift(&mut self, runs: Vec<Run>, first: bool) -> Vec<Run> {
        let mut out = Vec::new();
        for run in runs {
            if run.status.is_active() {
                self.active.insert(run.run_id.clone());
            } else {
                self.active.remove(&run.run_id);
            }
            *self.newest_start = (*self.newest_start).max(run.start_time.unwrap_or(i64::MIN));
            let sig = signature(&run);
            if self.signatures.insert(run.run_id.clone(), sig) != Some(sig) || first {
                out.push(run);
            }
        }
        out
    }
}

/// An MLflow `IN` list of quoted run ids (ids are hex, but quote-safe anyway).
fn id_list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "")))
        .collect();
    format!("attributes.run_id IN ({})", quoted.join(", "))
}

impl Follower for HttpFollower {
    fn poll_for(&mut self, _: Cause, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let list = self.store.experiments()?;
        let experiments = experiments_if_changed(&mut self.experiments, list, sink);
        let first = self.polls == 0;
        let full = self.polls % FULL_EVERY == 0;
        self.polls += 1;
        let ids = crate::store::experiment_ids(&experiments);
        let active: Vec<String> = self.active.iter().cloned().collect();
        let since = format!("attributes.start_time >= {}", self.newest_start);
        let mut seen = Seen {
            signatures: &mut self.signatures,
            active: &mut self.active,
            newest_start: &mut self.newest_start,
        };
        // Each page goes on as it arrives, so a first load streams into the UI.
        let mut forward = |batch: RunBatch| {
            let runs = seen.sift(batch.runs, first);
            if first || !runs.is_empty() || !batch.warnings.is_empty() {
                sink(Change::Runs(RunBatch {
                    summaries: Vec::new(),
                    runs,
                    warnings: batch.warnings,
                }));
            }
        };
        if full {
            self.store.search_runs(&ids, None, &mut forward)?;
        } else {
            self.store.search_runs(&ids, Some(&since), &mut forward)?;
            for chunk in active.chunks(IDS_PER_SEARCH) {
                self.store
                    .search_runs(&ids, Some(&id_list(chunk)), &mut forward)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_are_quoted() {
        assert_eq!(
            id_list(&["a1".into(), "b2".into()]),
            "attributes.run_id IN ('a1', 'b2')"
        );
    }
}
