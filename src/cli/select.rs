//! The runs a sweep command works on (`importance`, `plot --kind scatter|parallel`, grouped
//! `plot`): experiments by id or name, a lifecycle view and a filter, loaded with the metric
//! aggregates the command's columns need.

use anyhow::{Result, bail};
use clap::Args;

use super::{View, open, report_warnings};
use crate::aggregate::MetricAgg;
use crate::index::{self, Column, RunIndex};
use crate::model::{self, ViewType};
use crate::store::Store;
use crate::{Needs, index_runs, text};

#[derive(Debug, Args)]
pub struct SelectArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Experiment id or name (repeatable); default: every experiment of the view.
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    /// Lifecycle stage of runs to include.
    #[arg(long, value_enum, default_value_t)]
    pub view: View,

    /// Only runs matching a search filter (MLflow's syntax, plus OR, parentheses and
    /// aggregates such as metrics.val/loss:min < 0.3).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
}

/// Loads the selected runs with every aggregate `columns` use; returns the index and the
/// selected rows in MLflow's default order.
pub fn load(
    args: &SelectArgs,
    uri: Option<&str>,
    columns: &[&Column],
) -> Result<(RunIndex, Vec<usize>)> {
    let (_, index, rows) = load_from(
        args.source.as_deref(),
        &args.experiment,
        args.view,
        args.filter.as_deref(),
        uri,
        columns,
    )?;
    Ok((index, rows))
}

/// [`load`] from the pieces of a command's arguments.
pub fn load_from(
    source: Option<&str>,
    experiments: &[String],
    view: View,
    filter: Option<&str>,
    uri: Option<&str>,
    columns: &[&Column],
) -> Result<(Box<dyn Store>, RunIndex, Vec<usize>)> {
    let filter = index::parse_filter(filter.unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("invalid --filter: {e}"))?;
    let mut aggregates: Vec<MetricAgg> = filter.metric_aggs();
    for c in columns {
        if let Column::MetricAgg(k, a) = c {
            let m = MetricAgg::new(k.clone(), *a);
            if !aggregates.contains(&m) {
                aggregates.push(m);
            }
        }
    }
    let store = open(source, uri)?;
    let view: ViewType = view.into();
    let list = store.experiments()?;
    let mut wanted = Vec::new();
    for name in experiments {
        let found = list
            .experiments
            .iter()
            .find(|e| &e.experiment_id == name)
            .or_else(|| list.experiments.iter().find(|e| &e.name == name));
        match found {
            Some(e) => wanted.push(e.experiment_id.clone()),
            None => bail!(
                "no experiment with id or name '{}' in {}",
                text::sanitize(name),
                store.describe()
            ),
        }
    }
    let narrow = filter.mlflow_part().to_string();
    let chosen = |e: &model::Experiment| {
        if wanted.is_empty() {
            view != ViewType::Active || e.lifecycle == model::Lifecycle::Active
        } else {
            wanted.contains(&e.experiment_id)
        }
    };
    let needs = Needs {
        narrow: Some(&narrow),
        summaries: false,
        aggregates: &aggregates,
    };
    let index = index_runs(store.as_ref(), list, chosen, needs)?;
    report_warnings(&index);
    let mut rows = index.select(None, view);
    rows.retain(|&i| filter.matches(&index.runs()[i]));
    Ok((store, index, rows))
}

/// Parses one column name, with the same message as `runs --columns`.
pub fn column(name: &str, flag: &str) -> Result<Column> {
    Column::parse(name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown column '{}' in {flag}: use metrics.KEY (or metrics.KEY:min, :max, :first, \
             :mean, :count, :min_step, :max_step, metrics.KEY@STEP), params.KEY, tags.KEY or \
             an attribute",
            text::sanitize(name)
        )
    })
}
