//! Following a file store: new experiments and runs are found by listing directories (only
//! those whose mtime changed); changed runs by their `meta.yaml`; new metric points by
//! reading only the bytes appended to each metric file since the last poll (a line still
//! being written waits for its `\n`; a truncated or replaced file is read again from the
//! start). Running runs are read at every poll, finished ones a share per timed poll; the
//! folders worth watching are the store's, its experiments' and the running runs'.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::file::{
    FileStore, fill_run_name, has_meta, list_subdirs, read_experiment, read_run_meta,
    read_run_tracked, run_candidates,
};
use super::file_keys::{MAX_KEY_DEPTH, MetricOffsets, read_key_files, walk_key_files};
use super::follow::{Cause, Change, Follower};
use super::metric_file::read_metric_lines;
use super::{ExperimentList, RunBatch, StoreError, Warning, WatchSet};
use crate::model::{MetricSummary, Run};

/// Timed polls check finished runs as closely as running ones, a share of them each: every
/// finished run once in this many timed polls (the first share also lists every experiment
/// folder again, whatever its mtime says).
const FULL_CHECK_EVERY: u64 = 15;

/// Identity and size of a file, to notice changes without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Stamp {
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        ino: m.ino(),
        len: m.len(),
        mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
    })
}

/// How far a metric file has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Tail {
    pub ino: u64,
    pub consumed: u64,
}

/// Reads what was appended to a metric file since `tail`, folding new points into
/// `summary`. A replaced (new inode) or truncated file is read again from the start and
/// replaces the summary. Returns whether anything changed.
pub(super) fn read_tail(
    path: &Path,
    tail: &mut Tail,
    summary: &mut Option<MetricSummary>,
) -> std::io::Result<bool> {
    let mut file = super::fsread::open_regular(path)?;
    let meta = file.metadata()?;
    let restart = meta.ino() != tail.ino || meta.len() < tail.consumed;
    if restart {
        *tail = Tail {
            ino: meta.ino(),
            consumed: 0,
        };
        *summary = None;
    }
    if meta.len() == tail.consumed {
        return Ok(restart);
    }
    file.seek(SeekFrom::Start(tail.consumed))?;
    let mut changed = restart;
    // Streamed through a small buffer: memory stays bounded whatever was appended.
    let mut buf = Vec::new();
    let outcome = read_metric_lines(&mut file, &mut buf, |p| {
        changed = true;
        match summary.as_mut() {
            Some(s) => s.push(p),
            None => *summary = Some(MetricSummary::from_point(p)),
        }
    })?;
    tail.consumed += outcome.consumed as u64;
    Ok(changed)
}

/// A newly found run: its directory, what reading it gave, and its meta.yaml stamp.
type NewRun = (
    PathBuf,
    Result<(Run, MetricOffsets), StoreError>,
    Vec<Warning>,
    Option<Stamp>,
);

/// A run being followed.
struct Tracked {
    run: Run,
    meta: Option<Stamp>,
    tails: HashMap<String, Tail>,
    /// Which of the timed polls' shares checks this run while it is finished.
    share: u64,
}

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

/// A folder whose mtime is less than this before the clock may change again unseen.
const RACY_NS: i128 = 2_000_000_000;

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// Follows an `mlruns` directory. A poll lists again only the experiment folders whose
/// mtime changed (a run came or went) and re-reads only running runs; finished runs are
/// checked by the timed polls, a share of them each, and all of them when asked.
pub(super) struct FileFollower {
    store: FileStore,
    polls: u64,
    /// Polls at the refresh interval: which share of finished runs to check.
    timed: u64,
    next_share: u64,
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
            next_share: 0,
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

