//! Following a file store: new experiments and runs are found by listing directories;
//! changed runs by their `meta.yaml`; new metric points by reading only the bytes appended
//! to each metric file since the last poll (a line still being written waits for its `\n`;
//! a truncated or replaced file is read again from the start).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::file::{
    FileStore, fill_run_name, has_meta, read_experiment, read_run_meta, read_run_tracked,
    run_candidates,
};
use super::file_keys::{MetricOffsets, read_key_files, walk_key_files};
use super::follow::{Change, Follower};
use super::metric_file::read_metric_lines;
use super::{ExperimentList, RunBatch, StoreError, Warning};
use crate::model::{MetricSummary, Run};

/// Every this many polls, finished runs are checked as closely as running ones.
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
}

/// Follows an `mlruns` directory.
pub(super) struct FileFollower {
    store: FileStore,
    polls: u64,
    experiment_stamps: HashMap<PathBuf, Option<Stamp>>,
    runs: HashMap<PathBuf, Tracked>,
}

impl FileFollower {
    pub(super) fn new(store: FileStore) -> Self {
        Self {
            store,
            polls: 0,
            experiment_stamps: HashMap::new(),
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

    /// Re-reads what may have changed in a run; returns whether it did.
    fn refresh(
        tracked: &mut Tracked,
        dir: &Path,
        exp_id: &str,
        close: bool,
        warnings: &mut Vec<Warning>,
    ) -> bool {
        let meta = stamp(&dir.join("meta.yaml"));
        let meta_changed = meta != tracked.meta;
        if !meta_changed && !close {
            return false;
        }
        let mut changed = false;
        if meta_changed {
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
    fn poll(&mut self, sink: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        let (dirs, unreadable) = self.store.experiment_dirs()?;
        if let Some(list) = self.poll_experiments(&dirs, unreadable) {
            sink(Change::Experiments(list));
        }
        let first = self.polls == 0;
        let close_all = self.polls % FULL_CHECK_EVERY == 0;
        self.polls += 1;

        let mut warnings = Vec::new();
        let mut new_dirs = Vec::new();
        let mut present = HashSet::new();
        for (exp_dir, _) in &dirs {
            let exp_id = exp_dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let entries = match run_candidates(exp_dir) {
                Ok(e) => e,
                Err(e) => {
                    warnings.push(e.into());
                    continue;
                }
            };
            for entry in entries {
                if !has_meta(&entry).unwrap_or(false) {
                    continue;
                }
                present.insert(entry.clone());
                if !self.runs.contains_key(&entry) {
                    new_dirs.push((entry, exp_id.clone()));
                }
            }
        }
        // Runs moved with their experiment (to or from .trash) are found again as new.
        self.runs.retain(|dir, _| present.contains(dir));

        let mut changed: Vec<Run> = Vec::new();
        if !first {
            let runs: Vec<(&PathBuf, &mut Tracked)> = self.runs.iter_mut().collect();
            let results: Vec<(Option<Run>, Vec<Warning>)> = runs
                .into_par_iter()
                .map(|(dir, tracked)| {
                    let mut w = Vec::new();
                    let exp_id = tracked.run.experiment_id.clone();
                    let close = close_all || tracked.run.status.is_active();
                    let did = Self::refresh(tracked, dir, &exp_id, close, &mut w);
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
                        self.runs.insert(dir, Tracked { run, meta, tails });
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
