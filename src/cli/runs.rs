//! `mltui runs`: the runs of experiments as a table, filtered and ordered like MLflow's
//! `search_runs`.

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, View, emit, now_ms, open, output_format, report_warnings};
use crate::aggregate::MetricAgg;
use crate::export::{self, Format};
use crate::index::{self, Column};
use crate::model::{self, ViewType};
use crate::{Needs, index_runs, text};

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Experiment id or name (repeatable); default: every experiment of the view.
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    /// Lifecycle stage of runs to include (`active` also leaves out deleted experiments).
    #[arg(long, value_enum, default_value_t)]
    pub view: View,

    /// Columns to show, comma-separated: attributes (run_id, run_name, status, start_time,
    /// end_time, duration, user_id, ...), metrics.KEY, params.KEY, tags.KEY. A metric may
    /// name an aggregate of its history: metrics.KEY:min, :max, :first, :mean, :count,
    /// :min_step, :max_step (the step of the min/max), or metrics.KEY@STEP (the value at
    /// that step).
    #[arg(long, short = 'c', value_delimiter = ',', value_name = "COLUMNS")]
    pub columns: Option<Vec<String>>,

    /// Only runs matching an MLflow search filter, e.g.
    /// "metrics.acc > 0.9 AND params.optimizer = 'adam'". mltui also accepts OR and
    /// parentheses (AND binds tighter).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Order like MLflow's order_by, one "KEY [ASC|DESC]" per flag (repeatable), e.g.
    /// --order-by "metrics.acc DESC". Ties: start_time DESC, then run_id.
    /// With --group-by: "runs", a group column or "AGG(COLUMN)", e.g.
    /// --order-by "mean(metrics.val/acc) DESC".
    #[arg(long = "order-by", value_name = "EXPR")]
    pub order_by: Vec<String>,

    /// One row per group of runs with the same values of these columns (comma-separated,
    /// e.g. params.optimizer,params.lr): the values, `runs`, and AGG(COLUMN) for each
    /// metric column and each --agg. Runs missing a value form their own group.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub group_by: Option<Vec<String>>,

    /// Aggregates over each group's runs (with --group-by): mean, std (sample, n-1),
    /// min, max, median.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "AGGS",
        default_value = "mean,std"
    )]
    pub agg: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui runs`.
pub fn run(args: RunsArgs, uri: Option<&str>) -> Result<()> {
    // A bad filter or order fails before any store is read.
    let filter = index::parse_filter(args.filter.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("invalid --filter: {e}"))?;
    let asked = match &args.columns {
        Some(names) => Some(parse_columns(names)?),
        None => None,
    };
    let grouping = match &args.group_by {
        Some(by) => Some(super::runs_groups::Grouping::parse(
            &parse_columns(by)?,
            &args.agg,
            &args.order_by,
        )?),
        None => None,
    };
    let order = if grouping.is_some() {
        Vec::new()
    } else {
        index::parse_order_by(&args.order_by)
            .map_err(|e| anyhow::anyhow!("invalid --order-by: {e}"))?
    };
    // Aggregates (`metrics.loss:min`) the columns, filter and ordering use are computed
    // while loading.
    let mut aggregates = filter.metric_aggs();
    let agg_columns = asked
        .iter()
        .flatten()
        .chain(order.iter().map(|k| &k.column))
        .chain(grouping.iter().flat_map(|g| g.columns_used()));
    for c in agg_columns {
        if let Column::MetricAgg(k, a) = c {
            let m = MetricAgg::new(k.clone(), *a);
            if !aggregates.contains(&m) {
                aggregates.push(m);
            }
        }
    }
    let store = open(args.source.as_deref(), uri)?;
    let view: ViewType = args.view.into();
    // Experiments come first so that --experiment can be checked before runs are read.
    let list = store.experiments()?;
    let mut wanted = Vec::new();
    for name in &args.experiment {
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
    // A server evaluates the MLflow part of the filter itself; mltui applies all of it.
    let narrow = filter.mlflow_part().to_string();
    let chosen = |e: &model::Experiment| {
        if wanted.is_empty() {
            // Deleted runs also live in active experiments: only `active` narrows these.
            view != ViewType::Active || e.lifecycle == model::Lifecycle::Active
        } else {
            wanted.contains(&e.experiment_id)
        }
    };
    // Only JSON of whole runs carries min, max and count.
    let needs = Needs {
        narrow: Some(&narrow),
        summaries: args.columns.is_none() && output_format(&args.output) == Format::Json,
        aggregates: &aggregates,
    };
    let index = index_runs(store.as_ref(), list, chosen, needs)?;
    report_warnings(&index);
    let mut rows = index.select(None, view);
    rows.retain(|&i| filter.matches(&index.runs()[i]));
    if !order.is_empty() {
        index::order_runs(index.runs(), &mut rows, &order);
    }
    if let Some(grouping) = grouping {
        let table = grouping.table(index.runs(), &rows, asked.as_deref(), now_ms());
        return emit(&args.output, |format, out| {
            export::write_table(&table, format, out)
        });
    }
    let selected: Vec<&model::Run> = rows.iter().map(|&i| &index.runs()[i]).collect();
    let columns = match asked {
        Some(columns) => columns,
        None => index::column::search_runs_columns(selected.iter().copied()),
    };
    let now = now_ms();
    emit(&args.output, |format, out| {
        match (format, args.columns.is_some()) {
            (Format::Json, false) => {
                export::write_json(&export::runs_json(selected.iter().copied()), out)
            }
            (f, _) => export::write_table(
                &export::runs_table(selected.iter().copied(), &columns, now),
                f,
                out,
            ),
        }
    })
}

pub(super) fn parse_columns(names: &[String]) -> Result<Vec<Column>> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            Column::parse(n).with_context(|| {
                format!(
                    "unknown column '{}': use an attribute (run_id, run_name, status, start_time, \
                     end_time, duration, user_id, experiment_id, lifecycle_stage, artifact_uri) \
                     or metrics.KEY (also metrics.KEY:min, :max, :first, :mean, :count, \
                     :min_step, :max_step, metrics.KEY@STEP), params.KEY, tags.KEY",
                    text::sanitize(n)
                )
            })
        })
        .collect()
}
