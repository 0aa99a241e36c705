//! Artifacts of runs and logged models: where they are (the recorded location, else the same
//! relative place next to the store, else under `--artifacts-root`), listing a folder in
//! batches, and opening a file as a stream. Local folders are read here; a tracking server's
//! artifacts are read by `http::artifacts` behind the same [`ArtifactRepo`] trait.
//!
//! Safety: paths are relative and never climb out (`..`); symbolic links are followed only
//! when they stay inside the artifact folder (others are listed, not followed); only regular
//! files are opened (a FIFO would block forever), and files are streamed, never read whole.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::model::Run;

use super::StoreError;
use super::registry::LoggedModel;

/// Whose artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    Run,
    LoggedModel,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::LoggedModel => "logged model",
        }
    }
}

/// A run or logged model whose artifacts are wanted, with what the store recorded about them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtifactOwner {
    pub kind: OwnerKind,
    /// The run id or the model id (`m-…`).
    pub id: String,
    pub experiment_id: String,
    /// The recorded artifact URI (`artifact_uri` of a run, `artifact_location` of a model).
    pub uri: String,
}

impl ArtifactOwner {
    pub fn of_run(run: &Run) -> Self {
        Self {
            kind: OwnerKind::Run,
            id: run.run_id.clone(),
            experiment_id: run.experiment_id.clone(),
            uri: run.artifact_uri.clone(),
        }
    }

    pub fn of_model(model: &LoggedModel) -> Self {
        Self {
            kind: OwnerKind::LoggedModel,
            id: model.model_id.clone(),
            experiment_id: model.experiment_id.clone(),
            uri: model.artifact_uri.clone(),
        }
    }

    /// `run 1a2b…` / `logged model m-…`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.as_str(), self.id)
    }

    /// The folder MLflow gives these artifacts below an experiment's parent folder:
    /// `<exp>/<run>/artifacts` or `<exp>/models/<model>/artifacts`.
    fn canonical_tail(&self) -> PathBuf {
        match self.kind {
            OwnerKind::Run => Path::new(&self.experiment_id)
                .join(&self.id)
                .join("artifacts"),
            OwnerKind::LoggedModel => Path::new(&self.experiment_id)
                .join("models")
                .join(&self.id)
                .join("artifacts"),
        }
    }
}

/// One entry of an artifact folder, as MLflow's `list_artifacts` gives it: `path` is relative
/// to the artifact root, `/`-separated; folders have no size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactEntry {
    pub path: String,
    pub is_dir: bool,
    pub file_size: Option<u64>,
    /// For a symbolic link that is not followed (it leads out of the artifact folder, or
    /// nowhere): where it points.
    pub link: Option<String>,
}

impl ArtifactEntry {
    /// The last part of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// An open artifact file: its size (when known) and a stream of its bytes.
pub struct ArtifactFile {
    pub size: Option<u64>,
    pub reader: Box<dyn Read + Send>,
}

/// A readable artifact root: a local folder or a tracking server.
pub trait ArtifactRepo: Send + Sync {
    /// Where the artifacts are read from, and why there (shown to the user).
    fn location(&self) -> String;

    /// The entries of one folder (`""` is the root), delivered in one or more batches.
    /// Each batch is sorted by path; a caller that needs the whole folder in MLflow's order
    /// sorts what it collected.
    fn list(&self, path: &str, sink: &mut dyn FnMut(Vec<ArtifactEntry>)) -> Result<(), StoreError>;

