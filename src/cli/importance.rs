//! `mltui importance`: which params matter for a target metric — Spearman's rank
//! correlation and a one-level split importance per param, most important first.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::select::{SelectArgs, column, load};
use super::{OutputArgs, emit, now_ms};
use crate::index::importance::{self, Goal};
use crate::text;

#[derive(Debug, Args)]
pub struct ImportanceArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// The target: a metric column, any aggregate (e.g. metrics.val/acc:max).
    #[arg(long, short = 'm', value_name = "COLUMN")]
    pub metric: String,

    /// Whether larger or smaller target values are better (default: from the name; loss,
    /// error, ... are minimised).
    #[arg(long, value_enum)]
    pub goal: Option<GoalArg>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoalArg {
    Max,
    Min,
}

/// `mltui importance`.
pub fn run(args: ImportanceArgs, uri: Option<&str>) -> Result<()> {
    let target = column(&args.metric, "--metric")?;
    if target.metric_parts().is_none() {
        bail!(
            "--metric must be a metric column (metrics.KEY or metrics.KEY:AGG), not '{}'",
            text::sanitize(&args.metric)
        );
    }
    let goal = match args.goal {
        Some(GoalArg::Max) => Goal::Max,
        Some(GoalArg::Min) => Goal::Min,
        None => Goal::guess(&target),
    };
    let (index, rows) = load(&args.select, uri, &[&target])?;
    let list = importance::importance(index.runs(), &rows, &target, goal, now_ms());
    if list.is_empty() {
        bail!(
            "no run has both params and a value of {}",
            text::sanitize(&target.name())
        );
    }
    let table = crate::export::importance_table(&list);
    if let Some(width) = super::fit_width(&args.output) {
        // Param, importance, best value and ρ matter most; the rest goes first.
        let priority = [0, 5, 6, 4, 7, 2, 3, 1];
        return super::emit_fitted(
            &table,
            width,
            super::Layout::Priority(&priority),
            |left, total| {
                format!(
                    "{left} of {} left out to fit {width} terminal columns: see all with -f csv",
                    crate::text::count(total, "column", "columns")
                )
            },
        );
    }
    emit(&args.output, |format, target, out| {
        crate::export::write_table_to(&table, format, target, out)
    })
}
