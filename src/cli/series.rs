//! The `history` and `plot` commands: metric histories of chosen runs, as a table or an image.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{OutputArgs, emit, fetch_runs, open};
use crate::chart::{self, ChartOptions, labels::legend_labels, plot};
use crate::export::{Cell, Table};
use crate::model::{MetricPoint, Run};
use crate::store::Store;
use crate::text;

/// Which runs and metrics a history or plot covers.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Run id (repeatable).
    #[arg(long = "run", short = 'r', value_name = "RUN_ID")]
    pub runs: Vec<String>,

    /// Experiment id or name (repeatable): the runs of `plot --kind scatter|parallel` and
    /// of `plot --group-by`.
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    /// Metric key (repeatable).
    #[arg(long = "metric", short = 'm', value_name = "KEY")]
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

    /// What to draw: metric curves of runs (line), one dot per run (scatter, with --x,
    /// --y, --color) or one line per run across axes (parallel, with --axes).
    #[arg(long, value_enum, default_value_t)]
    pub kind: PlotKind,

    /// X axis. Line charts: step, time (wall clock) or relative (since each run's first
    /// point). Scatter: a column, e.g. params.lr or metrics.val/loss:min.
    #[arg(long, default_value = "step", value_name = "AXIS")]
    pub x: String,

    /// Scatter: the y column, e.g. metrics.val/acc:max.
    #[arg(long, value_name = "COLUMN")]
    pub y: Option<String>,

    /// Scatter and parallel: colour by this column (parallel default: the last metric axis).
    #[arg(long, value_name = "COLUMN")]
    pub color: Option<String>,

    /// Parallel: the axes, comma-separated, e.g. params.lr,params.batch_size,metrics.val/acc:max.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub axes: Vec<String>,

    /// Line: one mean curve per group of runs with these column values (comma-separated),
    /// with a band around it.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub group_by: Vec<String>,

    /// The band of grouped curves: min to max, or mean ± one standard deviation.
    #[arg(long, value_enum, default_value_t)]
    pub band: crate::chart::bands::BandKind,

    /// Only runs matching a search filter (scatter, parallel, grouped lines).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Logarithmic x axis (scatter; by default an axis goes log when its positive values
    /// span two decades or more).
    #[arg(long)]
    pub log_x: bool,

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

/// The kinds of `plot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PlotKind {
    #[default]
    Line,
    Scatter,
    Parallel,
}

/// The x mode of a line chart from `--x`.
fn x_mode(x: &str) -> Result<crate::chart::XMode> {
    use clap::ValueEnum;
    crate::chart::XMode::from_str(x, true).map_err(|_| {
        anyhow::anyhow!(
            "--x for a line chart is step, time or relative, not '{}'",
            text::sanitize(x)
        )
    })
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

/// Runs (checked to exist) and, per run and metric, the full history.
struct Histories {
    runs: Vec<Run>,
    /// `(run position, key, points)`, in the order asked for.
    series: Vec<(usize, String, Vec<MetricPoint>)>,
}

fn load(args: &SeriesArgs, uri: Option<&str>) -> Result<Histories> {
    if args.runs.is_empty() || args.metrics.is_empty() {
        bail!("give the runs and metrics: -r RUN_ID... -m KEY...");
    }
    let store: Box<dyn Store> = open(args.source.as_deref(), uri)?;
    let runs = fetch_runs(store.as_ref(), &args.runs)?;
    let mut series = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for key in &args.metrics {
            let points = store.metric_history(&run.run_id, key).with_context(|| {
                format!("history of '{}' of run {}", text::sanitize(key), run.run_id)
            })?;
            series.push((i, key.clone(), points));
        }
    }
    if series.iter().all(|(_, _, p)| p.is_empty()) {
        let keys: Vec<String> = args
            .metrics
            .iter()
            .map(|k| text::sanitize(k).into_owned())
            .collect();
        bail!("none of the runs has points for {}", keys.join(", "));
    }
    Ok(Histories { runs, series })
}

/// `mltui history`: every point, sorted by run (as given), key (as given), step, timestamp.
pub fn history(args: HistoryArgs, uri: Option<&str>) -> Result<()> {
    let h = load(&args.series, uri)?;
    let headers = ["run_id", "run_name", "key", "step", "timestamp", "value"];
    let mut table = Table::new(headers.iter().map(|s| s.to_string()).collect());
    for (i, key, points) in &h.series {
        let run = &h.runs[*i];
        let mut pts = points.clone();
        pts.sort_by(|a, b| {
            (a.step, a.timestamp)
                .cmp(&(b.step, b.timestamp))
                .then(a.value.total_cmp(&b.value))
        });
        for p in pts {
            table.rows.push(vec![
                Cell::Text(run.run_id.clone()),
                Cell::Text(run.run_name.clone()),
                Cell::Text(key.clone()),
                Cell::Int(p.step),
                Cell::Int(p.timestamp),
                Cell::Number(p.value),
            ]);
        }
    }
    emit(&args.output, |format, out| {
        crate::export::write_table(&table, format, out)
    })
}

/// `mltui plot`: one panel per metric, one line per run.
pub fn plot(args: PlotArgs, uri: Option<&str>) -> Result<()> {
    if !(0.0..1.0).contains(&args.smooth) {
        bail!("--smooth must be in [0, 1), got {}", args.smooth);
    }
    if args.kind != PlotKind::Line || !args.group_by.is_empty() {
        return super::plot_sweep::plot(&args, uri);
    }
    let x = x_mode(&args.x)?;
    let h = load(&args.series, uri)?;
    let opts = ChartOptions {
        x_mode: x,
        log_y: args.log_y,
        smoothing: args.smooth,
        clip_outliers: args.clip_outliers,
    };
    let names: Vec<(&str, &str)> = h
        .runs
        .iter()
        .map(|r| (r.run_name.as_str(), r.run_id.as_str()))
        .collect();
    let labels = legend_labels(&names, 32);
    let panels = args
        .series
        .metrics
        .iter()
        .map(|key| {
            let mut series = Vec::new();
            let mut panel_labels = Vec::new();
            for (i, k, points) in &h.series {
                if k == key {
                    series.push(chart::prepare(&h.runs[*i].run_id, key, points, &opts));
                    panel_labels.push(labels[*i].clone());
                }
            }
            plot::Panel {
                key: text::sanitize(key).into_owned(),
                series,
                labels: panel_labels,
            }
        })
        .collect();
    let title = if args.series.metrics.len() == 1 {
        format!(
            "{} · {} runs",
            text::sanitize(&args.series.metrics[0]),
            h.runs.len()
        )
    } else {
        format!(
            "{} metrics · {} runs",
            args.series.metrics.len(),
            h.runs.len()
        )
    };
    let request = plot::Plot {
        title,
        panels,
        opts,
        size: args.size,
    };
    plot::render(&args.output, &request)?;
    eprintln!("mltui: wrote {}", args.output.display());
    Ok(())
}
