//! Following a file store: new experiments and runs are found by listing directories (only
//! those whose mtime changed), changed runs by their `meta.yaml` and key folders, new metric
//! points by reading only the bytes appended to each metric file since the last poll (see
//! `file_follow_run.rs`). Running runs are looked at every poll, finished ones by the timed
//! polls in turns; the folders worth watching are the store's, its experiments' and the
//! running runs'.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::file::{FileStore, has_meta, read_experiment, read_run_tracked, run_candidates};
use super::file_follow_run::{
    Depth, RACY_NS, Stamp, Tail, Tracked, now_ns, refresh, stamp, watch_dirs,
};
use super::file_keys::MetricOffsets;
use super::follow::{Cause, Change, Follower};
use super::{ExperimentList, RunBatch, StoreError, Warning, WatchSet};
use crate::model::Run;

/// Timed polls take turns to check finished runs (a few `stat`s each, [`Depth::Light`]):
/// every finished run once in this many timed polls, or in more when that would be more
/// than [`MAX_CHECKS`] a poll. The first turn also lists every experiment folder again,
/// whatever its mtime says.
const TURNS: u64 = 15;
/// The most finished runs one timed poll checks: a poll of a store of 100,000 runs stays
/// short, and its finished runs are all checked in 50 polls.
const MAX_CHECKS: u64 = 2_000;
/// Every this many rounds of turns, finished runs are read again whole ([`Depth::Deep`]):
/// what their folders do not show (a tag rewritten in place, points appended to a
/// finished run's metric) is found then. The first round is one (runs have no folder
/// signatures yet).
const DEEP_EVERY: u64 = 10;

/// A newly found run: its directory, what reading it gave, and its meta.yaml stamp.
type NewRun = (
    PathBuf,
    Result<(Run, MetricOffsets), StoreError>,
    Vec<Warning>,
    Option<Stamp>,
);

/// What the last listing of an experiment folder found.
#[derive(Debug, Default)]
struct Listing {
    /// The folder's stamp before it was listed: its mtime changes when runs come or go.
    stamp: Option<Stamp>,
    /// Changed so shortly before it was listed that another change within the same
    /// timestamp could go unnoticed: listed again at the next poll.
    racy: bool,
    /// Folders without a `meta.yaml` yet (runs being created): looked at every poll.
    pending: Vec<PathBuf>,
    /// In `.trash` (a deleted experiment): not watched.
    trash: bool,
}

/// Follows an `mlruns` directory. A poll lists again only the experiment folders whose
/// mtime changed (a run came or went) and looks at running runs; finished runs are checked
/// by the timed polls in turns, and all of them when asked.
pub(super) struct FileFollower {
    store: FileStore,
    polls: u64,
    /// Polls at the refresh interval so far: whose turn it is among finished runs.
    timed: u64,
    next_slot: u64,
    experiment_stamps: HashMap<PathBuf, Option<Stamp>>,
    listings: HashMap<PathBuf, Listing>,
    runs: HashMap<PathBuf, Tracked>,
}

impl FileFollower {
    pub(super) fn new(store: FileStore) -> Self {
        Self {
            store,
            polls: 0,
            timed: 0,
            next_slot: 0,
            experiment_stamps: HashMap::new(),
            listings: HashMap::new(),
            runs: HashMap::new(),
        }
    }

    fn poll_experiments(
        &mut self,
        dirs: &[(PathBuf, bool)],
        unreadable: Vec<Warning>,
    ) -> Option<ExperimentList> {
        let stamps: HashMap<PathBuf, Option<Stamp>> = dirs
            .iter()
            .map(|(d, _)| (d.clone(), stamp(&d.join("meta.yaml"))))
            .collect();
        if stamps == self.experiment_stamps && self.polls > 0 {
            return None;
        }
        self.experiment_stamps = stamps;
        let mut list = ExperimentList {
            warnings: unreadable,
            ..ExperimentList::default()
        };
        for (dir, _) in dirs {
            match read_experiment(dir, &mut list.warnings) {
                Ok(e) => list.experiments.push(e),
                Err(e) => list.warnings.push(e.into()),
            }
        }
        Some(list)
    }

