//! The `history` and `plot` commands: metric histories of chosen runs, as a table or an image.

use std::io::Write;
use std::path::PathBuf;

use std::ops::ControlFlow;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::pick::fetch_runs;
use super::{OutputArgs, emit, open, output_format};
use crate::chart::{self, ChartOptions, labels::legend_labels, plot};
use crate::export::{Cell, ExportError, Format, RowWriter, text_width};
use crate::model::{MetricPoint, Run};
use crate::store::{Sampler, Store};
use crate::text;
use crate::tui::text_chart;

/// Which runs and metrics a history or plot covers.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// A run: its id, a unique id prefix (6 or more characters) or its name (repeatable).
    #[arg(long = "run", short = 'r', value_name = "RUN")]
    pub runs: Vec<String>,

    /// Look run names and id prefixes up only in this experiment (id or name; repeatable).
    /// For plot --kind scatter|parallel and --group-by: the experiments whose runs are drawn.
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

/// What `plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotFormat {
    /// A PNG image.
    Png,
    /// An SVG image.
    Svg,
    /// The terminal UI's Braille chart as text (colours when written to a terminal).
    Text,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    #[command(flatten)]
    pub series: SeriesArgs,

    /// What to draw (default: from the -o file's extension; without -o, text).
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<PlotFormat>,

    /// The file to write: FILE.png, FILE.svg or FILE.txt; text goes to standard output
    /// without it.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

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

    /// Text chart width in columns (default: the terminal's, else 80).
    #[arg(long, value_name = "COLS", value_parser = clap::value_parser!(u16).range(30..=1000))]
    pub width: Option<u16>,

    /// Text chart height in lines, legend included (default: the terminal's, up to 40;
    /// else 24).
    #[arg(long, value_name = "LINES", value_parser = clap::value_parser!(u16).range(8..=500))]
    pub height: Option<u16>,
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

/// Runs (checked to exist) and, per run and metric, the points to draw.
struct Histories {
    runs: Vec<Run>,
    /// `(run position, key, points)`, in the order asked for.
    series: Vec<(usize, String, Vec<MetricPoint>)>,
}

/// Every point of each history, or for a very long one a sample taken while reading (the
/// same curve at any image width), so memory stays bounded.
fn load(args: &SeriesArgs, uri: Option<&str>) -> Result<Histories> {
    if args.runs.is_empty() || args.metrics.is_empty() {
        bail!("give the runs and metrics: -r RUN_ID... -m KEY...");
    }
    let store: Box<dyn Store> = open(args.source.as_deref(), uri)?;
    let runs = fetch_runs(store.as_ref(), &args.runs, &args.experiment)?;
    let mut series = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for key in &args.metrics {
            let mut sampler = Sampler::new();
            store
                .metric_history_chunks(&run.run_id, key, &mut |chunk| {
                    chunk.iter().for_each(|p| sampler.push(*p));
                    ControlFlow::Continue(())
                })
                .with_context(|| {
                    format!("history of '{}' of run {}", text::sanitize(key), run.run_id)
                })?;
            series.push((i, key.clone(), sampler.finish()));
        }
    }
    if series.iter().all(|(_, _, p)| p.is_empty()) {
        let keys: Vec<String> = args
            .metrics
            .iter()
            .map(|k| text::sanitize(k).into_owned())
            .collect();
        let which = match runs.len() {
            1 => "the run has no",
            _ => "none of the runs has",
        };
        bail!("{which} points for {}", keys.join(", "));
    }
    Ok(Histories { runs, series })
}

/// What a first pass over one history found.
struct Scan {
    run: usize,
    key: String,
    points: u64,
    /// Already in output order (step, timestamp, value): the second pass streams it.
    sorted: bool,
    /// Widest step, timestamp and value in the text table.
    widths: [usize; 3],
}

/// Output order: step, then timestamp, then value.
fn in_order(a: &MetricPoint, b: &MetricPoint) -> bool {
    (a.step, a.timestamp)
        .cmp(&(b.step, b.timestamp))
        .then(a.value.total_cmp(&b.value))
        .is_le()
}

fn point_cells(run: &Run, key: &str, p: &MetricPoint) -> [Cell; 6] {
    [
        Cell::Text(run.run_id.clone()),
        Cell::Text(run.run_name.clone()),
        Cell::Text(key.to_string()),
        Cell::Int(p.step),
        Cell::Int(p.timestamp),
        Cell::Number(p.value),
    ]
}

