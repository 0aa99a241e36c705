//! mltui: browse and compare MLflow experiments and runs from a terminal.
//!
//! Layers: `store` fetches, `index` holds and queries, `export` writes tables headless,
//! `tui` (the only user of ratatui/crossterm) shows them.

pub mod chart;
pub mod cli;
pub mod export;
pub mod index;
pub mod model;
mod series;
pub mod store;
pub mod text;
pub mod tui;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use cli::{Cli, Command, CompareArgs, ExperimentsArgs, OutputArgs, RunsArgs};
use export::Format;
use index::{Column, RunIndex};
use model::ViewType;
use store::{SourceSpec, Store};

/// Runs the command line.
pub fn run(cli: Cli) -> Result<()> {
    let global_uri = cli.tracking_uri.clone();
    match cli.command {
        Some(Command::Experiments(args)) => experiments(args, global_uri.as_deref()),
        Some(Command::Runs(args)) => runs(args, global_uri.as_deref()),
        Some(Command::Compare(args)) => compare_cmd(args, global_uri.as_deref()),
        Some(Command::History(args)) => series::history(args, global_uri.as_deref()),
        Some(Command::Plot(args)) => series::plot(args, global_uri.as_deref()),
        None => {
            let spec = locate(cli.source.as_deref(), global_uri.as_deref())?;
            // Polling a server costs it work: follow it less often by default.
            let default = if matches!(spec, SourceSpec::Http(_)) {
                10.0
            } else {
                2.0
            };
            let refresh = cli.refresh.unwrap_or(default);
            if !(refresh.is_finite() && refresh >= 0.0) {
                bail!("--refresh must be a number of seconds >= 0, got {refresh}");
            }
            let store = store::open(&spec)?;
            let opts = tui::Options {
                no_color: cli.no_color,
                refresh: (refresh > 0.0)
                    .then(|| std::time::Duration::from_secs_f64(refresh.max(0.2))),
            };
            tui::run(std::sync::Arc::from(store), &opts)
        }
    }
}

/// Resolves the source from the positional argument, `--tracking-uri`, the environment and
/// the current directory.
pub fn locate(positional: Option<&str>, tracking_uri: Option<&str>) -> Result<SourceSpec> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let env = std::env::var("MLFLOW_TRACKING_URI").ok();
    Ok(store::resolve_source(
        positional.or(tracking_uri),
        env.as_deref(),
        &cwd,
    )?)
}

pub(crate) fn open(positional: Option<&str>, tracking_uri: Option<&str>) -> Result<Box<dyn Store>> {
    let spec = locate(positional, tracking_uri)?;
    Ok(store::open(&spec)?)
}

/// Loads the experiments of a store and every run of the chosen ones into an index.
pub fn load_index(
    store: &dyn Store,
    experiments: impl Fn(&model::Experiment) -> bool,
) -> Result<RunIndex> {
    let list = store.experiments()?;
    index_runs(store, list, experiments, Needs::default())
}

/// What a load of runs needs beyond the runs themselves.
#[derive(Debug, Clone, Copy)]
pub struct Needs<'a> {
    /// An MLflow filter string a store may narrow the runs with (see [`index_runs`]).
    pub narrow: Option<&'a str>,
    /// Min, max and count of every metric, not only its latest value.
    pub summaries: bool,
}

impl Default for Needs<'_> {
    fn default() -> Self {
        Self {
            narrow: None,
            summaries: true,
        }
    }
}

/// An index of `list` and the runs of the experiments `chosen` picks. With `needs.narrow`
/// (an MLflow filter string), a store that can evaluate it (a server) returns only matching
/// runs; others return all of them. Callers still apply their full filter.
pub fn index_runs(
    store: &dyn Store,
    list: store::ExperimentList,
    chosen: impl Fn(&model::Experiment) -> bool,
    needs: Needs<'_>,
) -> Result<RunIndex> {
    let picked: Vec<model::Experiment> = list
        .experiments
        .iter()
        .filter(|e| chosen(e))
        .cloned()
        .collect();
    let mut index = RunIndex::new(list.experiments);
    index.add_warnings(list.warnings);
    let narrowed = match needs.narrow.filter(|f| !f.trim().is_empty()) {
        Some(f) => store.runs_where(&picked, f, &mut |batch| index.add_batch(batch))?,
        None => false,
    };
    if !narrowed && needs.summaries {
        store.runs(&picked, &mut |batch| index.add_batch(batch))?;
    } else if !narrowed {
        store.runs_latest(&picked, &mut |batch| index.add_batch(batch))?;
    }
    Ok(index)
}

