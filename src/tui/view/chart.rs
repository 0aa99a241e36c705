//! The chart screen: a searchable list of metric keys, one large Braille chart or a grid of
//! small ones, one line per run in a style of its own (colour-blind-safe colour, line
//! marker and a shape shown in the legend and at the value cursor), round axis ticks
//! drawn only where they fit, and a scrolling legend that reads values at the cursor.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Chart, Dataset, GraphType, Paragraph};

use std::sync::Arc;

use super::{empty_hint, fit, scroll_to};
use crate::chart::labels::legend_labels;
use crate::chart::plot::PALETTE;
use crate::chart::{self, Bounds, Series, XMode, downsample, ticks};
use crate::text;
use crate::tui::app::{App, ChartFocus, Curve, DrawStamp, History, Target, key_group};
use crate::tui::theme::Theme;

const LIST_WIDTH: u16 = 28;

/// Shapes that mark each run in the legend and at the value cursor.
const SHAPES: [&str; 10] = ["●", "■", "▲", "◆", "✚", "✖", "○", "□", "△", "◇"];

/// How one run is drawn: colour, line marker, and shape.
pub struct RunStyle {
    pub color: Style,
    pub marker: Marker,
    pub shape: &'static str,
}

impl RunStyle {
    /// The legend's sample of the line: the line glyph around the shape.
    pub fn sample(&self) -> String {
        let line = match self.marker {
            Marker::Dot => "•",
            Marker::Quadrant => "▚",
            Marker::HalfBlock => "▀",
            _ => "━",
        };
        format!("{line}{}{line}", self.shape)
    }
}

/// The style of the run at position `i`: stable for the life of the chart, and distinct
/// for many runs: 7 colours × 10 shapes, the line marker changing with each round of
/// colours (without colour: 4 markers × 10 shapes).
pub fn run_style(theme: &Theme, i: usize) -> RunStyle {
    let colors = PALETTE.len() - 1; // the last one is black
    let (color, marker) = if theme.color {
        let marker = [Marker::Braille, Marker::Dot, Marker::Quadrant][(i / colors) % 3];
        (Style::default().fg(theme.rgb(PALETTE[i % colors])), marker)
    } else {
        let marker = [
            Marker::Braille,
            Marker::Dot,
            Marker::Quadrant,
            Marker::HalfBlock,
        ][i % 4];
        (Style::default(), marker)
    };
    RunStyle {
        color,
        marker,
        shape: SHAPES[i % SHAPES.len()],
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let [list, main] = Layout::horizontal([
        Constraint::Length(LIST_WIDTH.min(area.width / 3)),
        Constraint::Min(10),
    ])
    .areas(area);
    draw_keys(frame, list, app, theme);
    draw_main(frame, main, app, theme);
}

/// The charts and their legend: everything right of the metric list. `mltui plot --format
/// text` draws this alone (see `tui::text_chart`).
pub(crate) fn draw_main(frame: &mut Frame<'_>, main: Rect, app: &App, theme: &Theme) {
    let legend_h = (app.chart.run_ids.len() as u16 + 1)
        .min(main.height / 3)
        .max(3)
        .min(main.height);
    let [charts, legend] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(legend_h)]).areas(main);
    if app.chart.interactive {
        super::target(app, charts, Target::Plot);
    }
    let keys = app.chart.chart_keys();
    if keys.is_empty() {
        let back = app.keymap().label(
            crate::tui::keymap::Context::Chart,
            crate::tui::action::Action::Back,
        );
        empty_hint(
            frame,
            charts,
            &format!("no metric matches the search ({back} clears it)"),
            theme,
        );
        draw_legend(frame, legend, app, theme, None, None);
        return;
    }
    let n = keys.len();
    let cols = match n {
        1 => 1,
        2..=4 => 2,
        _ => 3,
    };
    let rows = n.div_ceil(cols);
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows]).split(charts);
    let mut cells = Vec::new();
    for r in row_areas.iter() {
        cells.extend(
            Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols])
                .split(*r)
                .iter()
                .copied(),
        );
    }
    let mut shown_bounds = Vec::new();
    for (key, cell) in keys.iter().zip(cells) {
        shown_bounds.push(draw_one(frame, cell, app, theme, key, n == 1));
    }
    draw_legend(
        frame,
        legend,
        app,
        theme,
        Some(&keys[0]),
        shown_bounds.first().copied().flatten(),
    );
}