    /// Re-reads what may have changed in a run; returns whether it did.
    fn refresh(
        tracked: &mut Tracked,
        dir: &Path,
        exp_id: &str,
        warnings: &mut Vec<Warning>,
    ) -> bool {
        let meta = stamp(&dir.join("meta.yaml"));
        let mut changed = false;
        if meta != tracked.meta {
            tracked.meta = meta;
            match read_run_meta(dir, exp_id) {
                Ok(header) => {
                    let run = &mut tracked.run;
                    let before = (
                        run.status,
                        run.lifecycle,
                        run.end_time,
                        run.run_name.clone(),
                    );
                    run.status = header.status;
                    run.lifecycle = header.lifecycle;
                    run.start_time = header.start_time;
                    run.end_time = header.end_time;
                    run.user_id = header.user_id;
                    run.artifact_uri = header.artifact_uri;
                    run.run_name = header.run_name;
                    fill_run_name(run);
                    changed |= before
                        != (
                            run.status,
                            run.lifecycle,
                            run.end_time,
                            run.run_name.clone(),
                        );
                }
                // Caught mid-rewrite or broken: keep the last good state.
                Err(e) => warnings.push(e.into()),
            }
        }
        for (sub, is_params) in [("params", true), ("tags", false)] {
            let mut fresh = BTreeMap::new();
            let mut problems = Vec::new();
            read_key_files(&dir.join(sub), &mut fresh, &mut problems);
            if !problems.is_empty() {
                // Keep the last good values; say what could not be read.
                warnings.extend(problems);
                continue;
            }
            let map = if is_params {
                &mut tracked.run.params
            } else {
                &mut tracked.run.tags
            };
            if *map != fresh {
                *map = fresh;
                changed = true;
            }
        }
        if changed {
            fill_run_name(&mut tracked.run);
        }
        let metrics_dir = dir.join("metrics");
        let mut seen = HashSet::new();
        let mut walk_errors = Vec::new();
        walk_key_files(
            &metrics_dir,
            &mut |key, path| {
                seen.insert(key.clone());
                let tail = tracked.tails.entry(key.clone()).or_default();
                let mut summary = tracked.run.metrics.get(&key).copied();
                match read_tail(path, tail, &mut summary) {
                    Ok(true) => {
                        changed = true;
                        match summary {
                            Some(s) => tracked.run.metrics.insert(key, s),
                            None => tracked.run.metrics.remove(&key),
                        };
                    }
                    Ok(false) => {}
                    Err(e) => warnings.push(StoreError::io(path, e).into()),
                }
            },
            &mut |e| walk_errors.push(e.into()),
        );
        warnings.extend(walk_errors);
        let before = tracked.run.metrics.len();
        tracked.run.metrics.retain(|k, _| seen.contains(k));
        changed |= tracked.run.metrics.len() != before;
        changed
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
                dirs.insert(dir.clone());
                for sub in ["metrics", "params", "tags"] {
                    subfolders(&dir.join(sub), 0, &mut dirs);
                }
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
        // The share of finished runs this poll checks; the first share also lists every
        // experiment folder again.
        let share = (cause == Cause::Timer).then(|| {
            self.timed += 1;
            self.timed % FULL_CHECK_EVERY
        });

        let mut warnings = Vec::new();
        let new_dirs = self.find_new_runs(&dirs, all || share == Some(0), &mut warnings);

        let mut changed: Vec<Run> = Vec::new();
        if !first {
            let runs: Vec<(&PathBuf, &mut Tracked)> = self
                .runs
                .iter_mut()
                .filter(|(_, t)| all || t.run.status.is_active() || share == Some(t.share))
                .collect();
            let results: Vec<(Option<Run>, Vec<Warning>)> = runs
                .into_par_iter()
                .map(|(dir, tracked)| {
                    let mut w = Vec::new();
                    let exp_id = tracked.run.experiment_id.clone();
                    let did = Self::refresh(tracked, dir, &exp_id, &mut w);
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
                        let share = self.next_share % FULL_CHECK_EVERY;
                        self.next_share += 1;
                        self.runs.insert(
                            dir,
                            Tracked {
                                run,
                                meta,
                                tails,
                                share,
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
                runs: changed,
                warnings,
            }));
        }
        Ok(())
    }
}

/// Adds the subfolders of `dir` (keys with a `/`), at any depth up to the deepest key
/// followed, to `out`.
fn subfolders(dir: &Path, depth: usize, out: &mut BTreeSet<PathBuf>) {
    if depth >= MAX_KEY_DEPTH {
        return;
    }
    if depth == 0 {
        if !dir.is_dir() {
            return;
        }
        out.insert(dir.to_path_buf());
    }
    for sub in list_subdirs(dir).unwrap_or_default() {
        subfolders(&sub, depth + 1, out);
        out.insert(sub);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        f.write_all(text.as_bytes()).expect("write");
    }

    #[test]
    fn tail_reads_only_appended_complete_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("loss");
        append(&path, "1000 1.0 0\n1001 0.9 1\n1002 0.");
        let mut tail = Tail::default();
        let mut summary = None;
        assert!(read_tail(&path, &mut tail, &mut summary).expect("read"));
        let s = summary.expect("summary");
        assert_eq!((s.count, s.latest.step), (Some(2), 1));
        assert_eq!(
            tail.consumed,
            "1000 1.0 0\n1001 0.9 1\n".len() as u64,
            "the partial line waits"
        );
        assert!(
            !read_tail(&path, &mut tail, &mut summary).expect("read"),
            "nothing new"
        );
        append(&path, "8 2\n1003 0.7 3\n");
        assert!(read_tail(&path, &mut tail, &mut summary).expect("read"));
        let s = summary.expect("summary");
        assert_eq!(
            (s.count, s.latest.step, s.latest.value, s.min),
            (Some(4), 3, 0.7, 0.7)
        );
    }

    #[test]
    fn truncated_or_replaced_files_are_read_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("acc");
        append(&path, "1 0.1 0\n2 0.2 1\n3 0.3 2\n");
        let mut tail = Tail::default();
        let mut summary = None;
        read_tail(&path, &mut tail, &mut summary).expect("read");
        // Truncated in place, then shorter content.
        std::fs::write(&path, "9 0.5 0\n").expect("write");
        assert!(read_tail(&path, &mut tail, &mut summary).expect("read"));
        assert_eq!(
            summary.map(|s| (s.count, s.latest.value)),
            Some((Some(1), 0.5))
        );
        // Replaced by a new file (new inode) of the same or greater length.
        let tmp = dir.path().join("acc.tmp");
        std::fs::write(&tmp, "7 0.25 0\n8 0.75 1\n").expect("write");
        std::fs::rename(&tmp, &path).expect("rename");
        assert!(read_tail(&path, &mut tail, &mut summary).expect("read"));
        assert_eq!(
            summary.map(|s| (s.count, s.latest.value)),
            Some((Some(2), 0.75))
        );
    }
}
