//! `mltui compare`: runs side by side, one row per key.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::pick::fetch_runs;
use super::runs::SHORT_ID;
use super::{Layout, OutputArgs, emit, emit_fitted, fit_width, now_ms, open};
use crate::index::lookup::unique_prefix_len;
use crate::{export, index, model, store, text};

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
    let mut table = cmp.table(args.diff_only);
    if let Some(width) = fit_width(&args.output) {
        // On a terminal, runs are headed by an id prefix (which compare takes back).
        let len = unique_prefix_len(runs.iter().map(|r| r.run_id.as_str()), SHORT_ID);
        let short = |id: &str| id.chars().take(len).collect::<String>();
        for h in table.headers.iter_mut().skip(1) {
            *h = short(h);
        }
        for row in table.rows.iter_mut() {
            if matches!(row.first(), Some(export::Cell::Text(k)) if k == "run_id") {
                for cell in row.iter_mut().skip(1) {
                    if let export::Cell::Text(id) = cell {
                        *id = short(id);
                    }
                }
            }
        }
        // Keys get at most a third of the width; runs share the rest, 16 cells or more.
        let layout = Layout::Shared {
            first_max: (width / 3).max(16),
            min_each: 16,
        };
        return emit_fitted(&table, width, layout, |left, total| {
            format!(
                "{left} of {} left out to fit {width} terminal columns: compare fewer runs, \
                 or see all with -f csv or through a pipe (mltui compare ... | less -S)",
                text::count(total - 1, "run", "runs")
            )
        });
    }
    emit(&args.output, |format, target, out| {
        export::write_table_to(&table, format, target, out)
    })
}