fn draw_keys(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.chart;
    let keys = v.shown_keys();
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    let start = scroll_to(
        &app.viewport.picker_offset,
        v.key_cursor,
        height,
        keys.len(),
    );
    let drawn = v.chart_keys();
    let w = area.width.saturating_sub(1) as usize;
    let mut lines = vec![Line::from(Span::styled(
        fit(&format!("metrics ({})", keys.len()), w, false),
        theme.header,
    ))];
    for (pos, k) in keys.iter().enumerate().skip(start).take(height) {
        let group = key_group(k);
        let mut style = if drawn.contains(k) {
            theme.key
        } else {
            theme.base
        };
        if pos == v.key_cursor {
            style = style.patch(if v.focus == ChartFocus::Keys {
                theme.cursor
            } else {
                theme.cursor_cell
            });
        }
        let pin = if v.pinned.contains(k) { "📌" } else { "" };
        let indent = if group.is_empty() { "" } else { " " };
        lines.push(Line::from(Span::styled(
            fit(&format!("{indent}{pin}{}", text::cut(k, 200)), w, false),
            style,
        )));
    }
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.dim);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    let shown = keys.len().saturating_sub(start).min(height);
    super::row_targets(app, area, area.y + 1, start, shown, Target::ChartKey);
}

/// Bounds and downsampled curves of one chart, reused while nothing they depend on (the
/// prepared series, options, zoom and width) changed: redraws for a moving cursor or a
/// refresh that brought nothing new cost no pass over long histories.
fn curves(
    app: &App,
    key: &str,
    series: &[(usize, Arc<Series>)],
    width: usize,
) -> Option<(Bounds, Arc<Vec<Curve>>)> {
    let v = &app.chart;
    let stamp = DrawStamp {
        opts: v.opts,
        x_range: v.x_range,
        width,
        series: series.to_vec(),
    };
    if let Some((st, b, c)) = v.drawn.borrow().get(key) {
        if *st == stamp {
            return Some((*b, c.clone()));
        }
    }
    let plain: Vec<&Series> = series.iter().map(|(_, s)| s.as_ref()).collect();
    let b = chart::bounds(&plain, &v.opts, v.x_range)?;
    let mut data: Vec<Curve> = Vec::new();
    for (i, s) in series {
        if let Some(sm) = &s.smoothed {
            data.push((*i, true, downsample::minmax(&s.raw, b.x.0, b.x.1, width)));
            data.push((*i, false, downsample::minmax(sm, b.x.0, b.x.1, width)));
        } else {
            data.push((*i, false, downsample::minmax(&s.raw, b.x.0, b.x.1, width)));
        }
    }
    let data = Arc::new(data);
    v.drawn
        .borrow_mut()
        .insert(key.to_string(), (stamp, b, data.clone()));
    Some((b, data))
}

/// X tick values and their labels for bounds `b`.
fn x_ticks(
    mode: XMode,
    b: &Bounds,
    count: usize,
    time: &crate::timefmt::TimeFormat,
) -> Vec<(f64, String)> {
    let (lo, hi) = b.x;
    let span = hi - lo;
    let values = match mode {
        XMode::Step => ticks::linear(lo, hi, count)
            .into_iter()
            .filter(|v| v.fract() == 0.0)
            .collect(),
        XMode::Time => ticks::time(lo, hi, count, 1.0),
        XMode::Relative => ticks::time(lo, hi, count, 1000.0),
    };
    values
        .into_iter()
        .map(|x| (x, chart::x_label(mode, x, span, time)))
        .collect()
}

/// The cell column of `x` in a plot `width` cells wide over `(lo, hi)`.
fn col_of(x: f64, (lo, hi): (f64, f64), width: u16) -> u16 {
    let f = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    (f * f64::from(width.saturating_sub(1))).round() as u16
}

