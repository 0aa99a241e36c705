//! The experiment list. The name always shows; the other columns (runs, last activity,
//! id, stage) join in that order as the width allows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::{empty_hint, scroll_to};
use crate::model::Lifecycle;
use crate::text;
use crate::tui::app::{App, Target};
use crate::tui::theme::Theme;

/// The optional columns, most wanted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Runs,
    Activity,
    Id,
    Stage,
}

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
        let k = |a| {
            app.keymap()
                .label(crate::tui::keymap::Context::Experiments, a)
        };
        use crate::tui::action::Action;
        let msg = if !app.load.experiments_loaded {
            "loading experiments…".to_string()
        } else if !v.filter.is_empty() {
            format!(
                "no experiment matches the filter ({} clears it)",
                k(Action::Back)
            )
        } else {
            format!(
                "no experiments in this store ({} shows deleted ones)",
                k(Action::ToggleDeleted)
            )
        };
        empty_hint(frame, area, &msg, theme);
        return;
    }
    let start = scroll_to(&app.viewport.exp_offset, v.cursor, height, v.rows.len());
    let exps = app.index.experiments();
    let now = app.now_ms;
    let counts: Vec<String> = v
        .rows
        .iter()
        .map(|&i| app.index.run_count(&exps[i].experiment_id).label())
        .collect();
    let activity = |i: usize| {
        v.activity
            .get(i)
            .copied()
            .flatten()
            .map(|t| app.settings.time.ago(t, now))
            .unwrap_or_else(|| "-".into())
    };
    let name_w = v
        .rows
        .iter()
        .map(|&i| text::width(&text::cut(&exps[i].name, 60)))
        .max()
        .unwrap_or(4)
        .max(4);
    let id_w = v
        .rows
        .iter()
        .map(|&i| text::width(&text::cut(&exps[i].experiment_id, 20)))
        .max()
        .unwrap_or(2)
        .max(2);
    let runs_w = counts
        .iter()
        .map(|c| text::width(c))
        .max()
        .unwrap_or(4)
        .max(4);
    let mut wanted = vec![(Col::Runs, runs_w), (Col::Activity, 13), (Col::Id, id_w)];
    if v.show_deleted {
        wanted.push((Col::Stage, 7));
    }
    // The name keeps at least this much; other columns are added while they fit.
    let name_min = name_w.min(24);
    let mut used = 2 + name_min;
    let mut cols = Vec::new();
    for (c, w) in wanted {
        if used + w < area.width as usize {
            used += w + 1;
            cols.push((c, w));
        }
    }
    let name_room = (area.width as usize)
        .saturating_sub(used - name_min + 2)
        .max(4);

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
            let mut cells = vec![
                Cell::from(if marked { "●" } else { " " }),
                Cell::from(text::cut(&e.name, name_room).into_owned()),
            ];
            for (c, _) in &cols {
                cells.push(match c {
                    Col::Runs => Cell::from(Line::from(counts[pos].clone()).right_aligned()),
                    Col::Activity => Cell::from(activity(i)),
                    Col::Id => Cell::from(Span::styled(
                        text::cut(&e.experiment_id, 20).into_owned(),
                        theme.dim,
                    )),
                    Col::Stage => Cell::from(match e.lifecycle {
                        Lifecycle::Active => Span::styled("active", theme.dim),
                        Lifecycle::Deleted => Span::styled("deleted", theme.failed),
                    }),
                });
            }
            Row::new(cells).style(style)
        })
        .collect();
    let mut widths = vec![Constraint::Length(1), Constraint::Fill(1)];
    widths.extend(cols.iter().map(|(_, w)| Constraint::Length(*w as u16)));
    let mut header = vec![Cell::from(""), Cell::from("name")];
    for (c, _) in &cols {
        header.push(match c {
            Col::Runs => Cell::from(Line::from("runs").right_aligned()),
            Col::Activity => Cell::from("last activity"),
            Col::Id => Cell::from("id"),
            Col::Stage => Cell::from("stage"),
        });
    }
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.header))
            .column_spacing(1),
        area,
    );
    let shown = v.rows.len().saturating_sub(start).min(height);
    super::row_targets(app, area, area.y + 1, start, shown, Target::ExperimentRow);
}
