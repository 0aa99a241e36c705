//! The chart screen: a searchable list of metric keys, one large Braille chart or a grid of
//! small ones, one line per run in a stable colour-blind-safe colour, smoothed curves over
//! dimmed raw ones, a value cursor, and a legend that reads values at the cursor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph};

use std::sync::Arc;

use super::{empty_hint, fit, scroll_to};
use crate::chart::labels::legend_labels;
use crate::chart::plot::PALETTE;
use crate::chart::{self, Bounds, Series, downsample};
use crate::text;
use crate::tui::app::{App, Curve, DrawStamp, History, key_group};
use crate::tui::theme::Theme;

const LIST_WIDTH: u16 = 28;

/// The colour of the run at position `i` (stable for the life of the chart).
pub fn run_color(theme: &Theme, i: usize) -> Style {
    if theme.color {
        let (r, g, b) = PALETTE[i % (PALETTE.len() - 1)];
        Style::default().fg(Color::Rgb(r, g, b))
    } else {
        Style::default()
    }
}

/// Markers differ per run in monochrome, where colours cannot tell lines apart.
fn run_marker(theme: &Theme, i: usize) -> Marker {
    if theme.color {
        Marker::Braille
    } else {
        [Marker::Braille, Marker::Dot, Marker::Block, Marker::Bar][i % 4]
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
    let legend_h = (app.chart.run_ids.len() as u16 + 2)
        .min(main.height / 3)
        .max(3);
    let [charts, legend] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(legend_h)]).areas(main);
    let keys = app.chart.chart_keys();
    if keys.is_empty() {
        empty_hint(
            frame,
            charts,
            "no metric matches the search (Esc clears it)",
            theme,
        );
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
    let mut shown_series = Vec::new();
    for (key, cell) in keys.iter().zip(cells) {
        shown_series.push(draw_one(frame, cell, app, theme, key, n == 1));
    }
    draw_legend(
        frame,
        legend,
        app,
        theme,
        &keys[0],
        shown_series.first().copied().flatten(),
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
    let mut last_group = None;
    for (pos, k) in keys.iter().enumerate().skip(start).take(height) {
        let group = key_group(k);
        let mut style = if drawn.contains(k) {
            theme.key
        } else {
            theme.base
        };
        if pos == v.key_cursor {
            style = style.patch(theme.cursor);
        }
        let indent = if group.is_empty() { "" } else { " " };
        let _ = last_group.replace(group);
        lines.push(Line::from(Span::styled(
            fit(&format!("{indent}{}", text::sanitize(k)), w, false),
            style,
        )));
    }
    let block = Block::default()
        .borders(Borders::RIGHT)
        .border_style(theme.dim);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Draws one metric's chart; returns its bounds when something was drawn.
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
    let mut title = text::sanitize(key).into_owned();
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
    let width = inner.width.saturating_sub(8).max(10) as usize * 2;
    let Some((b, data)) = curves(app, key, &series, width) else {
        let msg = match (&failed, loading) {
            (Some(e), _) => format!("failed: {e}"),
            (None, true) => "loading history…".to_string(),
            (None, false) => "no finite values to draw".to_string(),
        };
        empty_hint(frame, inner, &text::sanitize(&msg), theme);
        return None;
    };
    let cursor_line = v
        .cursor_x
        .filter(|c| *c >= b.x.0 && *c <= b.x.1)
        .map(|c| vec![(c, b.y.0), (c, b.y.1)]);
    let mut datasets: Vec<Dataset<'_>> = data
        .iter()
        .map(|(i, faint, pts)| {
            let style = if *faint {
                theme.dim
            } else {
                run_color(theme, *i)
            };
            Dataset::default()
                .marker(run_marker(theme, *i))
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
    let span = b.x.1 - b.x.0;
    let ticks = if large { 5 } else { 3 };
    let x_labels: Vec<Span<'_>> = (0..ticks)
        .map(|t| {
            Span::styled(
                chart::x_label(
                    v.opts.x_mode,
                    b.x.0 + span * t as f64 / (ticks - 1) as f64,
                    span,
                ),
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

fn draw_legend(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    theme: &Theme,
    key: &str,
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
    let labels = legend_labels(&runs, 30);
    let series = app.chart_series(key);
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
            chart::x_label(v.opts.x_mode, c, span)
        ));
    }
    if v.x_range.is_some() {
        status.push_str(" · zoomed");
    }
    let mut lines = vec![Line::from(Span::styled(status, theme.dim))];
    for (i, label) in labels.iter().enumerate() {
        let s = series.iter().find(|(j, _)| *j == i).map(|(_, s)| s);
        let value = match (s, cursor) {
            (Some(s), Some(c)) => s
                .value_at(c)
                .map_or("-".to_string(), |(_, y)| chart::y_label(v.opts.log_y, y)),
            (None, _) => "no data".to_string(),
            _ => "-".to_string(),
        };
        let glyph = if theme.color {
            "━━"
        } else {
            ["⠿⠿", "••", "██", "▄▄"][i % 4]
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {glyph} "), run_color(theme, i)),
            Span::raw(text::pad(label, 31, false)),
            Span::styled(format!("{value:>12}"), theme.key),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
