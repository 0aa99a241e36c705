//! The experiment list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::{empty_hint, scroll_to};
use crate::model::Lifecycle;
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.experiments;
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    if v.rows.is_empty() {
        let failed = app
            .load
            .error
            .as_ref()
            .filter(|_| !app.load.experiments_loaded)
            .map(|e| format!("could not load the store: {}", text::sanitize(e)));
        if let Some(failed) = failed {
            // Wrapped: a server's error is longer than a line.
            let y = area.y + area.height / 3;
            let rect = Rect {
                y,
                height: area.height.saturating_sub(y - area.y),
                ..area
            };
            frame.render_widget(
                Paragraph::new(Span::styled(failed, theme.error))
                    .centered()
                    .wrap(Wrap { trim: true }),
                rect,
            );
            return;
        }
        let msg = if !app.load.experiments_loaded {
            "loading experiments…"
        } else if !v.filter.is_empty() {
            "no experiment matches the filter (Esc clears it)"
        } else {
            "no experiments in this store (d shows deleted ones)"
        };
        empty_hint(frame, area, msg, theme);
        return;
    }
    let start = scroll_to(&app.viewport.exp_offset, v.cursor, height, v.rows.len());
    let exps = app.index.experiments();
    let rows: Vec<Row<'_>> = v
        .rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, &i)| {
            let e = &exps[i];
            let marked = v.marks.contains(&e.experiment_id);
            let mut style = if marked { theme.marked } else { theme.base };
            if pos == v.cursor {
                style = style.patch(theme.cursor);
            }
            let activity = v
                .activity
                .get(i)
                .copied()
                .flatten()
                .map(text::time_short)
                .unwrap_or_else(|| "-".into());
            let lifecycle = match e.lifecycle {
                Lifecycle::Active => Span::styled("active", theme.dim),
                Lifecycle::Deleted => Span::styled("deleted", theme.failed),
            };
            Row::new(vec![
                Cell::from(if marked { "●" } else { " " }),
                Cell::from(text::sanitize(&e.name).into_owned()),
                Cell::from(Span::styled(
                    text::sanitize(&e.experiment_id).into_owned(),
                    theme.dim,
                )),
                Cell::from(
                    Line::from(app.index.run_count(&e.experiment_id).to_string()).right_aligned(),
                ),
                Cell::from(activity),
                Cell::from(lifecycle),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(3),
        Constraint::Length(20),
        Constraint::Length(6),
        Constraint::Length(16),
        Constraint::Length(8),
    ];
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("name"),
        Cell::from("id"),
        Cell::from(Line::from("runs").right_aligned()),
        Cell::from("last activity"),
        Cell::from("stage"),
    ])
    .style(theme.header);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}