/// The cell row (from the top) of `y` in a plot `height` cells high over `(lo, hi)`.
fn row_of(y: f64, (lo, hi): (f64, f64), height: u16) -> u16 {
    let f = ((hi - y) / (hi - lo)).clamp(0.0, 1.0);
    (f * f64::from(height.saturating_sub(1))).round() as u16
}

/// Draws one metric's chart; returns its bounds when something was drawn.
fn draw_one(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    theme: &Theme,
    key: &str,
    large: bool,
) -> Option<Bounds> {
    if !app.chart.groups.is_empty() {
        return super::bands::draw(frame, area, app, theme, key, large);
    }
    let v = &app.chart;
    let series = app.chart_series(key);
    let loading = v.run_ids.iter().any(|id| {
        matches!(
            app.histories.get(&(id.clone(), key.to_string())),
            Some(History::Loading)
        )
    });
    let failed =
        v.run_ids.iter().find_map(
            |id| match app.histories.get(&(id.clone(), key.to_string())) {
                Some(History::Failed(e)) => Some(e.clone()),
                _ => None,
            },
        );
    let mut title = text::cut(key, 200).into_owned();
    let skipped: usize = series.iter().map(|(_, s)| s.nonfinite).sum();
    let hidden: usize = series.iter().map(|(_, s)| s.nonpositive).sum();
    if skipped > 0 {
        title.push_str(&format!(" · {skipped} NaN/inf skipped"));
    }
    if hidden > 0 {
        title.push_str(&format!(" · {hidden} ≤0 hidden (log)"));
    }
    let block = Block::default().title(Span::styled(format!(" {title} "), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width < 12 || inner.height < 4 {
        return None;
    }
    // Y labels: round values; their column is as wide as the widest of them.
    let y_count = if large {
        (inner.height as usize / 3).clamp(2, 6)
    } else {
        3
    };
    let plot_h = inner.height.saturating_sub(2);
    let width_guess = inner.width.saturating_sub(10).max(10) as usize * 2;
    let Some((b, data)) = curves(app, key, &series, width_guess) else {
        let msg = match (&failed, loading) {
            (Some(e), _) => format!("failed: {e}"),
            (None, true) => "loading history…".to_string(),
            (None, false) if series.is_empty() && !v.hidden.is_empty() => {
                let k = |a| app.keymap().label(crate::tui::keymap::Context::Chart, a);
                use crate::tui::action::Action as A;
                format!(
                    "every run is hidden (legend: {}, {} or {})",
                    k(A::SwitchFocus),
                    k(A::ToggleItem),
                    k(A::Isolate)
                )
            }
            (None, false) => "no finite values to draw".to_string(),
        };
        empty_hint(frame, inner, &text::cut(&msg, 400), theme);
        return None;
    };
    let y_values = if v.opts.log_y {
        ticks::log10(b.y.0, b.y.1, y_count)
    } else {
        ticks::linear(b.y.0, b.y.1, y_count)
    };
    let y_labels: Vec<(f64, String)> = y_values
        .into_iter()
        .map(|y| (y, chart::y_label(v.opts.log_y, y)))
        .collect();
    let label_w = y_labels
        .iter()
        .map(|(_, l)| text::width(l) as u16)
        .max()
        .unwrap_or(1)
        .min(inner.width / 3);
    let plot = Rect {
        x: inner.x + label_w + 1,
        y: inner.y,
        width: inner.width.saturating_sub(label_w + 1),
        height: plot_h,
    };
    let cursor_line = v
        .cursor_x
        .filter(|c| *c >= b.x.0 && *c <= b.x.1)
        .map(|c| vec![(c, b.y.0), (c, b.y.1)]);
    let mut datasets: Vec<Dataset<'_>> = data
        .iter()
        .map(|(i, faint, pts)| {
            let rs = run_style(theme, *i);
            let style = if *faint { theme.dim } else { rs.color };
            Dataset::default()
                .marker(rs.marker)
                .graph_type(GraphType::Line)
                .style(style)
                .data(pts)
        })
        .collect();
    if let Some(line) = &cursor_line {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.dim)
                .data(line),
        );
    }
    let chart = Chart::new(datasets)
        .x_axis(ratatui::widgets::Axis::default().bounds([b.x.0, b.x.1]))
        .y_axis(ratatui::widgets::Axis::default().bounds([b.y.0, b.y.1]));
    frame.render_widget(chart, plot);
    let buf = frame.buffer_mut();
    draw_axes(
        buf,
        inner,
        plot,
        label_w,
        &y_labels,
        &b,
        (v.opts.x_mode, &app.settings.time),
        large,
        theme,
    );
    // The shape of each run at the cursor, on its value.
    if let Some(c) = v.cursor_x.filter(|c| *c >= b.x.0 && *c <= b.x.1) {
        for (i, s) in &series {
            let Some((_, y)) = s.value_at(c) else {
                continue;
            };
            if y < b.y.0 || y > b.y.1 {
                continue;
            }
            let rs = run_style(theme, *i);
            let x = plot.x + col_of(c, b.x, plot.width);
            let y = plot.y + row_of(y, b.y, plot.height);
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_symbol(rs.shape).set_style(rs.color);
            }
        }
    }
    Some(b)
}

