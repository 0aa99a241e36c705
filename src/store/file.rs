//! The file store backend: MLflow's `mlruns/` directory tree, read in parallel with rayon.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::aggregate::Agg;
use crate::model::{
    DatasetInput, Experiment, Lifecycle, MetricPoint, Run, RunCount, RunStatus, TAG_RUN_NAME,
};

use super::file_keys::{MetricOffsets, read_key_files, read_metrics};
use super::fsread::open_regular;
use super::metric_file::read_metric_lines;
use super::yaml::Meta;
use super::{ExperimentList, RunBatch, RunQuery, Store, StoreError, Warning};

/// Directories inside an experiment folder that are not runs.
pub(super) const NON_RUN_DIRS: &[&str] = &["tags", "datasets", "traces", "models"];
/// Directories at the store root that are not experiments.
const NON_EXPERIMENT_DIRS: &[&str] = &[".trash", "models"];
/// How many runs are parsed before the first batch is handed to the caller (so that the
/// first rows show at once); later batches double up to [`MAX_BATCH`], so that a caller
/// that re-sorts on every batch does so a few times, not once per 256 runs.
const FIRST_BATCH: usize = 256;
const MAX_BATCH: usize = 4096;

/// Experiment folders: `(dir, is_in_trash)`.
pub(super) type ExperimentDirs = Vec<(PathBuf, bool)>;

