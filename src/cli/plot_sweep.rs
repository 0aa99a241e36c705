//! `mltui plot --kind scatter|parallel` and `plot --group-by` (grouped curves with bands):
//! the sweep charts as PNG or SVG images, or as the terminal UI draws them (text), from the
//! same data as the terminal screens.

use anyhow::{Context, Result, bail};

use super::select::{column, load_from};
use super::series::{PlotArgs, PlotFormat, PlotKind, plot_format};
use super::{View, now_ms};
use crate::chart::axis::LogScale;
use crate::chart::plot::render_with;
use crate::chart::plot_sweep::{BandsPlot, ParallelPlot, ScatterPlot};
use crate::chart::scatter::ScatterOptions;
use crate::chart::{ChartOptions, bands, parallel, scatter};
use crate::index::Column;
use crate::index::group;
use crate::text;

/// Draws the sweep kinds of `plot`.
pub fn plot(args: &PlotArgs, uri: Option<&str>, no_color: bool) -> Result<()> {
    let format = plot_format(args)?;
    let (chart, data) = match args.kind {
        PlotKind::Scatter => scatter_plot(args, uri),
        PlotKind::Parallel => parallel_plot(args, uri),
        PlotKind::Line => grouped_lines(args, uri),
    }?;
    let path = match (format, args.output.as_deref()) {
        (PlotFormat::Text, _) => return text(args, &chart, &data, no_color),
        (_, Some(p)) => p,
        (_, None) => bail!("an image needs a file: -o FILE.png or -o FILE.svg"),
    };
    match &chart {
        Chart::Scatter(c) => render_with(path, args.size, c.as_ref()),
        Chart::Parallel(c) => render_with(path, args.size, c),
        Chart::Bands(c) => render_with(path, args.size, c),
    }?;
    eprintln!("mltui: wrote {}", path.display());
    Ok(())
}

/// A sweep chart, ready to draw.
enum Chart {
    Scatter(Box<ScatterPlot>),
    Parallel(ParallelPlot),
    Bands(BandsPlot),
}

/// What the text form needs besides the chart: the runs (in index order, which the
/// chart's run positions refer to), the scatter's columns, and for grouped curves the
/// groups and histories.
#[derive(Default)]
struct TextData {
    runs: Vec<crate::model::Run>,
    columns: Vec<Column>,
    groups: Vec<(String, Vec<String>)>,
    histories: Vec<((String, String), Vec<crate::model::MetricPoint>)>,
}

/// The chart as the terminal UI draws it, one chart per metric for grouped curves.
fn text(args: &PlotArgs, chart: &Chart, data: &TextData, no_color: bool) -> Result<()> {
    use crate::tui::app::{ChartView, History, ParallelView, ScatterView};
    use crate::tui::text_chart::render_sweep;
    let (width, height, color) = super::series::text_size(args, no_color);
    let mut charts: Vec<Vec<String>> = Vec::new();
    match chart {
        Chart::Scatter(c) => {
            // The cursor names the best run (largest y, or smallest for a loss).
            let goal = crate::index::importance::Goal::guess(&data.columns[1]);
            let best = c.scatter.points.iter().enumerate().reduce(|a, b| {
                let better = match goal {
                    crate::index::importance::Goal::Max => b.1.y > a.1.y,
                    crate::index::importance::Goal::Min => b.1.y < a.1.y,
                };
                if better { b } else { a }
            });
            let (cursor, cursor_run) = best.map_or((0, None), |(i, p)| (i, Some(p.run)));
            let view = ScatterView {
                x: data.columns[0].clone(),
                y: data.columns[1].clone(),
                color: data.columns.get(2).cloned(),
                data: Some(c.scatter.clone()),
                cursor,
                cursor_run,
            };
            charts.push(render_sweep(
                &data.runs,
                |app| app.scatter = Some(view),
                width,
                height,
                color,
            )?);
        }
        Chart::Parallel(c) => {
            let view = ParallelView {
                axes: Vec::new(),
                color: None,
                data: Some(c.parallel.clone()),
                generation: 1,
                cursor: 0,
                axis_cursor: usize::MAX,
            };
            charts.push(render_sweep(
                &data.runs,
                |app| app.parallel = Some(view),
                width,
                height,
                color,
            )?);
        }
        Chart::Bands(c) => {
            let keys = data
                .columns
                .iter()
                .filter_map(|c| c.metric_parts().map(|(k, _)| k));
            for key in keys {
                let setup = |app: &mut crate::tui::app::App| {
                    for ((id, k), points) in &data.histories {
                        app.histories.insert(
                            (id.clone(), k.clone()),
                            History::Loaded(std::sync::Arc::new(points.clone())),
                        );
                    }
                    app.chart = ChartView {
                        run_ids: data.runs.iter().map(|r| r.run_id.clone()).collect(),
                        keys: vec![key.to_string()],
                        groups: data.groups.clone(),
                        band: c.kind,
                        opts: c.opts,
                        ..ChartView::default()
                    };
                };
                charts.push(render_sweep(&data.runs, setup, width, height, color)?);
            }
        }
    }
    let mut out = String::new();
    for (n, mut lines) in charts.into_iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    super::series::write_text(args, &out)
}

