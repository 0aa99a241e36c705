//! The command line: clap definitions (one file per command, beside its body) and the
//! helpers the commands share (finding the store, choosing the output, writing it).

mod artifacts;
mod browse;
mod columns;
mod compare;
mod config;
mod docs;
mod experiments;
mod importance;
mod logged_models;
mod models;
mod pick;
mod plot_sweep;
mod runs;
mod runs_groups;
mod saved_view;
mod select;
mod series;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::{self, Format, Target};
use crate::model::ViewType;
use crate::store::{self, SourceSpec, Store};
use crate::text;

pub use artifacts::ArtifactsArgs;
pub use compare::CompareArgs;
pub use config::ConfigArgs;
pub use docs::{CompletionsArgs, ManArgs, write_completions, write_man};
pub use experiments::ExperimentsArgs;
pub use importance::ImportanceArgs;
pub use logged_models::LoggedModelsArgs;
pub use models::ModelsArgs;
pub use pick::UsageError;
pub use runs::RunsArgs;
pub use series::{HistoryArgs, PlotArgs, SeriesArgs};

/// A fast terminal UI for browsing and comparing MLflow experiments and runs.
///
/// SOURCE is an mlruns directory, a SQLite file (mlflow.db), a file: or sqlite: URI, or
/// the http(s):// URL of a tracking server.
/// Without one, mltui uses --tracking-uri, then MLFLOW_TRACKING_URI, then ./mlflow.db,
/// then ./mlruns. mltui never writes to a store.
#[derive(Debug, Parser)]
#[command(
    name = "mltui",
    version,
    long_version = env!("MLTUI_LONG_VERSION")
)]
pub struct Cli {
    /// The store to open in the terminal UI.
    pub source: Option<String>,

    /// The store, as MLflow's tracking URI (overrides MLFLOW_TRACKING_URI).
    #[arg(long, global = true, value_name = "URI")]
    pub tracking_uri: Option<String>,

    /// Where artifacts were copied to, when they are not at the location the store recorded
    /// nor next to the store (e.g. a server's --artifacts-destination folder); default:
    /// $MLTUI_ARTIFACTS_ROOT, else `[artifacts] root` in the configuration file.
    #[arg(long, global = true, value_name = "DIR")]
    pub artifacts_root: Option<PathBuf>,

    /// The configuration file (default: $MLTUI_CONFIG, else
    /// $XDG_CONFIG_HOME/mltui/config.toml, i.e. ~/.config/mltui/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Monochrome output (also when the NO_COLOR environment variable is set).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Open the terminal UI on the runs of this experiment (id or name); Esc goes back to
    /// the experiment list.
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Option<String>,

    /// Follow the store while runs are written: refresh every SECS seconds (0: off;
    /// default 2 for local stores, 10 for a tracking server; see `mltui config`). A local
    /// store is also watched for changes, which show at once (MLTUI_WATCH=poll: polled only).
    #[arg(long, value_name = "SECS")]
    pub refresh: Option<f64>,

    /// Leave the mouse to the terminal (its own text selection); also `[mouse] enabled =
    /// false` in the configuration or MLTUI_MOUSE=0.
    #[arg(long)]
    pub no_mouse: bool,

    /// Tell of new alerts (a run failed, stalled or logged NaN) outside mltui: the terminal
    /// bell, or a desktop notification by OSC 9 or OSC 777 (default when given: osc9).
    #[arg(
        long,
        value_enum,
        value_name = "HOW",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "osc9"
    )]
    pub notify: Option<NotifyArg>,

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
    /// Draw metric curves of runs: the terminal UI's chart as text, or a PNG or SVG image.
    Plot(PlotArgs),
    /// Which params matter for a metric: rank correlation and split importance.
    Importance(ImportanceArgs),
    /// List registered models (or prompts), or the versions of one model.
    Models(ModelsArgs),
    /// List MLflow 3 logged models of experiments, with their params and metrics.
    LoggedModels(LoggedModelsArgs),
    /// List the artifacts of a run or logged model, or print one file (--cat).
    Artifacts(ArtifactsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write every page into a folder.
    Man(ManArgs),
    /// Show the settings in effect, print a commented default file, or check a file.
    Config(ConfigArgs),
}

/// How `--notify` tells of alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyArg {
    Off,
    Bell,
    Osc9,
    Osc777,
}