/// An `mlruns` directory.
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let meta = std::fs::metadata(root).map_err(|e| StoreError::io(root, e))?;
        if !meta.is_dir() {
            return Err(StoreError::bad(root, "not a directory"));
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The `mlruns` folder.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// Every experiment directory: `(dir, is_in_trash)`, and warnings about folders that
    /// could not be looked into (e.g. no permission): those are left out, the rest is kept.
    pub(super) fn experiment_dirs(&self) -> Result<(ExperimentDirs, Vec<Warning>), StoreError> {
        let mut dirs = Vec::new();
        let mut warnings = Vec::new();
        for entry in list_dir(&self.root)? {
            let name = entry
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if NON_EXPERIMENT_DIRS.contains(&name.as_str()) || !entry.is_dir() {
                continue;
            }
            match has_meta(&entry) {
                Ok(true) => dirs.push((entry, false)),
                Ok(false) => {}
                Err(e) => warnings.push(unreadable_folder(&entry, &e)),
            }
        }
        let trash = self.root.join(".trash");
        if trash.is_dir() {
            match list_dir(&trash) {
                Ok(entries) => {
                    for entry in entries {
                        if !entry.is_dir() {
                            continue;
                        }
                        match has_meta(&entry) {
                            Ok(true) => dirs.push((entry, true)),
                            Ok(false) => {}
                            Err(e) => warnings.push(unreadable_folder(&entry, &e)),
                        }
                    }
                }
                Err(e) => warnings.push(e.into()),
            }
        }
        Ok((dirs, warnings))
    }

    /// Where an experiment lives: `<root>/<id>` or, once deleted, `<root>/.trash/<id>`.
    fn experiment_dir(&self, id: &str) -> Option<PathBuf> {
        if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
            return None;
        }
        [self.root.join(id), self.root.join(".trash").join(id)]
            .into_iter()
            .find(|d| has_meta(d).unwrap_or(false))
    }

    /// Finds a run's directory by scanning experiment folders.
    pub(super) fn run_dir(&self, run_id: &str) -> Result<PathBuf, StoreError> {
        if !is_safe_name(run_id) {
            return Err(StoreError::RunNotFound(run_id.to_string()));
        }
        for (dir, _) in self.experiment_dirs()?.0 {
            let candidate = dir.join(run_id);
            if has_meta(&candidate).unwrap_or(false) {
                return Ok(candidate);
            }
        }
        Err(StoreError::RunNotFound(run_id.to_string()))
    }
}

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("file store {}", self.root.display())
    }

    fn experiments(&self) -> Result<ExperimentList, StoreError> {
        let (dirs, warnings) = self.experiment_dirs()?;
        let results: Vec<(Result<Experiment, StoreError>, Vec<Warning>)> = dirs
            .par_iter()
            .map(|(dir, _)| {
                let mut w = Vec::new();
                (read_experiment(dir, &mut w), w)
            })
            .collect();
        let mut list = ExperimentList {
            warnings,
            ..ExperimentList::default()
        };
        for (r, w) in results {
            list.warnings.extend(w);
            match r {
                Ok(e) => list.experiments.push(e),
                Err(e) => list.warnings.push(e.into()),
            }
        }
        Ok(list)
    }

    fn runs(&self, query: &RunQuery<'_>, sink: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
        let experiments = query.experiments;
        let mut run_dirs = Vec::new();
        let mut warnings = Vec::new();
        for exp in experiments {
            let Some(dir) = self.experiment_dir(&exp.experiment_id) else {
                warnings.push(Warning {
                    location: self.root.join(&exp.experiment_id).display().to_string(),
                    message: "experiment directory not found".into(),
                });
                continue;
            };
            // Folders without a meta.yaml are dropped when reading them finds none.
            match run_candidates(&dir) {
                Ok(entries) => {
                    run_dirs.extend(entries.into_iter().map(|e| (e, exp.experiment_id.clone())))
                }
                Err(e) => warnings.push(e.into()),
            }
        }
        if !warnings.is_empty() {
            sink(RunBatch {
                summaries: Vec::new(),
                runs: Vec::new(),
                warnings,
            });
        }
        let wanted = super::aggs_by_key(query.aggregates);
        let mut rest = &run_dirs[..];
        let mut size = FIRST_BATCH;
        while !rest.is_empty() {
            let (chunk, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            size = (size * 2).min(MAX_BATCH);
            let results: Vec<(Result<Run, StoreError>, Vec<Warning>)> = chunk
                .par_iter()
                .map(|(dir, exp_id)| {
                    let mut w = Vec::new();
                    (read_run_with(dir, exp_id, &mut w, &wanted), w)
                })
                .collect();
            let mut batch = RunBatch::default();
            for ((r, w), (dir, _)) in results.into_iter().zip(chunk) {
                batch.warnings.extend(w);
                match r {
                    Ok(run) => batch.runs.push(run),
                    // A folder without meta.yaml is not a run (MLflow skips it too).
                    Err(e) if is_missing_meta(&e, dir) => {}
                    Err(e) => batch.warnings.push(e.into()),
                }
            }
            sink(batch);
        }
        Ok(())
    }

    fn run(&self, run_id: &str) -> Result<Run, StoreError> {
        let dir = self.run_dir(run_id)?;
        let exp_dir = dir.parent().unwrap_or(&self.root);
        let exp_id = exp_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        read_run(&dir, &exp_id, &mut Vec::new())
    }

    /// Runs per experiment by lifecycle: one directory listing each, and each run's
    /// `meta.yaml` (runs whose `meta.yaml` cannot be read are not counted, as they do not
    /// load). When a folder cannot be listed, `None`: the caller then loads the runs, which
    /// reports the folder in a warning and keeps the rest.
    fn run_counts(
        &self,
        experiments: &[Experiment],
    ) -> Result<Option<HashMap<String, RunCount>>, StoreError> {
        let mut counts = HashMap::new();
        for exp in experiments {
            let mut n = RunCount::default();
            if let Some(dir) = self.experiment_dir(&exp.experiment_id) {
                let Ok(run_dirs) = run_candidates(&dir) else {
                    return Ok(None);
                };
                for run_dir in run_dirs {
                    if let Ok(run) = read_run_meta(&run_dir, &exp.experiment_id) {
                        n.bump(run.lifecycle, true);
                    }
                }
            }
            counts.insert(exp.experiment_id.clone(), n);
        }
        Ok(Some(counts))
    }

    fn metric_aggregates(
        &self,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError> {
        self.aggregates(run_ids, wanted, sink)
    }

    fn follower(&self) -> Option<Box<dyn super::Follower>> {
        let store = FileStore {
            root: self.root.clone(),
        };
        Some(Box::new(super::file_follow::FileFollower::new(store)))
    }

    fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, StoreError> {
        let mut points = Vec::new();
        self.metric_history_chunks(run_id, key, &mut |chunk| {
            points.extend_from_slice(chunk);
            std::ops::ControlFlow::Continue(())
        })?;
        Ok(points)
    }

    /// Streams the metric file through a small buffer: constant memory at any length.
    fn metric_history_chunks(
        &self,
        run_id: &str,
        key: &str,
        sink: &mut dyn FnMut(&[MetricPoint]) -> std::ops::ControlFlow<()>,
    ) -> Result<(), StoreError> {
        if !is_safe_key(key) {
            return Err(StoreError::bad(
                self.root.join(run_id),
                format!("invalid metric key {key:?}"),
            ));
        }
        let path = self.run_dir(run_id)?.join("metrics").join(key);
        let mut file = match open_regular(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        let mut chunk: Vec<MetricPoint> = Vec::with_capacity(super::HISTORY_CHUNK);
        let mut stopped = false;
        let mut buf = Vec::new();
        read_metric_lines(&mut file, &mut buf, |p| {
            if stopped {
                return;
            }
            chunk.push(p);
            if chunk.len() == super::HISTORY_CHUNK {
                stopped = sink(&chunk).is_break();
                chunk.clear();
            }
        })
        .map_err(|e| StoreError::io(&path, e))?;
        if !stopped && !chunk.is_empty() {
            let _ = sink(&chunk);
        }
        Ok(())
    }
}

/// A folder's `meta.yaml`: its path, its content and the folder's name (which MLflow
/// requires to equal the id inside).
fn read_meta(dir: &Path) -> Result<(PathBuf, Meta, String), StoreError> {
    let meta_path = dir.join("meta.yaml");
    let meta = Meta::read(&meta_path)?;
    let folder = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    Ok((meta_path, meta, folder))
}

/// Reads an experiment folder's `meta.yaml` and tags; an unreadable tag is a warning.
pub(super) fn read_experiment(
    dir: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Experiment, StoreError> {
    let (meta_path, meta, folder) = read_meta(dir)?;
    let id = meta
        .string("experiment_id")
        .ok_or_else(|| StoreError::bad(&meta_path, "missing experiment_id"))?;
    if id != folder {
        return Err(StoreError::bad(
            &meta_path,
            format!(
                "experiment_id '{id}' does not match its folder '{folder}' (MLflow ignores it too)"
            ),
        ));
    }
    let mut tags = BTreeMap::new();
    read_key_files(&dir.join("tags"), &mut tags, warnings);
    Ok(Experiment {
        experiment_id: id,
        name: meta.string("name").unwrap_or_default(),
        lifecycle: Lifecycle::parse(&meta.string("lifecycle_stage").unwrap_or_default()),
        artifact_location: meta.string("artifact_location").unwrap_or_default(),
        creation_time: meta.int("creation_time"),
        last_update_time: meta.int("last_update_time"),
        tags,
    })
}

/// Reads one run directory. Problems with single metric, param or tag files become
/// `warnings`; a broken `meta.yaml` fails the run.
fn read_run(dir: &Path, exp_id: &str, warnings: &mut Vec<Warning>) -> Result<Run, StoreError> {
    read_run_tracked(dir, exp_id, warnings).map(|(run, _)| run)
}

/// [`read_run`], computing the `wanted` aggregates (by key) while the metric files are read.
fn read_run_with(
    dir: &Path,
    exp_id: &str,
    warnings: &mut Vec<Warning>,
    wanted: &[(&str, Vec<Agg>)],
) -> Result<Run, StoreError> {
    read_run_full(dir, exp_id, warnings, wanted).map(|(run, _)| run)
}

/// Reads one run and reports how far each metric file was parsed, so that a follower can
/// later read only what was appended.
pub(super) fn read_run_tracked(
    dir: &Path,
    exp_id: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(Run, MetricOffsets), StoreError> {
    read_run_full(dir, exp_id, warnings, &[])
}

fn read_run_full(
    dir: &Path,
    exp_id: &str,
    warnings: &mut Vec<Warning>,
    wanted: &[(&str, Vec<Agg>)],
) -> Result<(Run, MetricOffsets), StoreError> {
    let mut run = read_run_meta(dir, exp_id)?;
    read_key_files(&dir.join("params"), &mut run.params, warnings);
    read_key_files(&dir.join("tags"), &mut run.tags, warnings);
    let (metrics, offsets) =
        read_metrics(&dir.join("metrics"), warnings, wanted, &mut run.aggregates)?;
    run.metrics = metrics;
    fill_run_name(&mut run);
    let exp_dir = dir.parent().unwrap_or(dir);
    run.datasets = read_inputs(&dir.join("inputs"), exp_dir, warnings);
    Ok((run, offsets))
}

/// A run's `meta.yaml` as a `Run` without params, tags, metrics or datasets.
pub(super) fn read_run_meta(dir: &Path, exp_id: &str) -> Result<Run, StoreError> {
    let (meta_path, meta, folder) = read_meta(dir)?;
    let run_id = meta
        .string("run_id")
        .or_else(|| meta.string("run_uuid"))
        .ok_or_else(|| StoreError::bad(&meta_path, "missing run_id"))?;
    if run_id != folder {
        return Err(StoreError::bad(
            &meta_path,
            format!(
                "run_id '{run_id}' does not match its folder '{folder}' (MLflow ignores it too)"
            ),
        ));
    }
    let status = match meta.int("status") {
        None => RunStatus::Running,
        Some(code) => RunStatus::from_code(code).ok_or_else(|| {
            StoreError::bad(
                &meta_path,
                format!("unknown status code {code} (expected 1 to 5)"),
            )
        })?,
    };
    Ok(Run {
        run_id,
        run_name: meta.string("run_name").unwrap_or_default(),
        experiment_id: exp_id.to_string(),
        status,
        lifecycle: Lifecycle::parse(&meta.string("lifecycle_stage").unwrap_or_default()),
        user_id: meta.string("user_id").unwrap_or_default(),
        start_time: meta.int("start_time"),
        end_time: meta.int("end_time"),
        artifact_uri: meta.string("artifact_uri").unwrap_or_default(),
        params: Default::default(),
        tags: Default::default(),
        metrics: Default::default(),
        datasets: Vec::new(),
        aggregates: Default::default(),
    })
}

/// Old stores may lack `run_name` in meta.yaml: MLflow then uses the `mlflow.runName` tag.
pub(super) fn fill_run_name(run: &mut Run) {
    if run.run_name.is_empty() {
        if let Some(name) = run.tags.get(TAG_RUN_NAME) {
            run.run_name = name.to_string();
        }
    }
}

/// Dataset inputs of a run, joined with the experiment's `datasets/` records.
fn read_inputs(inputs: &Path, exp_dir: &Path, warnings: &mut Vec<Warning>) -> Vec<DatasetInput> {
    let Ok(entries) = list_dir(inputs) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.join("meta.yaml");
        if std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let input = match Meta::read(&path) {
            Ok(m) => m,
            Err(e) => {
                warnings.push(e.into());
                continue;
            }
        };
        if input.string("source_type").as_deref() != Some("DATASET") {
            continue;
        }
        let Some(source_id) = input.string("source_id").filter(|s| is_safe_name(s)) else {
            continue;
        };
        let context = input
            .string_map("tags")
            .into_iter()
            .find(|(k, _)| k == "mlflow.data.context")
            .map(|(_, v)| v);
        let ds_path = exp_dir.join("datasets").join(&source_id).join("meta.yaml");
        let ds = match Meta::read(&ds_path) {
            Ok(m) => m,
            Err(e) => {
                warnings.push(e.into());
                continue;
            }
        };
        out.push(DatasetInput {
            name: ds.string("name").unwrap_or_default(),
            digest: ds.string("digest").unwrap_or_default(),
            context,
            source_type: ds.string("source_type").unwrap_or_default(),
            source: ds.string("source").unwrap_or_default(),
        });
    }
    out.sort_by(|a, b| (&a.name, &a.digest).cmp(&(&b.name, &b.digest)));
    out
}

/// True when reading a run failed only because its folder has no `meta.yaml` (or it is not
/// a file): such a folder is not a run, and MLflow skips it silently.
fn is_missing_meta(e: &StoreError, dir: &Path) -> bool {
    use std::io::ErrorKind;
    matches!(e, StoreError::Io { path, source }
        if matches!(source.kind(), ErrorKind::NotFound | ErrorKind::IsADirectory)
            && path.parent() == Some(dir)
            && path.file_name().is_some_and(|n| n == "meta.yaml"))
}

/// The folders of an experiment that may be runs: its subfolders but `tags/`, `datasets/`,
/// `traces/` and `models/`. Directory entries carry their type: no `stat` per run.
pub(super) fn run_candidates(exp_dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut dirs = list_subdirs(exp_dir)?;
    dirs.retain(|d| {
        let name = d.file_name().unwrap_or_default().to_string_lossy();
        !NON_RUN_DIRS.contains(&name.as_ref())
    });
    Ok(dirs)
}

/// The subfolders of `dir` (following symlinks), sorted. File types come from the directory
/// entries, so this costs no `stat` per entry.
pub(super) fn list_subdirs(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => entry.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => entry.path().is_dir(),
        };
        if is_dir {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `dir` has a `meta.yaml` entry (of any kind: reading it says what is wrong with
/// it); an error when that cannot be told (no permission on the folder).
pub(super) fn has_meta(dir: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(dir.join("meta.yaml")) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(false),
        Err(e) => Err(e),
    }
}

/// The warning for a folder that cannot be looked into.
fn unreadable_folder(dir: &Path, e: &std::io::Error) -> Warning {
    Warning {
        location: dir.display().to_string(),
        message: format!("cannot read this folder ({e}): left out"),
    }
}

pub(super) fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    let mut out: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    Ok(out)
}

/// A single path component that cannot escape its parent.
fn is_safe_name(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0'])
}

/// A metric key as MLflow allows it: `/`-separated, no empty, `.` or `..` parts.
pub(super) fn is_safe_key(key: &str) -> bool {
    !key.is_empty() && key.split('/').all(is_safe_name)
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