/// `mltui history`: every point, sorted by run (as given), key (as given), step, timestamp,
/// written as it is read. A first pass over each history counts its points and checks their
/// order (and measures them for the text table); the second streams them out, so memory stays
/// constant at any length. Only a history logged out of step order is sorted in memory.
pub fn history(args: HistoryArgs, uri: Option<&str>) -> Result<()> {
    let store: Box<dyn Store> = open(args.series.source.as_deref(), uri)?;
    let runs = fetch_runs(store.as_ref(), &args.series.runs, &args.series.experiment)?;
    let table = output_format(&args.output) == Format::Table;
    let context = |run: &Run, key: &str| {
        format!("history of '{}' of run {}", text::sanitize(key), run.run_id)
    };
    let mut scans = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for key in &args.series.metrics {
            let mut scan = Scan {
                run: i,
                key: key.clone(),
                points: 0,
                sorted: true,
                widths: [0; 3],
            };
            let mut prev: Option<MetricPoint> = None;
            store
                .metric_history_chunks(&run.run_id, key, &mut |chunk| {
                    for p in chunk {
                        scan.points += 1;
                        if prev.is_some_and(|q| !in_order(&q, p)) {
                            scan.sorted = false;
                        }
                        prev = Some(*p);
                        if table {
                            let cells = [
                                Cell::Int(p.step),
                                Cell::Int(p.timestamp),
                                Cell::Number(p.value),
                            ];
                            for (w, c) in scan.widths.iter_mut().zip(&cells) {
                                *w = (*w).max(text_width(c));
                            }
                        }
                    }
                    ControlFlow::Continue(())
                })
                .with_context(|| context(run, key))?;
            scans.push(scan);
        }
    }
    if scans.iter().all(|s| s.points == 0) {
        let keys: Vec<String> = args
            .series
            .metrics
            .iter()
            .map(|k| text::sanitize(k).into_owned())
            .collect();
        let which = match runs.len() {
            1 => "the run has no",
            _ => "none of the runs has",
        };
        bail!("{which} points for {}", keys.join(", "));
    }
    let headers = ["run_id", "run_name", "key", "step", "timestamp", "value"];
    let numeric = [false, false, false, true, true, true];
    let width = |f: &dyn Fn(&Scan) -> String| {
        scans
            .iter()
            .map(|s| text_width(&Cell::Text(f(s))))
            .max()
            .unwrap_or(0)
    };
    let mut widths = [
        width(&|s| runs[s.run].run_id.clone()),
        width(&|s| runs[s.run].run_name.clone()),
        width(&|s| s.key.clone()),
        0,
        0,
        0,
    ];
    for s in &scans {
        for (w, sw) in widths[3..].iter_mut().zip(s.widths) {
            *w = (*w).max(sw);
        }
    }
    let mut late = 0u64;
    emit(&args.output, |format, target, out| {
        let mut w = RowWriter::new(out, format, target, &headers, &numeric, &widths)?;
        let result = write_histories(store.as_ref(), &runs, &scans, &mut w, &mut late);
        // Whatever happened, what was written stays well-formed (JSON closed).
        let finished = w.finish();
        result.and(finished)
    })?;
    if late > 0 {
        eprintln!(
            "mltui: warning: {} points were logged while the history was being written and \
             are not in it",
            crate::store::thousands(late)
        );
    }
    Ok(())
}

