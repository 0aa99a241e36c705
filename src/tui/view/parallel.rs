//! The parallel-coordinates screen: one vertical axis per column (labelled ticks or
//! categories; `(log)` where the scale is logarithmic), one Braille polyline per run coloured
//! by the target with the best runs drawn last, the highlighted run bright and named.

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::widgets::canvas::{Canvas, Line as CLine};

use super::scatter::{color_key, paint};
use super::{empty_hint, value_text};
use crate::index::importance::Goal;
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let Some(pv) = &app.parallel else {
        return;
    };
    let Some(data) = pv
        .data
        .as_ref()
        .filter(|d| d.axes.len() >= 2 && !d.lines.is_empty())
    else {
        empty_hint(
            frame,
            area,
            "fewer than two axes have values (a: add an axis)",
            theme,
        );
        return;
    };
    let [title, body, names, info] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(area);
    let n = data.axes.len();
    frame.render_widget(
        Line::from(vec![
            Span::styled(format!("{n} axes"), theme.header),
            Span::styled(format!(" · {} runs", data.lines.len()), theme.dim),
        ]),
        title,
    );
    // Room for tick labels right of each axis.
    let gap = (body.width as usize / n.max(1)).max(4);
    let label_w = gap.saturating_sub(2).min(12);
    let plot = Rect {
        width: body.width.saturating_sub(label_w as u16),
        ..body
    };
    let xmax = (n - 1) as f64;
    let highlighted = data.lines.len().checked_sub(pv.cursor + 1);
    let color_axis = data.color.as_ref().map(|(a, _)| a);
    let marker = if theme.color {
        Marker::Braille
    } else {
        Marker::Dot
    };
    // The run lines are drawn once per data and area, then reused: moving the highlight
    // redraws only the axes and the highlighted line over them.
    let stamp = (pv.generation, plot, theme.color);
    let mut cache = app.viewport.parallel_lines.borrow_mut();
    if cache.as_ref().is_none_or(|(s, _)| *s != stamp) {
        let lines = Canvas::default()
            .marker(marker)
            .x_bounds([0.0, xmax.max(1.0)])
            .y_bounds([-0.02, 1.02])
            .paint(|ctx| {
                // Many runs share values (a sweep's grid): a segment is drawn once at the
                // canvas's resolution and colour step.
                let rows = f64::from(plot.height.max(1)) * 4.0;
                let mut drawn: HashSet<(usize, i32, i32, u8)> = HashSet::new();
                for line in &data.lines {
                    let color = paint(theme, color_axis, line.color, None);
                    let shade = line.color.map_or(u8::MAX, |t| (t * 64.0) as u8);
                    for i in 0..n - 1 {
                        if let (Some(a), Some(b)) = (line.ys[i], line.ys[i + 1]) {
                            let seg = (i, (a * rows) as i32, (b * rows) as i32, shade);
                            if drawn.insert(seg) {
                                ctx.draw(&CLine::new(i as f64, a, (i + 1) as f64, b, color));
                            }
                        }
                    }
                }
            });
        let mut buf = ratatui::buffer::Buffer::empty(plot);
        ratatui::widgets::Widget::render(lines, plot, &mut buf);
        *cache = Some((stamp, buf));
    }
    if let Some((_, buf)) = cache.as_ref() {
        frame.buffer_mut().merge(buf);
    }
    drop(cache);
    let overlay = Canvas::default()
        .marker(marker)
        .x_bounds([0.0, xmax.max(1.0)])
        .y_bounds([-0.02, 1.02])
        .paint(|ctx| {
            for i in 0..n {
                let c = if i == pv.axis_cursor {
                    Color::Reset
                } else {
                    Color::DarkGray
                };
                ctx.draw(&CLine::new(i as f64, 0.0, i as f64, 1.0, c));
            }
            if let Some(line) = highlighted.and_then(|h| data.lines.get(h)) {
                ctx.layer();
                let c = if theme.color {
                    Color::White
                } else {
                    Color::Reset
                };
                for i in 0..n - 1 {
                    if let (Some(a), Some(b)) = (line.ys[i], line.ys[i + 1]) {
                        ctx.draw(&CLine::new(i as f64, a, (i + 1) as f64, b, c));
                    }
                }
            }
        });
    frame.render_widget(overlay, plot);
    // Tick labels beside each axis, at the rows their values fall on.
    let h = plot.height.max(1) as f64;
    for (i, a) in data.axes.iter().enumerate() {
        let x = plot.x as f64 + (i as f64 / xmax.max(1.0)) * (plot.width.saturating_sub(1)) as f64;
        let x = (x.round() as u16 + 1).min(area.x + area.width.saturating_sub(1));
        let room = (area.x + area.width).saturating_sub(x) as usize;
        let w = label_w.min(room);
        if w < 2 {
            continue;
        }
        for (pos, label) in a.ticks((plot.height as usize / 3).max(2)) {
            let row = ((1.0 - pos) * (h - 1.0)).round() as u16;
            frame.render_widget(
                Span::styled(text::truncate(&label, w).into_owned(), theme.dim),
                Rect {
                    x,
                    y: plot.y + row.min(plot.height.saturating_sub(1)),
                    width: w as u16,
                    height: 1,
                },
            );
        }
    }
    // Axis names under the axes; the one under the axis cursor highlighted.
    let mut spans = Vec::new();
    let per = (names.width as usize / n).max(3);
    for (i, a) in data.axes.iter().enumerate() {
        let name = text::truncate(&a.title(), per.saturating_sub(1)).into_owned();
        let style = if i == pv.axis_cursor {
            theme.cursor_cell
        } else {
            theme.header
        };
        spans.push(Span::styled(name.clone(), style));
        spans.push(Span::raw(
            " ".repeat(per.saturating_sub(text::width(&name))),
        ));
    }
    frame.render_widget(Line::from(spans), names);
    // The highlighted run and the colour key.
    let mut lines = Vec::new();
    if let Some(line) = highlighted.and_then(|h| data.lines.get(h)) {
        let run = &app.index.runs()[line.run];
        let mut spans = vec![
            Span::styled(format!("#{} ", pv.cursor + 1), theme.key),
            Span::styled(
                text::sanitize(&run.run_name).into_owned(),
                theme.title.add_modifier(Modifier::BOLD),
            ),
        ];
        for a in &data.axes {
            let (v, _) = value_text(
                &a.column.value(run, app.now_ms),
                false,
                super::CELL_MAX,
                &app.settings.time,
            );
            spans.push(Span::styled(format!("  {} ", a.column.label()), theme.dim));
            spans.push(Span::styled(v, Style::default()));
        }
        lines.push(Line::from(spans));
    }
    if let Some((a, g)) = &data.color {
        lines.push(color_key(a, theme, Some(*g == Goal::Max)));
    }
    frame.render_widget(Paragraph::new(lines), info);
}
