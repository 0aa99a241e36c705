//! `mltui artifacts`: list the artifacts of a run or logged model (one level, or all with
//! `-r`), or stream one file's bytes unchanged (`--cat`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, emit, open};
use crate::export::{self, Format};
use crate::store::Store;
use crate::store::artifacts::{self, ArtifactAccess, ArtifactEntry, ArtifactOwner, ArtifactRepo};
use crate::text;

#[derive(Debug, Args)]
pub struct ArtifactsArgs {
    /// The store (optional, found as usual without it), the run id (or a logged model's id,
    /// m-…), and a path inside its artifacts (default: the top).
    #[arg(required = true, num_args = 1..=3, value_name = "SOURCE] RUN [PATH")]
    pub items: Vec<String>,

    /// List everything below PATH, not just one level.
    #[arg(long, short = 'r')]
    pub recursive: bool,

    /// Write the bytes of the file PATH to standard output (or -o FILE), unchanged.
    #[arg(long, conflicts_with = "recursive")]
    pub cat: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// A run id (32 hex digits) or a logged model id (`m-…`).
fn looks_like_id(s: &str) -> bool {
    s.starts_with("m-") || (s.len() >= 16 && s.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Splits `[SOURCE] RUN [PATH]`.
fn split(items: &[String]) -> (Option<&str>, &str, &str) {
    match items {
        [run] => (None, run, ""),
        [a, b] if looks_like_id(a) && !looks_like_id(b) => (None, a, b),
        [source, run] => (Some(source), run, ""),
        [source, run, path, ..] => (Some(source), run, path),
        [] => (None, "", ""),
    }
}

/// The run or logged model `id` as an artifact owner.
pub(super) fn owner_of(store: &dyn Store, id: &str) -> Result<ArtifactOwner> {
    if id.starts_with("m-") {
        let model = store
            .logged_model(id)
            .with_context(|| format!("in {}", store.describe()))?;
        return Ok(ArtifactOwner::of_model(&model));
    }
    let run = store
        .run(id)
        .with_context(|| format!("in {}", store.describe()))?;
    Ok(ArtifactOwner::of_run(&run))
}

/// The readable artifact root of `owner`, or an error that says why not.
pub(super) fn repo_of(
    store: &dyn Store,
    owner: &ArtifactOwner,
    extra_root: Option<&Path>,
) -> Result<Option<Box<dyn ArtifactRepo>>> {
    match store.artifacts(owner, extra_root)? {
        ArtifactAccess::Readable(repo) => Ok(Some(repo)),
        access @ ArtifactAccess::Missing { .. } => {
            let note = access.note().unwrap_or_default();
            eprintln!(
                "mltui: warning: {}: {}",
                owner.label(),
                text::sanitize(&note)
            );
            Ok(None)
        }
        access @ ArtifactAccess::Unreadable { .. } => bail!(
            "artifacts of {}: {}",
            owner.label(),
            access.note().unwrap_or_default()
        ),
    }
}

/// `mltui artifacts`.
pub fn run(args: ArtifactsArgs, uri: Option<&str>, extra_root: Option<&Path>) -> Result<()> {
    let (source, id, path) = split(&args.items);
    let path = artifacts::clean_path(path)?;
    let store = open(source, uri)?;
    let owner = owner_of(store.as_ref(), id)?;
    let repo = repo_of(store.as_ref(), &owner, extra_root)?;
    if let Some(repo) = &repo {
        let location = repo.location();
        if !location.starts_with("the recorded location") {
            eprintln!(
                "mltui: artifacts of {} read {}",
                owner.label(),
                text::sanitize(&location)
            );
        }
    }
    if args.cat {
        if path.is_empty() {
            bail!("--cat needs the PATH of a file");
        }
        let Some(repo) = repo else {
            bail!("{}: no artifact folder to read {path} from", owner.label());
        };
        return cat(repo.as_ref(), &path, &args.output);
    }
    let mut entries: Vec<ArtifactEntry> = Vec::new();
    if let Some(repo) = &repo {
        if args.recursive {
            artifacts::walk(repo.as_ref(), &path, None, &mut |e| entries.push(e.clone()))?;
        } else {
            repo.list(&path, &mut |batch| entries.extend(batch))?;
            entries.sort_by(|a, b| a.path.cmp(&b.path));
        }
    }
    for e in entries.iter().filter(|e| e.link.is_some()) {
        eprintln!(
            "mltui: warning: {}: a symbolic link to {} (outside the artifact folder, or \
             nowhere): listed, not followed",
            text::sanitize(&e.path),
            text::sanitize(e.link.as_deref().unwrap_or_default())
        );
    }
    emit(&args.output, |format, out| match format {
        Format::Json => export::write_json(&export::models::artifacts_json(&entries), out),
        f => export::write_table(&export::models::artifacts_table(&entries), f, out),
    })
}

/// Streams one file to standard output or `-o FILE`; a closed pipe is not an error.
fn cat(repo: &dyn ArtifactRepo, path: &str, output: &OutputArgs) -> Result<()> {
    let mut file = repo.open(path)?;
    let result = match &output.output {
        Some(dest) => {
            let mut f = std::fs::File::create(dest)
                .with_context(|| format!("cannot create {}", dest.display()))?;
            std::io::copy(&mut file.reader, &mut f).and_then(|_| f.flush())
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            std::io::copy(&mut file.reader, &mut lock).and_then(|_| lock.flush())
        }
    };
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map(|_| ()).with_context(|| format!("reading {path}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_run_and_path_are_told_apart() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let run = "0123456789abcdef0123456789abcdef";
        assert_eq!(split(&v(&[run])), (None, run, ""));
        assert_eq!(split(&v(&[run, "a/b.txt"])), (None, run, "a/b.txt"));
        assert_eq!(split(&v(&["mlruns", run])), (Some("mlruns"), run, ""));
        assert_eq!(
            split(&v(&["mlruns", "m-1", "MLmodel"])),
            (Some("mlruns"), "m-1", "MLmodel")
        );
    }
}
