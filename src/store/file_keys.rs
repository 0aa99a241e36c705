//! Reading a run's key trees: `params/` and `tags/` (one file per key, `/` in keys as
//! subfolders, each value read up to [`MAX_SMALL_FILE`]) and `metrics/` (each file streamed
//! through a per-thread buffer). A file or folder that cannot be read is a warning; the rest
//! of the tree is read.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use super::fsread::{MAX_SMALL_FILE, human_size, open_regular, read_capped};
use super::metric_file::read_metric_lines;
use super::{StoreError, Warning};
use crate::aggregate::{Agg, Fold, MetricAggs};
use crate::model::{MetricPoint, MetricSummary};

/// Bytes of each metric file parsed so far (up to its last complete line), by key.
pub(crate) type MetricOffsets = Vec<(String, u64)>;

/// Where [`read_key_files`] puts what it reads: a run's params or tags, or a registry
/// entry's tags.
pub(super) trait KeyValues {
    fn put(&mut self, key: &str, value: &str);
}

impl KeyValues for BTreeMap<String, String> {
    fn put(&mut self, key: &str, value: &str) {
        self.insert(key.to_string(), value.to_string());
    }
}

impl KeyValues for crate::model::KeyMap<crate::model::Text> {
    fn put(&mut self, key: &str, value: &str) {
        self.insert(key.into(), value.into());
    }
}

/// Reads a params/ or tags/ folder: one file per key, `/` in keys as subfolders. A file
/// that cannot be read (permission, not a regular file) is left out with a warning; a value
/// larger than [`MAX_SMALL_FILE`] is cut there, with a warning.
pub(super) fn read_key_files(dir: &Path, out: &mut dyn KeyValues, warnings: &mut Vec<Warning>) {
    with_read_buf(|buf| {
        let mut errors = Vec::new();
        let mut walk_errors = Vec::new();
        walk_key_files(
            dir,
            &mut |key, path| match read_capped(path, MAX_SMALL_FILE, buf) {
                Ok(got) => {
                    let mut bytes = &buf[..got.len];
                    if let Some(size) = got.cut_from {
                        // Cut on a character boundary.
                        if let Err(e) = std::str::from_utf8(bytes) {
                            if e.error_len().is_none() {
                                bytes = &bytes[..e.valid_up_to()];
                            }
                        }
                        errors.push(Warning {
                            location: path.display().to_string(),
                            message: format!(
                                "value of {} cut to its first {}",
                                human_size(size),
                                human_size(MAX_SMALL_FILE as u64)
                            ),
                        });
                    }
                    out.put(&key, &String::from_utf8_lossy(bytes));
                }
                Err(e) => errors.push(StoreError::io(path, e).into()),
            },
            &mut |e| walk_errors.push(e.into()),
        );
        warnings.extend(walk_errors);
        warnings.extend(errors);
    })
}

/// Summaries of every metric file of a run, and the `wanted` aggregates (by key) of theirs,
/// folded in the same pass.
pub(super) fn read_metrics(
    dir: &Path,
    warnings: &mut Vec<Warning>,
    wanted: &[(&str, Vec<Agg>)],
    aggs: &mut MetricAggs,
) -> Result<(crate::model::KeyMap<MetricSummary>, MetricOffsets), StoreError> {
    let mut metrics = crate::model::KeyMap::new();
    let mut offsets = Vec::new();
    with_read_buf(|buf| {
        let mut errors = Vec::new();
        walk_key_files(
            dir,
            &mut |key, path| {
                let mut summary: Option<MetricSummary> = None;
                let want = wanted.iter().find(|(k, _)| *k == key).map(|(_, a)| a);
                let mut fold = want.map(Fold::for_aggs);
                let outcome = match stream_metric_file(path, buf, |p| {
                    if let Some(f) = fold.as_mut() {
                        f.push(p);
                    }
                    match summary.as_mut() {
                        Some(s) => s.push(p),
                        None => summary = Some(MetricSummary::from_point(p)),
                    }
                }) {
                    Ok(o) => o,
                    Err(e) => {
                        warnings.push(StoreError::io(path, e).into());
                        return;
                    }
                };
                if let Some((line, text)) = outcome.first_bad {
                    let more = match outcome.bad_lines {
                        1 => String::new(),
                        n => format!(" ({} more bad lines)", n - 1),
                    };
                    warnings.push(Warning {
                        location: format!("{}:{line}", path.display()),
                        message: format!("skipped malformed metric line {text:?}{more}"),
                    });
                }
                offsets.push((key.clone(), outcome.consumed as u64));
                if let (Some(f), Some(want)) = (&fold, want) {
                    if f.count > 0 {
                        for &a in want {
                            aggs.set(&key, a, f.value(a));
                        }
                    }
                }
                if let Some(s) = summary {
                    metrics.insert(key.as_str().into(), s);
                }
            },
            &mut |e| errors.push(e.into()),
        );
        warnings.extend(errors);
    });
    Ok((metrics, offsets))
}

/// Calls `f(key, path)` for every file below `dir`, keys joined with `/`. A missing
/// directory has no keys; a folder that cannot be listed goes to `error` and the walk goes
/// on with the rest. Symlinks are not followed into (a symlink is a key, read as a file).
pub(super) fn walk_key_files(
    dir: &Path,
    f: &mut dyn FnMut(String, &Path),
    error: &mut dyn FnMut(StoreError),
) {
    walk_key_files_in(dir, "", 0, f, error);
}

/// Deepest nesting of `/` in a key that is followed (MLflow keys have a few levels).
const MAX_KEY_DEPTH: usize = 32;

fn walk_key_files_in(
    dir: &Path,
    prefix: &str,
    depth: usize,
    f: &mut dyn FnMut(String, &Path),
    error: &mut dyn FnMut(StoreError),
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && depth == 0 => return,
        Err(e) => return error(StoreError::io(dir, e)),
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                error(StoreError::io(dir, e));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && depth + 1 >= MAX_KEY_DEPTH => error(StoreError::bad(
                &path,
                format!("keys nested deeper than {MAX_KEY_DEPTH} levels are not read"),
            )),
            Ok(t) if t.is_dir() => walk_key_files_in(&path, &key, depth + 1, f, error),
            Ok(_) => f(key, &path),
            Err(e) => error(StoreError::io(&path, e)),
        }
    }
}

/// Files are read into a buffer kept per thread: no allocation, and no `statx` for a size
/// hint, per file. Buffers grown by a huge file are not kept.
fn with_read_buf<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    const KEEP: usize = 1 << 20;
    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    BUF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let out = f(&mut buf);
            if buf.len() > KEEP {
                *buf = Vec::new();
            }
            out
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// Parses a metric file in chunks through `buf`, so memory stays small for huge files.
fn stream_metric_file(
    path: &Path,
    buf: &mut Vec<u8>,
    on_point: impl FnMut(MetricPoint),
) -> std::io::Result<super::metric_file::ParseOutcome> {
    let mut file = open_regular(path)?;
    read_metric_lines(&mut file, buf, on_point)
}