/// The runs selected by -e, --filter and (when given) -r, with what `columns` need.
fn select(
    args: &PlotArgs,
    uri: Option<&str>,
    columns: &[&Column],
) -> Result<(
    Box<dyn crate::store::Store>,
    crate::index::RunIndex,
    Vec<usize>,
)> {
    let s = &args.series;
    let (store, index, mut rows) = load_from(
        s.source.as_deref(),
        &s.experiment,
        View::Active,
        args.filter.as_deref(),
        uri,
        columns,
    )?;
    if !s.runs.is_empty() {
        rows.retain(|&r| s.runs.contains(&index.runs()[r].run_id));
    }
    if rows.is_empty() {
        bail!("no runs selected (check -e, --filter and -r)");
    }
    Ok((store, index, rows))
}

fn scatter_plot(args: &PlotArgs, uri: Option<&str>) -> Result<(Chart, TextData)> {
    let x = column(&args.x, "--x")?;
    let Some(y) = args.y.as_deref() else {
        bail!(
            "a scatter needs --y COLUMN (and --x COLUMN), e.g. --x params.lr --y metrics.val/acc:max"
        );
    };
    let y = column(y, "--y")?;
    let color = args
        .color
        .as_deref()
        .map(|c| column(c, "--color"))
        .transpose()?;
    let mut cols = vec![&x, &y];
    cols.extend(color.iter());
    let (_, index, rows) = select(args, uri, &cols)?;
    let opts = ScatterOptions {
        log_x: if args.log_x {
            LogScale::On
        } else {
            LogScale::Auto
        },
        log_y: if args.log_y {
            LogScale::On
        } else {
            LogScale::Auto
        },
    };
    let Some(s) = scatter::scatter(index.runs(), &rows, &x, &y, color.as_ref(), opts, now_ms())
    else {
        bail!(
            "no run has both {} and {}",
            text::sanitize(&x.name()),
            text::sanitize(&y.name())
        );
    };
    let title = format!(
        "{} vs {} · {}",
        text::sanitize(&y.name()),
        text::sanitize(&x.name()),
        runs_text(s.points.len())
    );
    let data = TextData {
        runs: index.runs().to_vec(),
        columns: [Some(x), Some(y), color].into_iter().flatten().collect(),
        ..TextData::default()
    };
    Ok((
        Chart::Scatter(Box::new(ScatterPlot { title, scatter: s })),
        data,
    ))
}

fn runs_text(n: usize) -> String {
    if n == 1 {
        "1 run".into()
    } else {
        format!("{n} runs")
    }
}