/// The second pass: streams sorted histories, sorts the others in memory. Points logged after
/// the first pass that would break the order are left out (counted in `late`).
fn write_histories(
    store: &dyn Store,
    runs: &[Run],
    scans: &[Scan],
    w: &mut RowWriter<'_>,
    late: &mut u64,
) -> Result<(), ExportError> {
    for scan in scans {
        let run = &runs[scan.run];
        let key = scan.key.as_str();
        if scan.points == 0 {
            continue;
        }
        if !scan.sorted {
            let mut points = store.metric_history(&run.run_id, key)?;
            points.sort_by(|a, b| {
                (a.step, a.timestamp)
                    .cmp(&(b.step, b.timestamp))
                    .then(a.value.total_cmp(&b.value))
            });
            for p in &points {
                w.row(&point_cells(run, key, p))?;
            }
            continue;
        }
        let mut prev: Option<MetricPoint> = None;
        let mut failed: Option<ExportError> = None;
        store.metric_history_chunks(&run.run_id, key, &mut |chunk| {
            for p in chunk {
                if prev.is_some_and(|q| !in_order(&q, p)) {
                    *late += 1;
                    continue;
                }
                prev = Some(*p);
                if let Err(e) = w.row(&point_cells(run, key, p)) {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// The format `plot` writes: `--format`, else the `-o` file's extension, else text.
pub(super) fn plot_format(args: &PlotArgs) -> Result<PlotFormat> {
    let ext = args
        .output
        .as_deref()
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let from_ext = match ext.as_deref() {
        Some("png") => Some(PlotFormat::Png),
        Some("svg") => Some(PlotFormat::Svg),
        Some("txt") => Some(PlotFormat::Text),
        _ => None,
    };
    match (args.format, from_ext, &args.output) {
        (Some(f), Some(e), _) if f != e && f != PlotFormat::Text => bail!(
            "--format {} does not match the file name {}",
            format!("{f:?}").to_lowercase(),
            args.output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        (Some(PlotFormat::Png | PlotFormat::Svg), _, None) => {
            bail!("an image needs a file: -o FILE.png or -o FILE.svg")
        }
        (Some(f), _, _) => Ok(f),
        (None, Some(e), _) => Ok(e),
        (None, None, None) => Ok(PlotFormat::Text),
        (None, None, Some(p)) => bail!(
            "cannot tell the format from {}: use .png, .svg or .txt, or --format",
            p.display()
        ),
    }
}

/// `mltui plot`: one panel per metric, one line per run; an image or text.
pub fn plot(args: PlotArgs, uri: Option<&str>, no_color: bool) -> Result<()> {
    if !(0.0..1.0).contains(&args.smooth) {
        bail!("--smooth must be in [0, 1), got {}", args.smooth);
    }
    if args.kind != PlotKind::Line || !args.group_by.is_empty() {
        return super::plot_sweep::plot(&args, uri, no_color);
    }
    let x = x_mode(&args.x)?;
    let format = plot_format(&args)?;
    let h = load(&args.series, uri)?;
    let opts = ChartOptions {
        x_mode: x,
        log_y: args.log_y,
        smoothing: args.smooth,
        clip_outliers: args.clip_outliers,
    };
    if format == PlotFormat::Text {
        return plot_text(&args, &h, opts, no_color);
    }
    let Some(path) = args.output.as_deref() else {
        bail!("an image needs a file: -o FILE.png or -o FILE.svg");
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
    let runs = text::count(h.runs.len(), "run", "runs");
    let title = if args.series.metrics.len() == 1 {
        format!("{} · {runs}", text::sanitize(&args.series.metrics[0]))
    } else {
        format!("{} metrics · {runs}", args.series.metrics.len())
    };
    let request = plot::Plot {
        title,
        panels,
        opts,
        size: args.size,
    };
    plot::render(path, &request)?;
    eprintln!("mltui: wrote {}", path.display());
    Ok(())
}

/// `plot --format text`: for each metric, the terminal UI's chart as text, one after the
/// other, to standard output (in colour when it is a terminal) or to the `-o` file.
/// The size and colour of a text chart: `--width`/`--height`, else the terminal's (up to 40
/// lines), else 80×24; colour only on a terminal without `NO_COLOR` or `--no-color`.
pub(super) fn text_size(args: &PlotArgs, no_color: bool) -> (u16, u16, bool) {
    let terminal = match &args.output {
        None => terminal_size::terminal_size_of(std::io::stdout()),
        Some(_) => None,
    };
    let width = args
        .width
        .or(terminal.map(|(w, _)| w.0))
        .unwrap_or(80)
        .max(30);
    // On a terminal, a chart fills the screen (up to 40 lines) with the prompt below it.
    let height = args
        .height
        .or(terminal.map(|(_, h)| h.0.saturating_sub(1).clamp(8, 40)))
        .unwrap_or(24);
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = terminal.is_some() && !no_color && !no_color_env;
    (width, height, color)
}

/// Writes text chart lines to the `-o` file or standard output (a closed pipe is fine).
pub(super) fn write_text(args: &PlotArgs, out: &str) -> Result<()> {
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(Into::into),
            }
        }
    };
    written?;
    if let Some(path) = &args.output {
        eprintln!("mltui: wrote {}", path.display());
    }
    Ok(())
}

fn plot_text(args: &PlotArgs, h: &Histories, opts: ChartOptions, no_color: bool) -> Result<()> {
    let (width, height, color) = text_size(args, no_color);
    let mut out = String::new();
    for (n, key) in args.series.metrics.iter().enumerate() {
        let points: Vec<(String, Vec<MetricPoint>)> = h
            .series
            .iter()
            .filter(|(_, k, _)| k == key)
            .map(|(i, _, p)| (h.runs[*i].run_id.clone(), p.clone()))
            .collect();
        let chart = text_chart::TextChart {
            runs: &h.runs,
            key,
            points: &points,
            opts,
            width,
            height,
            color,
        };
        if n > 0 {
            out.push('\n');
        }
        let mut lines = text_chart::render(&chart)?;
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    write_text(args, &out)
}
