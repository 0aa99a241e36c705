//! `mltui compare`: runs side by side, one row per key.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, emit, fetch_runs, now_ms, open};
use crate::{export, index, model, store};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The store, then two or more run ids. With only run ids, the store is found as usual.
    #[arg(required = true, num_args = 1.., value_name = "SOURCE] [RUN_ID")]
    pub items: Vec<String>,

    /// Only rows whose values differ between the runs.
    #[arg(long)]
    pub diff_only: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui compare`.
pub fn run(args: CompareArgs, uri: Option<&str>) -> Result<()> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // The first item is the store when it names one and run ids follow.
    let (source, ids): (Option<&str>, &[String]) = match args.items.split_first() {
        Some((first, rest)) if !rest.is_empty() && store::parse_source(first, &cwd).is_ok() => {
            (Some(first.as_str()), rest)
        }
        _ => (None, &args.items[..]),
    };
    if ids.len() < 2 {
        bail!("compare needs at least two run ids");
    }
    let store = open(source, uri)?;
    let runs = fetch_runs(store.as_ref(), ids)?;
    let refs: Vec<&model::Run> = runs.iter().collect();
    let cmp = index::compare::Comparison::new(&refs, now_ms());
    let table = cmp.table(args.diff_only);
    emit(&args.output, |format, target, out| {
        export::write_table_to(&table, format, target, out)
    })
}