impl From<NotifyArg> for crate::config::Notify {
    fn from(n: NotifyArg) -> Self {
        match n {
            NotifyArg::Off => Self::Off,
            NotifyArg::Bell => Self::Bell,
            NotifyArg::Osc9 => Self::Osc9,
            NotifyArg::Osc777 => Self::Osc777,
        }
    }
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

/// Runs the command line.
pub fn run(cli: Cli) -> Result<()> {
    // `mltui SOURCE runs ...` reads SOURCE like --tracking-uri: a command's own SOURCE wins.
    let global_uri = match (&cli.tracking_uri, &cli.source, &cli.command) {
        (Some(_), Some(_), Some(_)) => {
            anyhow::bail!("two sources: a SOURCE before the command and --tracking-uri")
        }
        (uri, None, _) | (uri, _, None) => uri.clone(),
        (None, source, Some(_)) => source.clone(),
    };
    match cli.command {
        Some(Command::Experiments(args)) => experiments::run(args, global_uri.as_deref()),
        Some(Command::Runs(args)) => runs::run(args, global_uri.as_deref(), cli.config.as_deref()),
        Some(Command::Compare(args)) => compare::run(args, global_uri.as_deref()),
        Some(Command::History(args)) => series::history(args, global_uri.as_deref()),
        Some(Command::Models(args)) => models::run(args, global_uri.as_deref()),
        Some(Command::LoggedModels(args)) => logged_models::run(args, global_uri.as_deref()),
        Some(Command::Artifacts(args)) => {
            let config = cli.config.as_deref();
            let root = |spec: &SourceSpec| match &cli.artifacts_root {
                Some(root) => Some(root.clone()),
                None => settings(config).artifacts_root_for(spec),
            };
            artifacts::run(args, global_uri.as_deref(), &root)
        }
        Some(Command::Plot(args)) => series::plot(args, global_uri.as_deref(), cli.no_color),
        Some(Command::Importance(args)) => importance::run(args, global_uri.as_deref()),
        Some(Command::Completions(args)) => docs::completions(&args),
        Some(Command::Man(args)) => docs::man(&args),
        Some(Command::Config(args)) => config::run(&args, cli.config.as_deref()),
        None => browse::run(&cli),
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

fn open(positional: Option<&str>, tracking_uri: Option<&str>) -> Result<Box<dyn Store>> {
    let spec = locate(positional, tracking_uri)?;
    Ok(store::open(&spec)?)
}

/// The settings for a headless command: a broken configuration file is reported as
/// warnings and its settings left out (a report should not fail over a colour).
fn settings(flag: Option<&std::path::Path>) -> crate::config::Config {
    let env = |k: &str| std::env::var(k).ok();
    match crate::config::load(flag, &env) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("mltui: warning: {}", text::sanitize(&e.to_string()));
            }
            crate::config::Config::default()
        }
    }
}

fn report_warnings(index: &crate::index::RunIndex) {
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

/// The format asked for: `--format`, else the `-o` file's extension, else a text table.
fn output_format(output: &OutputArgs) -> Format {
    output
        .format
        .or_else(|| output.output.as_deref().and_then(Format::from_path))
        .unwrap_or_default()
}

/// Picks the format and destination, then writes. A closed pipe (`| head`) is not an error.
/// Standard output that is a terminal gets control characters escaped in every format
/// ([`Target::Terminal`]); a file or a pipe gets exact values.
pub(crate) fn emit(
    output: &OutputArgs,
    write: impl FnOnce(Format, Target, &mut dyn Write) -> Result<(), export::ExportError>,
) -> Result<()> {
    let format = output_format(output);
    let result = match &output.output {
        Some(path) => export::write_file(path, |out| write(format, Target::Exact, out)),
        None => {
            let stdout = std::io::stdout();
            let target = if stdout.is_terminal() {
                Target::Terminal
            } else {
                Target::Exact
            };
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write(format, target, &mut lock).and_then(|()| lock.flush().map_err(Into::into))
        }
    };
    match result {
        Err(export::ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(export::ExportError::Csv(e)) if is_broken_pipe(&e) => Ok(()),
        other => Ok(other?),
    }
}

/// The width to fit a text table to: the terminal's, when a text table goes to a terminal
/// (never to a file or a pipe, which get every column).
fn fit_width(output: &OutputArgs) -> Option<usize> {
    if output.output.is_some() || output_format(output) != Format::Table {
        return None;
    }
    let (terminal_size::Width(w), _) = terminal_size::terminal_size_of(std::io::stdout())?;
    Some(usize::from(w))
}

/// How a text table is fitted to the terminal.
enum Layout<'a> {
    /// Columns by usefulness (positions, most useful first): see
    /// [`export::Table::write_text_fitted`].
    Priority(&'a [usize]),
    /// Keys, then columns sharing the width: see [`export::Table::write_text_shared`].
    Shared { first_max: usize, min_each: usize },
}

/// Writes `table` fitted to `width` cells and, when columns were left out, says so on
/// stderr: `left_out(count, total)`.
fn emit_fitted(
    table: &export::Table,
    width: usize,
    layout: Layout<'_>,
    left_out: impl FnOnce(usize, usize) -> String,
) -> Result<()> {
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::new(stdout.lock());
    let written = match layout {
        Layout::Priority(priority) => table.write_text_fitted(&mut lock, width, priority),
        Layout::Shared {
            first_max,
            min_each,
        } => table.write_text_shared(&mut lock, width, first_max, min_each),
    }
    .and_then(|left| lock.flush().map(|()| left));
    match written {
        Ok(0) => Ok(()),
        Ok(left) => {
            eprintln!("mltui: {}", left_out(left, table.headers.len()));
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn is_broken_pipe(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}
