//! `mltui compare`: runs side by side, one row per key.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::pick::fetch_runs;
use super::{OutputArgs, emit, now_ms, open};
use crate::{export, index, model, store};

#[derive(Debug, Args)]
#[command(allow_missing_positional = true)]
pub struct CompareArgs {
    /// The store (see `mltui --help`); without it, the store is found as usual.
    pub source: Option<String>,

    /// Two or more runs, each a run id, a unique id prefix (6 or more characters) or a run
    /// name.
    #[arg(required = true, num_args = 1.., value_name = "RUN")]
    pub runs: Vec<String>,

    /// Look run names and id prefixes up only in this experiment (id or name; repeatable).
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    /// Only rows whose values differ between the runs.
    #[arg(long)]
    pub diff_only: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui compare`.
pub fn run(args: CompareArgs, uri: Option<&str>) -> Result<()> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // Which positional is the store is decided by content, not by count: the first item
    // is the store when it names one and runs follow.
    let items: Vec<String> = args.source.into_iter().chain(args.runs).collect();
    let (source, refs): (Option<&str>, &[String]) = match items.split_first() {
        Some((first, rest)) if !rest.is_empty() && store::parse_source(first, &cwd).is_ok() => {
            (Some(first.as_str()), rest)
        }
        _ => (None, &items[..]),
    };
    if refs.len() < 2 {
        bail!(super::UsageError::new(format!(
            "compare needs at least two runs, got {}",
            crate::text::count(refs.len(), "run", "runs")
        )));
    }
    let store = open(source, uri)?;
    let runs = fetch_runs(store.as_ref(), refs, &args.experiment)?;
    let refs: Vec<&model::Run> = runs.iter().collect();
    let cmp = index::compare::Comparison::new(&refs, now_ms());
    let table = cmp.table(args.diff_only);
    emit(&args.output, |format, out| {
        export::write_table(&table, format, out)
    })
}
