//! `mltui importance`: which params matter for a target metric — Spearman's rank
//! correlation and a one-level split importance per param, most important first.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::select::{SelectArgs, column, load};
use super::{OutputArgs, emit, now_ms};
use crate::export::{Cell, Table};
use crate::index::importance::{self, Goal, ParamKind};
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
    let mut table = Table::new(
        [
            "param",
            "kind",
            "runs",
            "values",
            "spearman",
            "importance",
            "best",
            "best_mean",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    for i in &list {
        table.rows.push(vec![
            Cell::Text(format!("params.{}", i.param)),
            Cell::Text(
                match i.kind {
                    ParamKind::Numeric => "numeric",
                    ParamKind::Categorical => "categorical",
                }
                .into(),
            ),
            Cell::Int(i.runs as i64),
            Cell::Int(i.values as i64),
            i.spearman.map_or(Cell::Missing, Cell::Number),
            Cell::Number(i.importance),
            if i.best.is_empty() {
                Cell::Missing
            } else {
                Cell::Text(i.best.clone())
            },
            Cell::Number(i.best_mean),
        ]);
    }
    emit(&args.output, |format, out| {
        crate::export::write_table(&table, format, out)
    })
}