/// The y labels (right-aligned left of the plot), the axis lines, and the x labels under
/// the plot: only those that fit whole, never a cut number.
#[allow(clippy::too_many_arguments)]
fn draw_axes(
    buf: &mut Buffer,
    inner: Rect,
    plot: Rect,
    label_w: u16,
    y_labels: &[(f64, String)],
    b: &Bounds,
    (mode, time): (XMode, &crate::timefmt::TimeFormat),
    large: bool,
    theme: &Theme,
) {
    let axis_x = plot.x - 1;
    let axis_y = plot.y + plot.height;
    for y in plot.y..axis_y {
        buf.set_string(axis_x, y, "│", theme.dim);
    }
    buf.set_string(axis_x, axis_y, "└", theme.dim);
    for x in plot.x..plot.x + plot.width {
        buf.set_string(x, axis_y, "─", theme.dim);
    }
    let mut used_rows = Vec::new();
    for (y, label) in y_labels {
        let row = plot.y + row_of(*y, b.y, plot.height);
        let w = text::width(label) as u16;
        if w > label_w || used_rows.contains(&row) {
            continue;
        }
        used_rows.push(row);
        buf.set_string(inner.x + label_w - w, row, label, theme.dim);
        buf.set_string(axis_x, row, "┤", theme.dim);
    }
    let count = if large {
        (plot.width as usize / 12).clamp(2, 8)
    } else {
        (plot.width as usize / 12).clamp(2, 4)
    };
    let label_row = axis_y + 1;
    let mut next_free = inner.x;
    for (x, label) in x_ticks(mode, b, count, time) {
        let col = plot.x + col_of(x, b.x, plot.width);
        let w = text::width(&label) as u16;
        let start = col.saturating_sub(w / 2).max(inner.x);
        let end = start + w;
        if start < next_free || end > inner.x + inner.width {
            continue;
        }
        buf.set_string(col, axis_y, "┬", theme.dim);
        buf.set_string(start, label_row, &label, theme.dim);
        next_free = end + 1;
    }
}

