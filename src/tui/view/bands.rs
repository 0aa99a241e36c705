//! Grouped curves on the chart screen (opened from group mode): per group, the mean at
//! each step as a line and a shaded band (min–max or ±std, `b` toggles) drawn as dim
//! Braille dots between its edges; the legend reads each group's mean and band at the
//! cursor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

use super::chart::run_style;
use super::empty_hint;
use crate::chart::bands::Band;
use crate::chart::{self, Bounds, Series, XMode};
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Dots filling the band between `lo` and `hi`: at each of `cols` x positions (the
/// edges interpolated between steps), a column of dots half a cell row apart — a light
/// shade under the mean line.
fn fill(
    lo: &[(f64, f64)],
    hi: &[(f64, f64)],
    b: &Bounds,
    cols: usize,
    rows: usize,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let dy = (b.y.1 - b.y.0) / (rows.max(1) * 2) as f64;
    if lo.is_empty() || dy <= 0.0 || cols == 0 {
        return out;
    }
    let interp = |edge: &[(f64, f64)], x: f64| -> Option<f64> {
        let i = edge.partition_point(|p| p.0 < x);
        match (i.checked_sub(1).and_then(|j| edge.get(j)), edge.get(i)) {
            (Some(a), Some(c)) if c.0 > a.0 => Some(a.1 + (c.1 - a.1) * (x - a.0) / (c.0 - a.0)),
            (_, Some(c)) if c.0 == x => Some(c.1),
            (Some(a), None) if a.0 == x => Some(a.1),
            _ => None,
        }
    };
    let (first, last) = (lo[0].0.max(b.x.0), lo[lo.len() - 1].0.min(b.x.1));
    for c in 0..=cols {
        let x = b.x.0 + (b.x.1 - b.x.0) * c as f64 / cols as f64;
        if x < first || x > last {
            continue;
        }
        let (Some(l), Some(h)) = (interp(lo, x), interp(hi, x)) else {
            continue;
        };
        let mut y = l.max(b.y.0);
        while y <= h.min(b.y.1) {
            out.push((x, y));
            y += dy;
        }
    }
    out
}

fn bounds_of(bands: &[Band], opts: &chart::ChartOptions) -> Option<Bounds> {
    let edge = |e: &Vec<(f64, f64)>| Series {
        run_id: String::new(),
        key: String::new(),
        raw: e.clone(),
        smoothed: None,
        nonfinite: 0,
        nonpositive: 0,
    };
    let edges: Vec<Series> = bands
        .iter()
        .flat_map(|b| [edge(&b.lo), edge(&b.hi)])
        .collect();
    let refs: Vec<&Series> = bands.iter().map(|b| &b.mean).chain(edges.iter()).collect();
    chart::bounds(&refs, opts, None)
}

pub fn draw(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    theme: &Theme,
    key: &str,
    large: bool,
) -> Option<Bounds> {
    let v = &app.chart;
    let (bands, loading) = app.group_bands(key);
    let title = format!(
        " {} · mean of each group with a {} band ",
        text::sanitize(key),
        v.band.label()
    );
    let block = Block::default().title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let opts = chart::ChartOptions {
        x_mode: XMode::Step,
        ..v.opts
    };
    let Some(b) = bounds_of(&bands, &opts) else {
        let msg = if loading {
            "loading histories…"
        } else {
            "no finite values to draw"
        };
        empty_hint(frame, inner, msg, theme);
        return None;
    };
    let cols = inner.width.saturating_sub(8).max(10) as usize * 2;
    let rows = inner.height.saturating_sub(2) as usize;
    let fills: Vec<Vec<(f64, f64)>> = bands
        .iter()
        .map(|band| fill(&band.lo, &band.hi, &b, cols, rows))
        .collect();
    let means: Vec<Vec<(f64, f64)>> = bands
        .iter()
        .map(|band| chart::downsample::minmax(band.mean.main(), b.x.0, b.x.1, cols))
        .collect();
    let mut datasets: Vec<Dataset<'_>> = Vec::new();
    for (i, pts) in fills.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Scatter)
                .style(
                    run_style(theme, i)
                        .color
                        .add_modifier(ratatui::style::Modifier::DIM),
                )
                .data(pts),
        );
    }
    for (i, pts) in means.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(
                    run_style(theme, i)
                        .color
                        .add_modifier(ratatui::style::Modifier::BOLD),
                )
                .data(pts),
        );
    }
    let cursor_line = v
        .cursor_x
        .filter(|c| *c >= b.x.0 && *c <= b.x.1)
        .map(|c| vec![(c, b.y.0), (c, b.y.1)]);
    if let Some(line) = &cursor_line {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim)
                .data(line),
        );
    }
    let span = b.x.1 - b.x.0;
    let ticks = if large { 5 } else { 3 };
    let x_labels: Vec<Span<'_>> = (0..ticks)
        .map(|t| {
            let x = b.x.0 + span * t as f64 / (ticks - 1) as f64;
            Span::styled(
                chart::x_label(XMode::Step, x, span, &app.settings.time),
                theme.dim,
            )
        })
        .collect();
    let y_labels: Vec<Span<'_>> = (0..ticks)
        .map(|t| {
            let y = b.y.0 + (b.y.1 - b.y.0) * t as f64 / (ticks - 1) as f64;
            Span::styled(chart::y_label(v.opts.log_y, y), theme.dim)
        })
        .collect();
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([b.x.0, b.x.1])
                .labels(x_labels)
                .style(theme.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([b.y.0, b.y.1])
                .labels(y_labels)
                .style(theme.dim),
        );
    frame.render_widget(chart, inner);
    Some(b)
}

/// The value of a curve at or before `x`.
fn at(curve: &[(f64, f64)], x: f64) -> Option<f64> {
    let i = curve.partition_point(|p| p.0 <= x);
    (i > 0).then(|| curve[i - 1].1)
}

pub fn legend(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme, key: Option<&String>) {
    let Some(key) = key else {
        return;
    };
    let v = &app.chart;
    let (bands, _) = app.group_bands(key);
    let opts = chart::ChartOptions {
        x_mode: XMode::Step,
        ..v.opts
    };
    let b = bounds_of(&bands, &opts);
    let cursor = v.cursor_x.or(b.map(|b| b.x.1));
    let smoothing = if v.opts.smoothing > 0.0 {
        format!("smooth {:.2}", v.opts.smoothing)
    } else {
        "raw".into()
    };
    let mut status = format!(
        "x: step · y: {} · {smoothing} · band {} (b)",
        if v.opts.log_y { "log" } else { "linear" },
        v.band.label()
    );
    if let Some(c) = cursor {
        status.push_str(&format!(
            " · step {}",
            chart::x_label(XMode::Step, c, 1.0, &app.settings.time)
        ));
    }
    let mut lines = vec![Line::from(Span::styled(status, theme.dim))];
    let y = |val: Option<f64>| val.map_or("-".to_string(), |y| chart::y_label(v.opts.log_y, y));
    for (i, band) in bands.iter().enumerate() {
        let (m, lo, hi) = match cursor {
            Some(c) => (at(band.mean.main(), c), at(&band.lo, c), at(&band.hi, c)),
            None => (None, None, None),
        };
        let label = format!("{} ({} runs)", text::truncate(&band.label, 24), band.runs);
        lines.push(Line::from(vec![
            Span::styled(" ━━ ", run_style(theme, i).color),
            Span::raw(text::pad(&label, 26, false)),
            Span::styled(format!("{:>10}", y(m)), theme.key),
            Span::styled(format!("  [{} … {}]", y(lo), y(hi)), theme.dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
