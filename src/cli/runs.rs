//! `mltui runs`: the runs of experiments as a table, filtered and ordered like MLflow's
//! `search_runs`.

use anyhow::Result;
use clap::Args;

use super::{
    Layout, OutputArgs, View, columns, emit, emit_fitted, fit_width, locate, now_ms, output_format,
    pick, report_warnings, saved_view,
};
use crate::aggregate::MetricAgg;
use crate::export::{self, Format};
use crate::index::lookup::unique_prefix_len;
use crate::index::{self, Attr, Column, KeySets};
use crate::model::{self, ViewType};
use crate::store::{self, SourceSpec};
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

    /// At most N runs (the first N in the order shown); with --group-by, N groups.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,

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

    /// A view saved in the terminal UI's run table (v, then s): its columns, sort, filters,
    /// pinned runs (first), hidden runs (left out) and groups (saved in group mode).
    /// --columns, --filter, --order-by and --group-by replace the view's own.
    #[arg(long, value_name = "NAME")]
    pub saved_view: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui runs`.
pub fn run(args: RunsArgs, uri: Option<&str>, config: Option<&std::path::Path>) -> Result<()> {
    // A bad filter, order or column name fails before any store is read.
    let given = match &args.filter {
        Some(f) => {
            Some(index::parse_filter(f).map_err(|e| anyhow::anyhow!("invalid --filter: {e}"))?)
        }
        None => None,
    };
    let asked = match &args.columns {
        Some(names) => Some(columns::parse(names)?),
        None => None,
    };
    let spec = locate(args.source.as_deref(), uri)?;
    let saved = match &args.saved_view {
        Some(name) => Some(saved_view::find(&spec, name)?),
        None => None,
    };
    // --group-by, else the grouping of a saved view in group mode.
    let group_by = args.group_by.clone().or_else(|| {
        let text = saved.as_ref()?.group_by.as_ref()?;
        Some(text.split(',').map(|s| s.trim().to_string()).collect())
    });
    let grouping = match &group_by {
        Some(by) => Some(super::runs_groups::Grouping::parse(
            &columns::parse(by)?,
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
    let filter = match given {
        Some(f) => f,
        None => {
            let text = saved
                .as_ref()
                .and_then(|v| v.query.clone())
                .unwrap_or_default();
            index::parse_filter(&text)
                .map_err(|e| anyhow::anyhow!("the saved view's search filter is not valid: {e}"))?
        }
    };
    // Aggregates (`metrics.loss:min`) the columns, filter, ordering and grouping use (and
    // those of a saved view) are computed while loading.
    let mut aggregates = filter.metric_aggs();
    let saved_columns: Vec<Column> = saved
        .iter()
        .flat_map(|v| v.columns.iter().filter_map(|c| Column::parse(&c.name)))
        .chain(
            saved
                .iter()
                .flat_map(saved_view::sort_keys)
                .map(|k| k.column),
        )
        .collect();
    let agg_columns = asked
        .iter()
        .flatten()
        .chain(order.iter().map(|k| &k.column))
        .chain(grouping.iter().flat_map(|g| g.columns_used()))
        .chain(&saved_columns);
    for c in agg_columns {
        if let Column::MetricAgg(k, a) = c {
            let m = MetricAgg::new(k.clone(), *a);
            if !aggregates.contains(&m) {
                aggregates.push(m);
            }
        }
    }
    let store = store::open(&spec)?;
    let view: ViewType = args.view.into();
    // Experiments come first so that --experiment can be checked before runs are read.
    let list = store.experiments()?;
    let wanted = pick::experiment_ids(&list.experiments, &args.experiment, &store.describe())?;
    let scope = scope_text(&list.experiments, &wanted, &store.describe());
    // A server evaluates the MLflow part of the filter itself (a SQL store the parts it can
    // answer exactly); mltui applies all of it. Not when a saved view pins runs: those stay
    // though the filter leaves them out, so every run is read.
    let pins = saved.as_ref().is_some_and(|v| !v.pins.is_empty());
    let narrow = if pins {
        String::new()
    } else {
        filter.mlflow_part().to_string()
    };
    let narrowed =
        !pins && !matches!(spec, SourceSpec::File(_)) && !filter.mlflow_part().is_match_all();
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
    let now = now_ms();
    match &saved {
        Some(v) => {
            let sort = saved_view::sort_keys(v);
            let time = super::settings(config).time_format();
            rows = saved_view::rows(
                index.runs(),
                &rows,
                v,
                &sort,
                &|r| filter.matches(r),
                now,
                &time,
            );
        }
        None => rows.retain(|&i| filter.matches(&index.runs()[i])),
    }
    if !order.is_empty() {
        // Runs a saved view pins stay first.
        let pinned = saved.as_ref().map_or(0, |v| {
            rows.iter()
                .take_while(|&&i| v.pins.contains(&index.runs()[i].run_id))
                .count()
        });
        index::order_runs(index.runs(), &mut rows[pinned..], &order);
    }
    if let Some(grouping) = grouping {
        let selected: Vec<&model::Run> = rows.iter().map(|&i| &index.runs()[i]).collect();
        let cols = match (&asked, &saved) {
            (Some(cols), _) => {
                check_columns(cols, &index, &selected, &scope, narrowed)?;
                Some(cols.clone())
            }
            // As group mode shows them: names, ids and times say nothing about a group.
            (None, Some(v)) if !v.columns.is_empty() => Some(
                saved_view::columns(v, &selected, now)
                    .into_iter()
                    .filter(|c| {
                        !matches!(
                            c,
                            Column::Attr(
                                Attr::RunName
                                    | Attr::RunId
                                    | Attr::StartTime
                                    | Attr::EndTime
                                    | Attr::ArtifactUri
                            )
                        )
                    })
                    .collect(),
            ),
            (None, _) => None,
        };
        let mut table = grouping.table(index.runs(), &rows, cols.as_deref(), now);
        if let Some(n) = args.limit {
            table.rows.truncate(n);
        }
        if let Some(width) = fit_width(&args.output) {
            let keep: Vec<usize> = (0..table.headers.len()).collect();
            return emit_fitted(&table, width, Layout::Priority(&keep), |left, total| {
                format!(
                    "{left} of {} left out to fit {width} terminal columns: choose columns with -c and \
                     aggregates with --agg, or see all with -f csv",
                    text::count(total, "column", "columns")
                )
            });
        }
        return emit(&args.output, |format, target, out| {
            export::write_table_to(&table, format, target, out)
        });
    }
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    let selected: Vec<&model::Run> = rows.iter().map(|&i| &index.runs()[i]).collect();
    let columns = match (asked, &saved) {
        (Some(cols), _) => {
            check_columns(&cols, &index, &selected, &scope, narrowed)?;
            cols
        }
        (None, Some(v)) if !v.columns.is_empty() => saved_view::columns(v, &selected, now),
        (None, _) => index::column::search_runs_columns(selected.iter().copied()),
    };
    if let Some(width) = fit_width(&args.output) {
        let mut table = export::runs_table(selected.iter().copied(), &columns, now);
        let ids = index.runs().iter().map(|r| r.run_id.as_str());
        shorten_ids(&mut table, &columns, unique_prefix_len(ids, SHORT_ID));
        let priority = if args.columns.is_some() || saved.is_some() {
            (0..columns.len()).collect()
        } else {
            usefulness_order(&columns)
        };
        return emit_fitted(&table, width, Layout::Priority(&priority), |left, total| {
            format!(
                "{left} of {} left out to fit {width} terminal columns: choose columns with \
                 -c, or see all with -f csv or through a pipe (mltui runs ... | less -S)",
                text::count(total, "column", "columns")
            )
        });
    }
    let result = emit(&args.output, |format, target, out| {
        match (format, args.columns.is_some() || saved.is_some()) {
            (Format::Json, false) => export::write_runs_json(&selected, out),
            (Format::Csv, _) => Ok(export::write_runs_csv(
                &selected, &columns, now, target, out,
            )?),
            (f, _) => export::write_table_to(
                &export::runs_table(selected.iter().copied(), &columns, now),
                f,
                target,
                out,
            ),
        }
    });
    drop(selected);
    // The process ends now: freeing millions of small values one by one would take a
    // tenth of the whole run on a big store, for memory the system takes back anyway.
    std::mem::forget(index);
    result
}

/// Where runs were looked for, for messages: the experiments named, or the store.
fn scope_text(experiments: &[model::Experiment], wanted: &[String], store: &str) -> String {
    let names: Vec<String> = experiments
        .iter()
        .filter(|e| wanted.contains(&e.experiment_id))
        .map(|e| format!("'{}'", e.name))
        .collect();
    match names.len() {
        0 => store.to_string(),
        1 => format!("experiment {}", names[0]),
        _ => format!("experiments {}", names.join(", ")),
    }
}

/// Keys no loaded run has are an error (exit 2) naming the closest keys; keys only the
/// runs left out by the filter, view or limit have get a note. A server narrowed the runs
/// with the filter already, so there an unknown key is only a warning.
fn check_columns(
    cols: &[Column],
    index: &index::RunIndex,
    selected: &[&model::Run],
    scope: &str,
    narrowed: bool,
) -> Result<()> {
    if index.runs().is_empty() {
        return Ok(());
    }
    let loaded = KeySets::of(index.runs());
    let shown = KeySets::of(selected.iter().copied());
    let check = columns::check_keys(cols, &loaded, &shown);
    if !check.unknown.is_empty() {
        let err = columns::unknown_error(&check.unknown, scope);
        if !narrowed {
            return Err(err.into());
        }
        eprintln!("mltui: warning: {}", text::sanitize(&err.message));
    }
    if !selected.is_empty() && !check.unselected.is_empty() {
        let names: Vec<String> = check
            .unselected
            .iter()
            .map(|n| text::sanitize(n).into_owned())
            .collect();
        let who = match selected.len() {
            1 => "the run shown has no".to_string(),
            n => format!("none of the {n} runs shown has"),
        };
        eprintln!("mltui: note: {who} {}", names.join(", "));
    }
    Ok(())
}

/// Shortest run-id prefix shown in a table fitted to a terminal (`compare`, `history` and
/// `plot` take it back).
pub(super) const SHORT_ID: usize = 8;

/// Cuts the run ids of a table for the terminal to `len` characters (unique among every
/// run loaded, so each can be typed back).
fn shorten_ids(table: &mut export::Table, columns: &[Column], len: usize) {
    let Some(col) = columns
        .iter()
        .position(|c| *c == Column::Attr(index::Attr::RunId))
    else {
        return;
    };
    for row in &mut table.rows {
        if let Some(export::Cell::Text(id)) = row.get_mut(col) {
            if let Some((cut, _)) = id.char_indices().nth(len) {
                id.truncate(cut);
            }
        }
    }
}

/// Column positions, most useful first, for a table that must fit a terminal: id, name,
/// status, metrics, params, times, then the rest (other tags, the artifact URI last).
fn usefulness_order(columns: &[Column]) -> Vec<usize> {
    use index::Attr;
    let rank = |c: &Column| match c {
        Column::Attr(Attr::RunId) => 0,
        Column::Tag(t) if t == "mlflow.runName" => 1,
        Column::Attr(Attr::RunName) => 1,
        Column::Attr(Attr::Status) => 2,
        Column::Metric(_) | Column::MetricAgg(..) => 3,
        Column::Param(_) => 4,
        Column::Attr(Attr::StartTime | Attr::Duration) => 5,
        Column::Attr(Attr::EndTime) => 6,
        Column::Attr(Attr::ExperimentId) => 7,
        Column::Tag(_) => 8,
        Column::Attr(Attr::ArtifactUri) => 10,
        Column::Attr(_) => 9,
    };
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| rank(&columns[i]));
    order
}
