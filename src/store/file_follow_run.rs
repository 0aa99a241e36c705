//! One followed run of a file store: what was read of it (a stamp of its `meta.yaml`, how
//! far each metric file was read, signatures of its key folders) and how closely a poll
//! looks at it again ([`Depth`]): a running run is re-read where it can have changed, a
//! finished one only checked by a few `stat`s (its `meta.yaml` and key folders: new keys,
//! edits through MLflow's UI), and now and then (or when asked) re-read whole.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::file::{fill_run_name, read_run_meta};
use super::file_keys::{read_key_files, walk_key_files};
use super::metric_file::read_metric_lines;
use super::{StoreError, Warning};
use crate::model::{MetricSummary, Run};

/// Identity and size of a file, to notice changes without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(super) struct Stamp {
    pub ino: u64,
    pub len: u64,
    pub mtime_ns: i128,
}

pub(super) fn stamp(path: &Path) -> Option<Stamp> {
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

/// A folder whose mtime is less than this before the clock may change again unseen.
pub(super) const RACY_NS: i128 = 2_000_000_000;

pub(super) fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

/// A run being followed.
pub(super) struct Tracked {
    pub run: Run,
    pub meta: Option<Stamp>,
    pub tails: HashMap<String, Tail>,
    /// Which turn of the timed polls checks this run while it is finished.
    pub slot: u64,
    /// Signatures of the `metrics`, `params` and `tags` folders (and their subfolders) as
    /// they were when last read; `None` when unknown or taken too close to a change.
    pub folders: [Option<u64>; 3],
}

/// How closely a poll looks at a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Depth {
    /// A finished run: its `meta.yaml` and key folders are `stat`ed; it is read again
    /// (`Deep`) only when one of them changed (a rename, a deletion, a new tag or metric).
    Light,
    /// A running run: everything that can change is looked at, params only when their
    /// folders changed (MLflow never changes a param's value), metric files by `stat`
    /// before they are opened.
    Running,
    /// Everything read again.
    Deep,
}

/// The key folders of a run, in [`Tracked::folders`] order.
const GROUPS: [&str; 3] = ["metrics", "params", "tags"];

/// The folders of one key group of a run, relative to its group folder: `""` (the group
/// folder itself) and the folders of its keys with a `/`.
fn key_folders<'a, K: AsRef<str> + 'a>(keys: impl Iterator<Item = &'a K>) -> BTreeSet<&'a str> {
    let mut folders: BTreeSet<&str> = BTreeSet::new();
    folders.insert("");
    for key in keys {
        let mut k = key.as_ref();
        while let Some((parent, _)) = k.rsplit_once('/') {
            folders.insert(parent);
            k = parent;
        }
    }
    folders
}

/// The folders of each key group of a run, in [`GROUPS`] order.
fn group_folders(t: &Tracked) -> [BTreeSet<&str>; 3] {
    [
        key_folders(t.tails.keys()),
        key_folders(t.run.params.keys()),
        key_folders(t.run.tags.keys()),
    ]
}

/// The folders of a run whose changes matter while it runs: its own (`meta.yaml`, new key
/// groups) and its key folders, known from its keys (no folder is listed).
pub(super) fn watch_dirs(dir: &Path, t: &Tracked, out: &mut BTreeSet<PathBuf>) {
    out.insert(dir.to_path_buf());
    for (group, folders) in GROUPS.iter().zip(group_folders(t)) {
        let base = dir.join(group);
        for f in folders {
            out.insert(if f.is_empty() {
                base.clone()
            } else {
                base.join(f)
            });
        }
    }
}

/// A signature of the folders of one key group (a new key changes one of their mtimes).
/// `None` when one of them changed so recently that another change within the same
/// timestamp could go unseen.
fn folder_sig(dir: &Path, group: &str, folders: &BTreeSet<&str>, now: i128) -> Option<u64> {
    let base = dir.join(group);
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in folders {
        let s = if f.is_empty() {
            stamp(&base)
        } else {
            stamp(&base.join(f))
        };
        if s.is_some_and(|s| now - s.mtime_ns < RACY_NS) {
            return None;
        }
        (f, s).hash(&mut h);
    }
    Some(h.finish())
}

/// The signatures of a run's key folders now.
fn folder_sigs(dir: &Path, t: &Tracked) -> [Option<u64>; 3] {
    let now = now_ns();
    let [m, p, g] = group_folders(t);
    [
        folder_sig(dir, GROUPS[0], &m, now),
        folder_sig(dir, GROUPS[1], &p, now),
        folder_sig(dir, GROUPS[2], &g, now),
    ]
}

/// Whether a signature taken now says the same as the one remembered.
fn same(then: Option<u64>, now: Option<u64>) -> bool {
    then.is_some() && then == now
}

/// Looks at a run as closely as `depth` says and re-reads what changed; returns whether
/// anything did.
pub(super) fn refresh(
    tracked: &mut Tracked,
    dir: &Path,
    exp_id: &str,
    depth: Depth,
    warnings: &mut Vec<Warning>,
) -> bool {
    let meta = stamp(&dir.join("meta.yaml"));
    // Taken before anything is read: a change while reading shows at the next look.
    let folders = folder_sigs(dir, tracked);
    let unchanged = |i: usize| depth != Depth::Deep && same(tracked.folders[i], folders[i]);
    let (metrics_same, params_same, tags_same) = (unchanged(0), unchanged(1), unchanged(2));
    if depth == Depth::Light && meta == tracked.meta && metrics_same && params_same && tags_same {
        return false;
    }
    // A finished run that changed is read again whole (a tag rewritten in place or points
    // appended leave its folders as they were).
    let deep = depth != Depth::Running;
    tracked.folders = folders;
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
        // A param never changes once logged: a new one changes its folder's mtime. Tags are
        // rewritten in place (`set_tag`): a running run's are read every time.
        if is_params && params_same && !deep {
            continue;
        }
        let mut fresh = crate::model::KeyMap::new();
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
    let known: Vec<String> = tracked.tails.keys().cloned().collect();
    let mut read = |key: String, path: &Path| {
        seen.insert(key.clone());
        let tail = tracked.tails.entry(key.clone()).or_default();
        // One `stat` tells a file nothing was appended to (most of them, most of the time).
        if stamp(path).is_some_and(|s| s.ino == tail.ino && s.len == tail.consumed) {
            return;
        }
        let mut summary = tracked.run.metrics.get(key.as_str()).copied();
        match read_tail(path, tail, &mut summary) {
            Ok(true) => {
                changed = true;
                match summary {
                    Some(s) => tracked.run.metrics.insert(key.as_str().into(), s),
                    None => tracked.run.metrics.remove(key.as_str()),
                };
            }
            Ok(false) => {}
            Err(e) => warnings.push(StoreError::io(path, e).into()),
        }
    };
    if metrics_same && !deep {
        // No metric file came or went: the known ones are all there is to look at.
        for key in known {
            let mut path = metrics_dir.clone();
            path.push(&key);
            read(key, &path);
        }
    } else {
        walk_key_files(&metrics_dir, &mut |key, path| read(key, path), &mut |e| {
            walk_errors.push(e.into())
        });
    }
    warnings.extend(walk_errors);
    let before = tracked.run.metrics.len();
    tracked.run.metrics.retain(|k, _| seen.contains(k.as_str()));
    tracked.tails.retain(|k, _| seen.contains(k));
    changed |= tracked.run.metrics.len() != before;
    changed
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
