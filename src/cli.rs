//! The command line: clap definitions only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::Format;
use crate::model::ViewType;

/// A fast terminal UI for browsing and comparing MLflow experiments and runs.
///
/// SOURCE is an mlruns directory, a SQLite file (mlflow.db), a file: or sqlite: URI, or
/// the http(s):// URL of a tracking server.
/// Without one, mltui uses --tracking-uri, then MLFLOW_TRACKING_URI, then ./mlflow.db,
/// then ./mlruns. mltui never writes to a store.
#[derive(Debug, Parser)]
#[command(name = "mltui", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// The store to open in the terminal UI.
    pub source: Option<String>,

    /// The store, as MLflow's tracking URI (overrides MLFLOW_TRACKING_URI).
    #[arg(long, global = true, value_name = "URI")]
    pub tracking_uri: Option<String>,

    /// Monochrome output (also when the NO_COLOR environment variable is set).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Follow the store while runs are written: refresh every SECS seconds (0: off;
    /// default 2 for local stores, 10 for a tracking server).
    #[arg(long, value_name = "SECS")]
    pub refresh: Option<f64>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List experiments.
    Experiments(ExperimentsArgs),
    /// List runs with their params, latest metrics and tags.
    Runs(RunsArgs),
    /// Compare runs side by side: one row per key, one column per run.
    Compare(CompareArgs),
    /// Every logged point of metrics of runs (like MLflow's get_metric_history).
    History(HistoryArgs),
    /// Draw metric curves of runs to a PNG or SVG image.
    Plot(PlotArgs),
}

/// Which lifecycle stages to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum View {
    #[default]
    Active,
    Deleted,
    All,
}

impl From<View> for ViewType {
    fn from(v: View) -> Self {
        match v {
            View::Active => ViewType::Active,
            View::Deleted => ViewType::Deleted,
            View::All => ViewType::All,
        }
    }
}

/// Output options shared by the listing commands.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format (default: from the -o file's extension, else table).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,

    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExperimentsArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Lifecycle stages to list.
    #[arg(long, value_enum, default_value_t)]
    pub view: View,

    #[command(flatten)]
    pub output: OutputArgs,
}

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
    /// end_time, duration, user_id, ...), metrics.KEY, params.KEY, tags.KEY.
    #[arg(long, short = 'c', value_delimiter = ',', value_name = "COLUMNS")]
    pub columns: Option<Vec<String>>,

    /// Only runs matching an MLflow search filter, e.g.
    /// "metrics.acc > 0.9 AND params.optimizer = 'adam'". mltui also accepts OR and
    /// parentheses (AND binds tighter).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Order like MLflow's order_by, one "KEY [ASC|DESC]" per flag (repeatable), e.g.
    /// --order-by "metrics.acc DESC". Ties: start_time DESC, then run_id.
    #[arg(long = "order-by", value_name = "EXPR")]
    pub order_by: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

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

/// Which runs and metrics a history or plot covers.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Run id (repeatable).
    #[arg(long = "run", short = 'r', required = true, value_name = "RUN_ID")]
    pub runs: Vec<String>,

    /// Metric key (repeatable).
    #[arg(long = "metric", short = 'm', required = true, value_name = "KEY")]
    pub metrics: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub series: SeriesArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub series: SeriesArgs,

    /// The image to write: FILE.png or FILE.svg.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,

    /// X axis: the step, wall-clock time, or time since each run's first point.
    #[arg(long, value_enum, default_value_t)]
    pub x: crate::chart::XMode,

    /// EMA smoothing weight in [0, 1) (TensorBoard-style, debiased); the raw curve stays faint.
    #[arg(long, default_value_t = 0.0, value_name = "W")]
    pub smooth: f64,

    /// Logarithmic y axis (values <= 0 are left out and counted in the caption).
    #[arg(long)]
    pub log_y: bool,

    /// Y range from the 5th to the 95th percentile (ignore outliers).
    #[arg(long)]
    pub clip_outliers: bool,

    /// Image size in pixels.
    #[arg(long, default_value = "1200x700", value_name = "WxH", value_parser = parse_size)]
    pub size: (u32, u32),
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or("expected WIDTHxHEIGHT, e.g. 1200x700")?;
    let w: u32 = w.trim().parse().map_err(|_| format!("bad width '{w}'"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("bad height '{h}'"))?;
    if !(100..=10_000).contains(&w) || !(100..=10_000).contains(&h) {
        return Err("width and height must be between 100 and 10000".into());
    }
    Ok((w, h))
}