fn parallel_plot(args: &PlotArgs, uri: Option<&str>) -> Result<(Chart, TextData)> {
    let axes: Vec<Column> = args
        .axes
        .iter()
        .filter(|a| !a.trim().is_empty())
        .map(|a| column(a, "--axes"))
        .collect::<Result<_>>()?;
    if axes.len() < 2 {
        bail!(
            "parallel coordinates need two or more --axes, e.g. --axes params.lr,params.batch_size,metrics.val/acc:max"
        );
    }
    let color = args
        .color
        .as_deref()
        .map(|c| column(c, "--color"))
        .transpose()?;
    let mut cols: Vec<&Column> = axes.iter().collect();
    cols.extend(color.iter());
    let (_, index, rows) = select(args, uri, &cols)?;
    let p = parallel::parallel(index.runs(), &rows, &axes, color.as_ref(), None, now_ms());
    if p.lines.is_empty() || p.axes.len() < 2 {
        bail!("the selected runs have values on fewer than two of the axes");
    }
    let title = format!("{} axes · {}", p.axes.len(), runs_text(p.lines.len()));
    let data = TextData {
        runs: index.runs().to_vec(),
        ..TextData::default()
    };
    Ok((Chart::Parallel(ParallelPlot { title, parallel: p }), data))
}

fn grouped_lines(args: &PlotArgs, uri: Option<&str>) -> Result<(Chart, TextData)> {
    if args.series.metrics.is_empty() {
        bail!("grouped curves need the metrics: -m KEY...");
    }
    let by: Vec<Column> = args
        .group_by
        .iter()
        .filter(|a| !a.trim().is_empty())
        .map(|a| column(a, "--group-by"))
        .collect::<Result<_>>()?;
    let x = args.x.to_ascii_lowercase();
    if x != "step" {
        bail!(
            "grouped curves are drawn over steps (--x step), not '{}'",
            text::sanitize(&x)
        );
    }
    let cols: Vec<&Column> = by.iter().collect();
    let (store, index, rows) = select(args, uri, &cols)?;
    let groups = group::group_rows(index.runs(), &rows, &by, now_ms());
    let opts = ChartOptions {
        x_mode: crate::chart::XMode::Step,
        log_y: args.log_y,
        smoothing: args.smooth,
        clip_outliers: args.clip_outliers,
    };
    let mut panels = Vec::new();
    let mut data = TextData {
        runs: index.runs().to_vec(),
        groups: groups
            .iter()
            .map(|g| {
                let ids = g.rows.iter().map(|&r| index.runs()[r].run_id.clone());
                (g.label(), ids.collect())
            })
            .collect(),
        ..TextData::default()
    };
    for key in &args.series.metrics {
        let mut bands_of = Vec::new();
        for g in &groups {
            let mut histories = Vec::new();
            for &r in &g.rows {
                let id = &index.runs()[r].run_id;
                let h = store
                    .metric_history(id, key)
                    .with_context(|| format!("history of '{}' of run {id}", text::sanitize(key)))?;
                if !h.is_empty() {
                    data.histories.push(((id.clone(), key.clone()), h.clone()));
                    histories.push(h);
                }
            }
            if histories.is_empty() {
                continue;
            }
            let refs: Vec<&[crate::model::MetricPoint]> =
                histories.iter().map(Vec::as_slice).collect();
            bands_of.push(bands::band(&g.label(), key, &refs, args.band, &opts));
        }
        if !bands_of.is_empty() {
            panels.push((text::sanitize(key).into_owned(), bands_of));
            data.columns.push(Column::Metric(key.clone()));
        }
    }
    if panels.is_empty() {
        bail!("none of the selected runs has points for the metrics");
    }
    let by_names: Vec<String> = by.iter().map(|c| c.name().into_owned()).collect();
    let title = format!(
        "by {} · {} groups · {}",
        text::sanitize(&by_names.join(", ")),
        groups.len(),
        runs_text(rows.len())
    );
    let plot = BandsPlot {
        title,
        panels,
        kind: args.band,
        opts,
    };
    Ok((Chart::Bands(plot), data))
}