    /// Finds the run folders that are new since the last poll: lists the experiment
    /// folders that changed since (every one with `all`), looks again at folders that had
    /// no `meta.yaml` yet, and forgets runs whose folder went away. Returns each new run's
    /// folder and experiment id.
    fn find_new_runs(
        &mut self,
        dirs: &[(PathBuf, bool)],
        all: bool,
        warnings: &mut Vec<Warning>,
    ) -> Vec<(PathBuf, String)> {
        let now = now_ns();
        let mut new_dirs = Vec::new();
        // The runs of each folder listed now; folders not listed keep theirs.
        let mut listed: HashMap<&Path, HashSet<PathBuf>> = HashMap::new();
        let mut kept: HashSet<&Path> = HashSet::new();
        for (exp_dir, trash) in dirs {
            let exp_id = exp_dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let listing = self.listings.entry(exp_dir.clone()).or_default();
            listing.trash = *trash;
            let now_stamp = stamp(exp_dir);
            if !all && !listing.racy && now_stamp.is_some() && now_stamp == listing.stamp {
                // No run came or went.
                let (ready, waiting): (Vec<PathBuf>, Vec<PathBuf>) =
                    std::mem::take(&mut listing.pending)
                        .into_iter()
                        .partition(|d| has_meta(d).unwrap_or(false));
                listing.pending = waiting;
                new_dirs.extend(ready.into_iter().map(|d| (d, exp_id.clone())));
                kept.insert(exp_dir);
                continue;
            }
            let present = listed.entry(exp_dir).or_default();
            let entries = match run_candidates(exp_dir) {
                Ok(e) => e,
                Err(e) => {
                    warnings.push(e.into());
                    listing.stamp = None;
                    continue;
                }
            };
            listing.stamp = now_stamp;
            listing.racy = now_stamp.is_none_or(|s| now - s.mtime_ns < RACY_NS);
            listing.pending.clear();
            for entry in entries {
                if self.runs.contains_key(&entry) {
                    present.insert(entry);
                } else if has_meta(&entry).unwrap_or(false) {
                    present.insert(entry.clone());
                    new_dirs.push((entry, exp_id.clone()));
                } else {
                    listing.pending.push(entry);
                }
            }
        }
        let current: HashSet<&Path> = dirs.iter().map(|(d, _)| d.as_path()).collect();
        self.listings.retain(|d, _| current.contains(d.as_path()));
        // Runs moved with their experiment (to or from .trash) are found again as new.
        self.runs.retain(|dir, _| match dir.parent() {
            Some(exp) if kept.contains(exp) => true,
            Some(exp) => listed.get(exp).is_some_and(|p| p.contains(dir)),
            None => false,
        });
        new_dirs
    }
}

impl Follower for FileFollower {
    /// The store's folder and its experiments' (new runs), folders that may become runs,
    /// and each running run's folder with its `metrics`, `params` and `tags` (and their
    /// subfolders: keys with a `/`). Finished runs are not watched: a store of 100,000 runs
    /// needs a few watches, not hundreds of thousands.
    fn watch_set(&self) -> Option<WatchSet> {
        let root = self.store.root().to_path_buf();
        let mut dirs = BTreeSet::new();
        dirs.insert(root.clone());
        for (dir, listing) in &self.listings {
            if !listing.trash {
                dirs.insert(dir.clone());
            }
            dirs.extend(listing.pending.iter().cloned());
        }
        for (dir, tracked) in &self.runs {
            if tracked.run.status.is_active() {
                watch_dirs(dir, tracked, &mut dirs);
            }
        }
        Some(WatchSet {
            root,
            dirs,
            names: None,
        })
    }