    /// Opens one file for streaming.
    fn open(&self, path: &str) -> Result<ArtifactFile, StoreError>;
}

/// Whether and where the artifacts of an owner can be read.
pub enum ArtifactAccess {
    Readable(Box<dyn ArtifactRepo>),
    /// No folder was found anywhere mltui looked (a run that never logged an artifact has
    /// none; a store copied without its artifacts neither).
    Missing {
        uri: String,
        looked_in: Vec<PathBuf>,
    },
    /// The URI is one mltui cannot read from here (cloud storage, another host).
    Unreadable {
        uri: String,
        reason: String,
    },
}

impl ArtifactAccess {
    /// A one-line explanation for a missing or unreadable root.
    pub fn note(&self) -> Option<String> {
        match self {
            Self::Readable(_) => None,
            Self::Missing { uri, looked_in } => {
                let places: Vec<String> =
                    looked_in.iter().map(|p| p.display().to_string()).collect();
                let recorded = if uri.is_empty() {
                    "no artifact location recorded".to_string()
                } else {
                    format!("recorded at {uri}")
                };
                Some(format!(
                    "no artifact folder found ({recorded}; also looked in {}); if the artifacts \
                     were copied elsewhere, pass --artifacts-root DIR (or set [artifacts] in the \
                     configuration file)",
                    if places.is_empty() {
                        "nothing else".into()
                    } else {
                        places.join(", ")
                    }
                ))
            }
            Self::Unreadable { uri, reason } => Some(format!("{uri}: {reason}")),
        }
    }
}

/// Walks a folder depth-first (a folder, then what it holds), each level in MLflow's order
/// (by path), sending entries as each level is complete. At most `max_depth` levels below
/// `path` (`None`: all).
pub fn walk(
    repo: &dyn ArtifactRepo,
    path: &str,
    max_depth: Option<usize>,
    sink: &mut dyn FnMut(&ArtifactEntry),
) -> Result<(), StoreError> {
    let mut level = Vec::new();
    repo.list(path, &mut |batch| level.extend(batch))?;
    level.sort_by(|a, b| a.path.cmp(&b.path));
    for entry in &level {
        sink(entry);
        if entry.is_dir && max_depth.is_none_or(|d| d > 1) {
            walk(repo, &entry.path, max_depth.map(|d| d - 1), sink)?;
        }
    }
    Ok(())
}

/// Checks a relative artifact path: `/`-separated, no `..`, no absolute or empty parts
/// beyond a trailing `/`. Returns it without leading `./` or trailing `/`.
pub fn clean_path(path: &str) -> Result<String, StoreError> {
    let trimmed = path.trim_matches('/');
    let mut parts = Vec::new();
    for part in trimmed.split('/') {
        match part {
            "" | "." => continue,
            ".." => {
                return Err(StoreError::Unsupported(format!(
                    "artifact path {path:?}: '..' is not allowed"
                )));
            }
            p if p.contains(['\0', '\\']) => {
                return Err(StoreError::Unsupported(format!(
                    "artifact path {path:?}: invalid character"
                )));
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// What a recorded artifact URI says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Recorded {
    /// A local path (a plain path or a `file:` URI).
    Local(PathBuf),
    /// A server-proxied location (`mlflow-artifacts:`), relative to the server's
    /// `--artifacts-destination`.
    Proxied(PathBuf),
    /// Nothing recorded.
    Nothing,
    /// Something mltui cannot read from here.
    Foreign(String),
}

fn parse_recorded(uri: &str) -> Recorded {
    let uri = uri.trim();
    if uri.is_empty() {
        return Recorded::Nothing;
    }
    let lower = uri.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("mlflow-artifacts:").map(|_| &uri[17..]) {
        // mlflow-artifacts:/1/run/artifacts or mlflow-artifacts://host:port/1/run/artifacts
        let path = match rest.strip_prefix("//") {
            Some(after) => after.find('/').map_or("", |i| &after[i..]),
            None => rest,
        };
        return Recorded::Proxied(PathBuf::from(percent_decode(path.trim_start_matches('/'))));
    }
    if lower.starts_with("file:") {
        let rest = &uri[5..];
        let path = match rest.strip_prefix("//") {
            Some(after) => {
                let slash = after.find('/').unwrap_or(after.len());
                let host = &after[..slash];
                if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
                    return Recorded::Foreign(format!(
                        "a file: URI on another host ({host}) is not readable from here"
                    ));
                }
                &after[slash..]
            }
            None => rest,
        };
        return Recorded::Local(PathBuf::from(percent_decode(path)));
    }
    match uri.split_once(':') {
        // A Windows drive letter (C:\...) is a path; so is anything without a scheme.
        Some((scheme, _))
            if scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            Recorded::Foreign(foreign_reason(&scheme.to_ascii_lowercase()))
        }
        _ => Recorded::Local(PathBuf::from(uri)),
    }
}

fn foreign_reason(scheme: &str) -> String {
    let what = match scheme {
        "s3" | "s3a" | "s3n" => "Amazon S3",
        "gs" => "Google Cloud Storage",
        "wasbs" | "wasb" | "abfss" | "abfs" => "Azure storage",
        "dbfs" | "databricks" | "uc" => "Databricks",
        "hdfs" | "viewfs" => "HDFS",
        "sftp" | "ftp" => "a remote host",
        "http" | "https" => "a web server",
        "oss" => "Alibaba OSS",
        _ => "remote storage",
    };
    format!(
        "not readable from here: {what} ({scheme}:) needs its own credentials and client; mltui \
         reads local folders and a tracking server's artifacts (open the server's URL to read \
         them through it)"
    )
}

/// Decodes `%XX` escapes (artifact URIs are URIs); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Finds the local folder of `owner`'s artifacts: the recorded location; else, below each of
/// `bases` (folders of the store, then `extra_root`), the recorded path's tail from the
/// owner's id (up to three folders above it), and MLflow's own layout
/// (`<exp>/<run>/artifacts`, `<exp>/models/<id>/artifacts`).
pub fn resolve_local(
    owner: &ArtifactOwner,
    bases: &[PathBuf],
    extra_root: Option<&Path>,
) -> ArtifactAccess {
    let recorded = parse_recorded(&owner.uri);
    if let Recorded::Foreign(reason) = recorded {
        return ArtifactAccess::Unreadable {
            uri: owner.uri.clone(),
            reason,
        };
    }
    let mut candidates: Vec<(PathBuf, &'static str)> = Vec::new();
    if let Recorded::Local(p) = &recorded {
        candidates.push((p.clone(), "recorded location"));
    }
    let tails = match &recorded {
        Recorded::Local(p) | Recorded::Proxied(p) => tails(p, &owner.id),
        _ => Vec::new(),
    };
    let mut all_bases: Vec<(&Path, &'static str)> = bases
        .iter()
        .map(|b| (b.as_path(), "next to the store"))
        .collect();
    if let Some(root) = extra_root {
        all_bases.push((
            root,
            "under the artifacts root (--artifacts-root or [artifacts] in the config)",
        ));
    }
    for (base, why) in all_bases {
        if let Recorded::Proxied(p) = &recorded {
            candidates.push((base.join(p), why));
        }
        for t in &tails {
            candidates.push((base.join(t), why));
        }
        candidates.push((base.join(owner.canonical_tail()), why));
    }
    let mut looked_in: Vec<PathBuf> = Vec::new();
    for (dir, why) in candidates {
        if looked_in.contains(&dir) {
            continue;
        }
        if dir.is_dir() {
            let location = if why == "recorded location" {
                format!("the recorded location: {}", dir.display())
            } else {
                format!(
                    "{why}: {} (the recorded {} was not found)",
                    dir.display(),
                    if owner.uri.is_empty() {
                        "location"
                    } else {
                        owner.uri.as_str()
                    }
                )
            };
            return ArtifactAccess::Readable(Box::new(LocalRepo::new(dir, location)));
        }
        looked_in.push(dir);
    }
    if let Recorded::Proxied(p) = &recorded {
        // The server's folder is here (the experiment's folder exists): this owner simply
        // has no artifacts.
        let first = p.components().next().map(|c| c.as_os_str().to_owned());
        let server_folder_here = first.is_some_and(|f| {
            bases
                .iter()
                .map(PathBuf::as_path)
                .chain(extra_root)
                .any(|b| b.join(&f).is_dir())
        });
        if extra_root.is_none() && !server_folder_here {
            return ArtifactAccess::Unreadable {
                uri: owner.uri.clone(),
                reason: format!(
                    "kept by an MLflow server (proxied artifacts): open the server's URL to read \
                     them through it, or pass --artifacts-root DIR with the server's \
                     --artifacts-destination folder (looked in {})",
                    looked_in
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
        }
    }
    ArtifactAccess::Missing {
        uri: owner.uri.clone(),
        looked_in,
    }
}

/// Tails of `path` that start at most three folders above the component equal to `id`,
/// longest first (`a/b/<id>/artifacts`, `b/<id>/artifacts`, `<id>/artifacts`).
fn tails(path: &Path, id: &str) -> Vec<PathBuf> {
    let parts: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    let Some(at) = parts.iter().rposition(|p| *p == std::ffi::OsStr::new(id)) else {
        return Vec::new();
    };
    (at.saturating_sub(3)..=at)
        .map(|start| parts[start..].iter().collect::<PathBuf>())
        .collect()
}

/// Entries per batch when listing a local folder: the first small so that a huge folder
/// shows at once, later ones larger.
const FIRST_BATCH: usize = 256;
const MAX_BATCH: usize = 4096;

/// A local artifact folder.
pub struct LocalRepo {
    root: PathBuf,
    location: String,
}

impl LocalRepo {
    pub fn new(root: PathBuf, location: String) -> Self {
        Self { root, location }
    }

    /// The canonical root, for containment checks.
    fn canonical_root(&self) -> Result<PathBuf, StoreError> {
        std::fs::canonicalize(&self.root).map_err(|e| StoreError::io(&self.root, e))
    }

    /// `rel` below the root, after checking it stays inside (following links only inside).
    fn inside(&self, rel: &str) -> Result<(PathBuf, PathBuf), StoreError> {
        let rel = clean_path(rel)?;
        let root = self.canonical_root()?;
        let path = if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(&rel)
        };
        let real = std::fs::canonicalize(&path).map_err(|e| StoreError::io(&path, e))?;
        if !real.starts_with(&root) {
            return Err(StoreError::bad(
                &path,
                format!(
                    "leads out of the artifact folder (to {}): not followed",
                    real.display()
                ),
            ));
        }
        Ok((path, real))
    }
}

impl ArtifactRepo for LocalRepo {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn list(&self, path: &str, sink: &mut dyn FnMut(Vec<ArtifactEntry>)) -> Result<(), StoreError> {
        let (dir, _) = self.inside(path)?;
        let rel = clean_path(path)?;
        let root = self.canonical_root()?;
        let entries = std::fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let mut batch = Vec::new();
        let mut size = FIRST_BATCH;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let full = entry.path();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            batch.push(local_entry(&full, path, &root));
            if batch.len() >= size {
                batch.sort_by(|a, b| a.path.cmp(&b.path));
                sink(std::mem::take(&mut batch));
                size = (size * 4).min(MAX_BATCH);
            }
        }
        batch.sort_by(|a, b| a.path.cmp(&b.path));
        sink(batch);
        Ok(())
    }

    fn open(&self, path: &str) -> Result<ArtifactFile, StoreError> {
        let (shown, real) = self.inside(path)?;
        let meta = std::fs::metadata(&real).map_err(|e| StoreError::io(&shown, e))?;
        if meta.is_dir() {
            return Err(StoreError::bad(&shown, "is a folder, not a file"));
        }
        if !meta.is_file() {
            return Err(StoreError::bad(
                &shown,
                "is not a regular file (a pipe, socket or device): not read",
            ));
        }
        let file = std::fs::File::open(&real).map_err(|e| StoreError::io(&shown, e))?;
        Ok(ArtifactFile {
            size: Some(meta.len()),
            reader: Box::new(file),
        })
    }
}

/// One local entry: links are followed only when they stay inside `root`.
fn local_entry(full: &Path, path: String, root: &Path) -> ArtifactEntry {
    let meta = std::fs::symlink_metadata(full);
    let is_link = meta.as_ref().is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        let target = std::fs::read_link(full)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return match std::fs::canonicalize(full) {
            Ok(real) if real.starts_with(root) => match std::fs::metadata(&real) {
                Ok(m) => ArtifactEntry {
                    path,
                    is_dir: m.is_dir(),
                    file_size: (!m.is_dir()).then_some(m.len()),
                    link: None,
                },
                Err(_) => dangling(path, target),
            },
            _ => dangling(path, target),
        };
    }
    match meta {
        Ok(m) if m.is_dir() => ArtifactEntry {
            path,
            is_dir: true,
            file_size: None,
            link: None,
        },
        Ok(m) => ArtifactEntry {
            path,
            is_dir: false,
            file_size: Some(m.len()),
            link: None,
        },
        Err(_) => ArtifactEntry {
            path,
            is_dir: false,
            file_size: None,
            link: None,
        },
    }
}

fn dangling(path: String, target: String) -> ArtifactEntry {
    ArtifactEntry {
        path,
        is_dir: false,
        file_size: None,
        link: Some(target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(uri: &str) -> ArtifactOwner {
        ArtifactOwner {
            kind: OwnerKind::Run,
            id: "abc123".into(),
            experiment_id: "7".into(),
            uri: uri.into(),
        }
    }

    fn collect(repo: &dyn ArtifactRepo) -> Vec<ArtifactEntry> {
        let mut out = Vec::new();
        walk(repo, "", None, &mut |e| out.push(e.clone())).expect("walk");
        out
    }

    #[test]
    fn uris_are_local_proxied_or_foreign() {
        assert_eq!(
            parse_recorded("file:///data/a%20b/x"),
            Recorded::Local("/data/a b/x".into())
        );
        assert_eq!(parse_recorded("/data/x"), Recorded::Local("/data/x".into()));
        assert_eq!(
            parse_recorded("file:rel/x"),
            Recorded::Local("rel/x".into())
        );
        assert_eq!(
            parse_recorded("mlflow-artifacts:/1/abc/artifacts"),
            Recorded::Proxied("1/abc/artifacts".into())
        );
        assert_eq!(
            parse_recorded("mlflow-artifacts://host:5000/1/abc/artifacts"),
            Recorded::Proxied("1/abc/artifacts".into())
        );
        assert!(
            matches!(parse_recorded("s3://bucket/x"), Recorded::Foreign(r) if r.contains("S3"))
        );
        assert!(matches!(
            parse_recorded("file://other/x"),
            Recorded::Foreign(_)
        ));
        assert_eq!(parse_recorded(""), Recorded::Nothing);
    }

    #[test]
    fn tails_start_at_most_three_folders_above_the_id() {
        let t = tails(Path::new("/a/b/c/d/abc123/artifacts"), "abc123");
        let t: Vec<String> = t.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            t,
            [
                "b/c/d/abc123/artifacts",
                "c/d/abc123/artifacts",
                "d/abc123/artifacts",
                "abc123/artifacts"
            ]
        );
        assert!(tails(Path::new("/x/y"), "abc123").is_empty());
    }

    #[test]
    fn the_recorded_location_wins_then_the_store_then_the_extra_root() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = tmp.path().join("store");
        let extra = tmp.path().join("extra");
        let recorded = tmp.path().join("gone/7/abc123/artifacts");
        std::fs::create_dir_all(extra.join("7/abc123/artifacts")).expect("mkdir");
        let uri = format!("file://{}", recorded.display());
        let ArtifactAccess::Readable(repo) =
            resolve_local(&owner(&uri), std::slice::from_ref(&store), Some(&extra))
        else {
            panic!("extra root not used");
        };
        assert!(
            repo.location().contains("--artifacts-root"),
            "{}",
            repo.location()
        );
        std::fs::create_dir_all(store.join("7/abc123/artifacts")).expect("mkdir");
        let ArtifactAccess::Readable(repo) =
            resolve_local(&owner(&uri), std::slice::from_ref(&store), Some(&extra))
        else {
            panic!("store-relative not used");
        };
        assert!(
            repo.location().contains("next to the store"),
            "{}",
            repo.location()
        );
        std::fs::create_dir_all(&recorded).expect("mkdir");
        let ArtifactAccess::Readable(repo) = resolve_local(&owner(&uri), &[store], Some(&extra))
        else {
            panic!("recorded not used");
        };
        assert!(
            repo.location().starts_with("the recorded location"),
            "{}",
            repo.location()
        );
    }

    #[test]
    fn missing_everywhere_names_the_places_and_cloud_is_a_note() {
        let tmp = tempfile::tempdir().expect("tmp");
        let access = resolve_local(
            &owner("file:///nowhere/7/abc123/artifacts"),
            &[tmp.path().into()],
            None,
        );
        let note = access.note().expect("note");
        assert!(
            note.contains("/nowhere/7/abc123/artifacts") && note.contains("--artifacts-root"),
            "{note}"
        );
        let access = resolve_local(
            &owner("s3://bucket/7/abc123/artifacts"),
            &[tmp.path().into()],
            None,
        );
        assert!(matches!(access, ArtifactAccess::Unreadable { .. }));
        let access = resolve_local(
            &owner("mlflow-artifacts:/7/abc123/artifacts"),
            &[tmp.path().into()],
            None,
        );
        assert!(access.note().expect("note").contains("server"));
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_listed_not_followed() {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().join("art");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(tmp.path().join("secret"), "top secret").expect("write");
        std::fs::write(root.join("sub/a.txt"), "hello").expect("write");
        std::os::unix::fs::symlink(tmp.path().join("secret"), root.join("leak")).expect("link");
        std::os::unix::fs::symlink(tmp.path(), root.join("up")).expect("link");
        std::os::unix::fs::symlink(root.join("sub/a.txt"), root.join("inner")).expect("link");
        let repo = LocalRepo::new(root, "test".into());
        let got = collect(&repo);
        let paths: Vec<(&str, bool, Option<u64>, bool)> = got
            .iter()
            .map(|e| (e.path.as_str(), e.is_dir, e.file_size, e.link.is_some()))
            .collect();
        assert_eq!(
            paths,
            [
                ("inner", false, Some(5), false),
                ("leak", false, None, true),
                ("sub", true, None, false),
                ("sub/a.txt", false, Some(5), false),
                ("up", false, None, true),
            ]
        );
        assert!(repo.open("leak").is_err());
        assert!(repo.list("up", &mut |_| {}).is_err());
        assert!(repo.open("../secret").is_err());
        let mut s = String::new();
        repo.open("inner")
            .expect("inner link")
            .reader
            .read_to_string(&mut s)
            .expect("read");
        assert_eq!(s, "hello");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_listed_but_never_opened() {
        let tmp = tempfile::tempdir().expect("tmp");
        let fifo = tmp.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        let repo = LocalRepo::new(tmp.path().into(), "test".into());
        assert_eq!(collect(&repo).len(), 1);
        let err = repo.open("pipe").err().expect("refused").to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn paths_never_climb_out() {
        assert_eq!(clean_path("a/./b/").expect("ok"), "a/b");
        assert_eq!(clean_path("/a").expect("ok"), "a");
        assert!(clean_path("a/../../etc").is_err());
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
    }
}