fn report_warnings(index: &RunIndex) {
    let mut err = std::io::stderr().lock();
    for w in index.warnings() {
        let _ = writeln!(err, "mltui: warning: {}", text::sanitize(&w.to_string()));
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn experiments(args: ExperimentsArgs, uri: Option<&str>) -> Result<()> {
    let store = open(args.source.as_deref(), uri)?;
    // Only run counts are shown: counted by the store when it can, else by loading runs
    // (without metric summaries).
    let list = store.experiments()?;
    let index = match store.run_counts(&list.experiments)? {
        Some(counts) => {
            let mut index = RunIndex::new(list.experiments);
            index.add_warnings(list.warnings);
            index.set_run_counts(counts);
            index
        }
        None => {
            let needs = Needs {
                narrow: None,
                summaries: false,
            };
            index_runs(store.as_ref(), list, |_| true, needs)?
        }
    };
    report_warnings(&index);
    let view: ViewType = args.view.into();
    let exps = index.experiments_in(view);
    emit(&args.output, |format, out| match format {
        Format::Json => export::write_json(&export::experiments_json(&index, &exps), out),
        f => export::write_table(&export::experiments_table(&index, &exps), f, out),
    })
}

fn runs(args: RunsArgs, uri: Option<&str>) -> Result<()> {
    // A bad filter or order fails before any store is read.
    let filter = index::parse_filter(args.filter.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("invalid --filter: {e}"))?;
    let order = index::parse_order_by(&args.order_by)
        .map_err(|e| anyhow::anyhow!("invalid --order-by: {e}"))?;
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
    };
    let index = index_runs(store.as_ref(), list, chosen, needs)?;
    report_warnings(&index);
    let mut rows = index.select(None, view);
    rows.retain(|&i| filter.matches(&index.runs()[i]));
    if !order.is_empty() {
        index::order_runs(index.runs(), &mut rows, &order);
    }
    let selected: Vec<&model::Run> = rows.iter().map(|&i| &index.runs()[i]).collect();
    let columns = match &args.columns {
        Some(names) => parse_columns(names)?,
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

fn parse_columns(names: &[String]) -> Result<Vec<Column>> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            Column::parse(n).with_context(|| {
                format!(
                    "unknown column '{}': use an attribute (run_id, run_name, status, start_time, \
                     end_time, duration, user_id, experiment_id, lifecycle_stage, artifact_uri) \
                     or metrics.KEY, params.KEY, tags.KEY",
                    text::sanitize(n)
                )
            })
        })
        .collect()
}

fn compare_cmd(args: CompareArgs, uri: Option<&str>) -> Result<()> {
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
    emit(&args.output, |format, out| {
        export::write_table(&table, format, out)
    })
}

/// The format asked for: `--format`, else the `-o` file's extension, else a text table.
fn output_format(output: &OutputArgs) -> Format {
    output
        .format
        .or_else(|| output.output.as_deref().and_then(Format::from_path))
        .unwrap_or_default()
}

/// Runs by id, each one checked to exist.
pub(crate) fn fetch_runs(store: &dyn Store, ids: &[String]) -> Result<Vec<model::Run>> {
    ids.iter()
        .map(|id| {
            store
                .run(id)
                .with_context(|| format!("in {}", store.describe()))
        })
        .collect()
}

/// Picks the format and destination, then writes. A closed pipe (`| head`) is not an error.
pub(crate) fn emit(
    output: &OutputArgs,
    write: impl FnOnce(Format, &mut dyn Write) -> Result<(), export::ExportError>,
) -> Result<()> {
    let format = output_format(output);
    let result = match &output.output {
        Some(path) => write_file(path, |out| write(format, out)),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write(format, &mut lock).and_then(|()| lock.flush().map_err(Into::into))
        }
    };
    match result {
        Err(export::ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(export::ExportError::Csv(e)) if is_broken_pipe(&e) => Ok(()),
        other => Ok(other?),
    }
}

fn is_broken_pipe(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Writes a file through a buffered writer.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), export::ExportError>,
) -> Result<(), export::ExportError> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)?;
    w.flush()?;
    Ok(())
}
