//! `mltui artifacts`: list the artifacts of a run or logged model (one level, or all with
//! `-r`), or stream one file's bytes unchanged (`--cat`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, emit};
use crate::export::{self, Format};
use crate::store::Store;
use crate::store::artifacts::{self, ArtifactAccess, ArtifactEntry, ArtifactOwner, ArtifactRepo};
use crate::text;

#[derive(Debug, Args)]
#[command(override_usage = "mltui artifacts [OPTIONS] [SOURCE] <RUN> [PATH]")]
pub struct ArtifactsArgs {
    /// [SOURCE] RUN [PATH]: the store (see `mltui --help`; without it, the store is found as
    /// usual), the run (its id, a unique id prefix of 6 or more characters, or its name) or a
    /// logged model's id (m-…), and a path inside its artifacts (default: the top). With two,
    /// the first is the store when it names one.
    #[arg(required = true, num_args = 1..=3, value_name = "ARGS")]
    pub items: Vec<String>,

    /// Look the run's name or id prefix up in this experiment only (id or name).
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    /// List everything below PATH, not just one level.
    #[arg(long, short = 'r')]
    pub recursive: bool,

    /// Write the bytes of the file PATH to standard output (or -o FILE), unchanged.
    #[arg(long, conflicts_with = "recursive")]
    pub cat: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Splits `[SOURCE] RUN [PATH]`: with two items, the first is the store when it names one
/// (`is_source`), else they are the run and the path.
fn split(items: &[String], is_source: impl Fn(&str) -> bool) -> (Option<&str>, &str, &str) {
    match items {
        [run] => (None, run, ""),
        [a, b] if !is_source(a) => (None, a, b),
        [source, run] => (Some(source), run, ""),
        [source, run, path, ..] => (Some(source), run, path),
        [] => (None, "", ""),
    }
}

/// The run (id, unique prefix or name, looked up in `experiments`) or logged model (`m-…`)
/// that `typed` names, as an artifact owner.
pub(super) fn owner_of(
    store: &dyn Store,
    typed: &str,
    experiments: &[String],
) -> Result<ArtifactOwner> {
    if typed.starts_with("m-") {
        let model = store
            .logged_model(typed)
            .with_context(|| format!("in {}", store.describe()))?;
        return Ok(ArtifactOwner::of_model(&model));
    }
    let runs = super::pick::fetch_runs(store, &[typed.to_string()], experiments)?;
    let run = runs.first().context("no run")?;
    Ok(ArtifactOwner::of_run(run))
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
pub fn run(
    args: ArtifactsArgs,
    uri: Option<&str>,
    extra_root: &dyn Fn(&crate::store::SourceSpec) -> Option<std::path::PathBuf>,
) -> Result<()> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // Which positional is the store is decided by content: with two, the first is the
    // store when it names one, else they are the run and a path.
    let (source, id, path) = split(&args.items, |s| crate::store::parse_source(s, &cwd).is_ok());
    let path = artifacts::clean_path(path)?;
    let spec = super::locate(source, uri)?;
    let store = crate::store::open(&spec)?;
    let extra_root = extra_root(&spec);
    let owner = owner_of(store.as_ref(), id, &args.experiment)?;
    let repo = repo_of(store.as_ref(), &owner, extra_root.as_deref())?;
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
    emit(&args.output, |format, target, out| match format {
        Format::Json => export::write_json(&export::models::artifacts_json(&entries), out),
        f => export::write_table_to(&export::models::artifacts_table(&entries), f, target, out),
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
        let is_source = |s: &str| s == "mlruns";
        let run = "0123456789abcdef0123456789abcdef";
        assert_eq!(split(&v(&[run]), is_source), (None, run, ""));
        assert_eq!(
            split(&v(&[run, "a/b.txt"]), is_source),
            (None, run, "a/b.txt")
        );
        assert_eq!(
            split(&v(&["mlruns", run]), is_source),
            (Some("mlruns"), run, "")
        );
        assert_eq!(
            split(&v(&["mlruns", "m-1", "MLmodel"]), is_source),
            (Some("mlruns"), "m-1", "MLmodel")
        );
        assert_eq!(
            split(&v(&["train-lr", "config.json"]), is_source),
            (None, "train-lr", "config.json")
        );
    }
}
