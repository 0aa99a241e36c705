//! The scatter screen: one Braille dot per run at (x, y), coloured by a third column, with
//! labelled axes (categories at their places), the point under the cursor marked and named,
//! and a colour key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::widgets::canvas::{Canvas, Points};

use super::{empty_hint, value_text};
use crate::chart::axis::Axis;
use crate::chart::colors;
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// The colour of a dot or line at scale position `t` or category `c`.
pub(super) fn paint(theme: &Theme, axis: Option<&Axis>, t: Option<f64>, c: Option<usize>) -> Color {
    if !theme.color {
        return Color::Reset;
    }
    let rgb = |c: (u8, u8, u8)| theme.rgb(c);
    match (axis.and_then(Axis::categories), c, t) {
        (Some(_), Some(c), _) => rgb(colors::category(c)),
        (None, _, Some(t)) if axis.is_some() => rgb(colors::scale(t)),
        (Some(_) | None, _, _) if axis.is_some() => Color::DarkGray,
        _ => rgb(colors::category(0)),
    }
}

/// Tick labels of a y axis, right-aligned in `area` (one per line where they fall).
pub(super) fn y_labels(frame: &mut Frame<'_>, area: Rect, axis: &Axis, theme: &Theme) {
    let h = area.height.max(1) as f64;
    let n = (area.height as usize / 2).max(2);
    for (pos, label) in axis.ticks(n) {
        let row = ((1.0 - pos) * (h - 1.0)).round() as u16;
        let y = area.y + row.min(area.height.saturating_sub(1));
        let label = text::truncate(&label, area.width as usize).into_owned();
        frame.render_widget(
            Line::from(Span::styled(label, theme.dim)).right_aligned(),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
    }
}

/// Tick labels of an x axis in one line, each centred on its place, thinned to fit.
pub(super) fn x_labels(frame: &mut Frame<'_>, area: Rect, axis: &Axis, theme: &Theme) {
    let w = area.width as usize;
    let n = (w / 10).max(2);
    let mut line = vec![' '; w];
    let mut last_end = 0usize;
    for (pos, label) in axis.ticks(n) {
        let max = (w / n).max(4).saturating_sub(1);
        let label: Vec<char> = text::truncate(&label, max).chars().collect();
        let centre = (pos * (w.saturating_sub(1)) as f64).round() as usize;
        let start = centre
            .saturating_sub(label.len() / 2)
            .min(w.saturating_sub(label.len()));
        if start < last_end && last_end > 0 {
            continue;
        }
        for (i, ch) in label.iter().enumerate() {
            if let Some(slot) = line.get_mut(start + i) {
                *slot = *ch;
            }
        }
        last_end = start + label.len() + 1;
    }
    let s: String = line.into_iter().collect();
    frame.render_widget(Span::styled(s, theme.dim), area);
}

/// A colour key in one line: categories with their colours, or the scale's ends.
pub(super) fn color_key(axis: &Axis, theme: &Theme, best_high: Option<bool>) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!("colour: {}  ", text::sanitize(&axis.column.name())),
        theme.dim,
    )];
    match axis.categories() {
        Some(cats) => {
            for (i, c) in cats.iter().enumerate().take(12) {
                let col = paint(theme, Some(axis), None, Some(i));
                spans.push(Span::styled("● ", Style::default().fg(col)));
                spans.push(Span::raw(format!(
                    "{}  ",
                    text::truncate(&text::sanitize(c), 16)
                )));
            }
            if cats.len() > 12 {
                spans.push(Span::styled(
                    format!("+{} more", cats.len() - 12),
                    theme.dim,
                ));
            }
        }
        None => {
            let end = |p: f64| axis.value_at(p).map_or(String::new(), text::float_short);
            let (lo, hi) = (end(0.0), end(1.0));
            let (left, right) = if best_high == Some(false) {
                (hi, lo)
            } else {
                (lo, hi)
            };
            spans.push(Span::raw(format!("{left} ")));
            for i in 0..12 {
                let t = i as f64 / 11.0;
                let col = paint(theme, Some(axis), Some(t), None);
                spans.push(Span::styled("█", Style::default().fg(col)));
            }
            spans.push(Span::raw(format!(" {right}")));
            if let Some(high) = best_high {
                let note = if high {
                    "higher is better"
                } else {
                    "lower is better"
                };
                spans.push(Span::styled(format!("  ({note}: bright)"), theme.dim));
            }
        }
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let Some(s) = &app.scatter else {
        return;
    };
    let Some(data) = &s.data else {
        let msg = format!(
            "no run shown has both {} and {} (x/y: next column, X/Y: type one)",
            text::sanitize(&s.x.name()),
            text::sanitize(&s.y.name())
        );
        empty_hint(frame, area, &msg, theme);
        return;
    };
    let [title, body, xlab, info] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
        Constraint::Length(2),
    ])
    .areas(area);
    let missing = if data.missing > 0 {
        format!(" ({} without values)", data.missing)
    } else {
        String::new()
    };
    frame.render_widget(
        Line::from(vec![
            Span::styled(text::sanitize(&data.y.title()).into_owned(), theme.header),
            Span::styled(" vs ", theme.dim),
            Span::styled(text::sanitize(&data.x.title()).into_owned(), theme.header),
            Span::styled(format!(" · {} runs{missing}", data.points.len()), theme.dim),
        ]),
        title,
    );
    let label_w = data
        .y
        .ticks(8)
        .iter()
        .map(|t| text::width(&t.1))
        .max()
        .unwrap_or(4)
        .clamp(4, 14) as u16;
    let [ylab, plot] =
        Layout::horizontal([Constraint::Length(label_w + 1), Constraint::Min(10)]).areas(body);
    y_labels(
        frame,
        Rect {
            width: label_w,
            ..ylab
        },
        &data.y,
        theme,
    );
    let cursor = data.points.get(s.cursor).copied();
    let color_axis = data.color.as_ref();
    let canvas = Canvas::default()
        .marker(if theme.color {
            Marker::Braille
        } else {
            Marker::Dot
        })
        .x_bounds([-0.02, 1.02])
        .y_bounds([-0.02, 1.02])
        .paint(|ctx| {
            for p in &data.points {
                let color = paint(theme, color_axis, p.color, p.category);
                ctx.draw(&Points {
                    coords: &[(p.x, p.y)],
                    color,
                });
            }
            if let Some(p) = cursor {
                ctx.layer();
                ctx.print(
                    p.x,
                    p.y,
                    Span::styled("◉", theme.cursor_cell.patch(theme.key)),
                );
            }
        });
    frame.render_widget(canvas, plot);
    x_labels(
        frame,
        Rect {
            height: 1,
            ..Rect {
                x: plot.x,
                width: plot.width,
                ..xlab
            }
        },
        &data.x,
        theme,
    );
    frame.render_widget(
        Line::from(Span::styled(
            text::sanitize(&data.x.title()).into_owned(),
            theme.dim,
        ))
        .centered(),
        Rect {
            y: xlab.y + 1,
            height: 1,
            ..xlab
        },
    );
    // The run under the cursor, and the colour key.
    let mut lines = Vec::new();
    if let Some(p) = cursor {
        let run = &app.index.runs()[p.run];
        let mut spans = vec![
            Span::styled("◉ ", theme.key),
            Span::styled(text::sanitize(&run.run_name).into_owned(), theme.title),
        ];
        let mut cols = vec![("x", &s.x), ("y", &s.y)];
        if let Some(c) = &s.color {
            cols.push(("colour", c));
        }
        for (what, c) in cols {
            let (v, _) = value_text(
                &c.value(run, app.now_ms),
                false,
                super::CELL_MAX,
                &app.settings.time,
            );
            spans.push(Span::styled(format!("  {what} "), theme.dim));
            spans.push(Span::raw(v));
        }
        lines.push(Line::from(spans));
    } else {
        lines.push(Line::from(""));
    }
    if let Some(a) = color_axis {
        lines.push(color_key(a, theme, None));
    }
    frame.render_widget(Paragraph::new(lines), info);
}
