//! The command line: clap definitions only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::Format;
use crate::model::ViewType;

/// A fast terminal UI for browsing and comparing MLflow experiments and runs.
///
/// SOURCE is an mlruns directory, a SQLite file (mlflow.db), a file: or sqlite: URI.
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