    fn poll_for(&mut self, cause: Cause, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let (dirs, unreadable) = self.store.experiment_dirs()?;
        if let Some(list) = self.poll_experiments(&dirs, unreadable) {
            sink(Change::Experiments(list));
        }
        let first = self.polls == 0;
        self.polls += 1;
        let all = first || cause == Cause::Full;
        // A timed poll checks the finished runs whose turn it is (`slot % turns`), lightly
        // but in one round of turns out of DEEP_EVERY.
        let turns = TURNS.max((self.runs.len() as u64).div_ceil(MAX_CHECKS));
        let turn = (cause == Cause::Timer).then(|| {
            let t = self.timed;
            self.timed += 1;
            (t % turns, (t / turns) % DEEP_EVERY == 0)
        });
        let finished_depth = match turn {
            Some((_, true)) => Depth::Deep,
            _ => Depth::Light,
        };

        let mut warnings = Vec::new();
        let relist = all || turn.is_some_and(|(t, _)| t == 0);
        let new_dirs = self.find_new_runs(&dirs, relist, &mut warnings);

        let mut changed: Vec<Run> = Vec::new();
        if !first {
            let runs: Vec<(&PathBuf, &mut Tracked, Depth)> = self
                .runs
                .iter_mut()
                .filter_map(|(dir, t)| {
                    let depth = if all {
                        Depth::Deep
                    } else if t.run.status.is_active() {
                        Depth::Running
                    } else if turn.is_some_and(|(turn, _)| t.slot % turns == turn) {
                        finished_depth
                    } else {
                        return None;
                    };
                    Some((dir, t, depth))
                })
                .collect();
            let results: Vec<(Option<Run>, Vec<Warning>)> = runs
                .into_par_iter()
                .map(|(dir, tracked, depth)| {
                    let mut w = Vec::new();
                    let exp_id = tracked.run.experiment_id.clone();
                    let did = refresh(tracked, dir, &exp_id, depth, &mut w);
                    (did.then(|| tracked.run.clone()), w)
                })
                .collect();
            for (run, w) in results {
                warnings.extend(w);
                changed.extend(run);
            }
        }

        // New runs, read whole, in batches so a first load streams.
        for chunk in new_dirs.chunks(256) {
            let results: Vec<NewRun> = chunk
                .par_iter()
                .map(|(dir, exp_id)| {
                    let mut w = Vec::new();
                    let meta = stamp(&dir.join("meta.yaml"));
                    let r = read_run_tracked(dir, exp_id, &mut w);
                    (dir.clone(), r, w, meta)
                })
                .collect();
            let mut batch = RunBatch::default();
            for (dir, r, w, meta) in results {
                batch.warnings.extend(w);
                match r {
                    Ok((run, offsets)) => {
                        let ino = |key: &str| {
                            let mut p = dir.join("metrics");
                            p.push(key);
                            stamp(&p).map_or(0, |s| s.ino)
                        };
                        let tails = offsets
                            .into_iter()
                            .map(|(k, consumed)| {
                                let t = Tail {
                                    ino: ino(&k),
                                    consumed,
                                };
                                (k, t)
                            })
                            .collect();
                        batch.runs.push(run.clone());
                        let slot = self.next_slot;
                        self.next_slot += 1;
                        self.runs.insert(
                            dir,
                            Tracked {
                                run,
                                meta,
                                tails,
                                slot,
                                folders: [None; 3],
                            },
                        );
                    }
                    Err(e) => batch.warnings.push(e.into()),
                }
            }
            if first {
                sink(Change::Runs(batch));
            } else {
                changed.extend(batch.runs);
                warnings.extend(batch.warnings);
            }
        }
        if !changed.is_empty() || !warnings.is_empty() {
            sink(Change::Runs(RunBatch {
                summaries: Vec::new(),
                runs: changed,
                warnings,
            }));
        }
        Ok(())
    }
}