fn draw_legend(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    theme: &Theme,
    key: Option<&String>,
    b: Option<Bounds>,
) {
    if !app.chart.groups.is_empty() {
        super::bands::legend(frame, area, app, theme, key);
        return;
    }
    let v = &app.chart;
    let runs: Vec<(&str, &str)> = v
        .run_ids
        .iter()
        .map(|id| {
            (
                app.index.run(id).map_or("", |r| r.run_name.as_str()),
                id.as_str(),
            )
        })
        .collect();
    let name_w = (area.width as usize).saturating_sub(22).clamp(8, 40);
    let labels = legend_labels(&runs, name_w);
    let series = key.map(|k| app.chart_series(k)).unwrap_or_default();
    let cursor = v.cursor_x.or(b.map(|b| b.x.1));
    let smoothing = if v.opts.smoothing > 0.0 {
        format!("smooth {:.2}", v.opts.smoothing)
    } else {
        "raw".into()
    };
    let mut status = format!(
        "x: {} · y: {} · {smoothing}{}",
        v.opts.x_mode.label(),
        if v.opts.log_y { "log" } else { "linear" },
        if v.opts.clip_outliers {
            " · outliers ignored"
        } else {
            ""
        },
    );
    if let Some(c) = cursor {
        let span = b.map_or(1.0, |b| b.x.1 - b.x.0);
        status.push_str(&format!(
            " · cursor {}",
            chart::x_label(v.opts.x_mode, c, span, &app.settings.time)
        ));
    }
    if v.x_range.is_some() {
        status.push_str(" · zoomed");
    }
    let mut lines = vec![Line::from(Span::styled(
        text::cut(&status, area.width as usize).into_owned(),
        theme.dim,
    ))];
    // The runs that fit, scrolled to the legend cursor; a last line counts the others.
    let rows = (area.height as usize).saturating_sub(1);
    let n = labels.len();
    let fit_rows = if n > rows {
        rows.saturating_sub(1)
    } else {
        rows
    };
    app.viewport.legend_rows.set(fit_rows.max(1));
    let first = scroll_to(&app.viewport.legend_offset, v.legend_cursor, fit_rows, n);
    for (i, label) in labels.iter().enumerate().skip(first).take(fit_rows) {
        let rs = run_style(theme, i);
        let hidden = v.hidden.contains(&i);
        let s = series.iter().find(|(j, _)| *j == i).map(|(_, s)| s);
        let value = match (s, cursor) {
            _ if hidden => "hidden".to_string(),
            (Some(s), Some(c)) => s
                .value_at(c)
                .map_or("-".to_string(), |(_, y)| chart::y_label(v.opts.log_y, y)),
            (None, _) => "no data".to_string(),
            _ => "-".to_string(),
        };
        let mut row = if hidden { theme.dim } else { theme.base };
        if v.focus == ChartFocus::Legend && i == v.legend_cursor {
            row = row.patch(theme.cursor);
        }
        let sample = if hidden {
            "   ".to_string()
        } else {
            rs.sample()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {sample} "), rs.color.patch(row)),
            Span::styled(text::pad(label, name_w + 1, false), row),
            Span::styled(format!("{value:>12}"), theme.key.patch(row)),
        ]));
    }
    if v.interactive {
        let shown = n.saturating_sub(first).min(fit_rows);
        super::row_targets(app, area, area.y + 1, first, shown, Target::LegendEntry);
    }
    if n > fit_rows {
        let below = n - first - fit_rows.min(n - first);
        let hint = match (v.interactive, v.focus) {
            (false, _) => String::new(),
            (true, ChartFocus::Legend) => "; ↑↓ scroll".to_string(),
            (true, ChartFocus::Keys) => format!(
                "; {} to scroll",
                app.keymap().label(
                    crate::tui::keymap::Context::Chart,
                    crate::tui::action::Action::SwitchFocus
                )
            ),
        };
        lines.push(Line::from(Span::styled(
            format!(
                " +{} more ({} above, {below} below{hint})",
                n - fit_rows.min(n),
                first
            ),
            theme.dim,
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_runs_keep_distinct_styles() {
        for theme in [Theme::colored(), Theme::monochrome()] {
            let seen: Vec<String> = (0..20)
                .map(|i| {
                    let s = run_style(&theme, i);
                    format!("{:?} {:?} {}", s.color, s.marker, s.shape)
                })
                .collect();
            for (i, a) in seen.iter().enumerate() {
                assert!(
                    !seen[i + 1..].contains(a),
                    "run {i} looks like a later one: {a}"
                );
            }
        }
    }

    #[test]
    fn x_labels_are_round_and_whole() {
        let b = Bounds {
            x: (0.0, 179.0),
            y: (0.0, 1.0),
        };
        let t = x_ticks(XMode::Step, &b, 5, &Default::default());
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["0", "50", "100", "150"]);
    }
}
