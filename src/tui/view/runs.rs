//! The run table: pinned columns, horizontal scrolling, tree glyphs, marks, sort arrows,
//! status colours. Only the visible rows are turned into widgets.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table};

use super::{CELL_MAX, empty_hint, fit, scroll_to, value_text};
use crate::index::{Attr, Column, Value};
use crate::model::Run;
use crate::text;
use crate::timefmt::TimeFormat;
use crate::tui::action::Action;
use crate::tui::app::{App, RunRow, Target};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

/// Rows sampled to size columns (plus the visible ones).
const WIDTH_SAMPLE: usize = 200;

/// The widest a column gets at a terminal `total` cells wide.
fn cap(column: &Column, total: usize) -> usize {
    match column {
        Column::Attr(Attr::RunName) => (total / 3).clamp(12, 32),
        Column::Attr(Attr::RunId | Attr::ArtifactUri) => 32,
        Column::Attr(Attr::StartTime | Attr::EndTime) => 16,
        Column::Attr(_) => 12,
        Column::Metric(_) | Column::MetricAgg(..) => 12,
        Column::Param(_) | Column::Tag(_) => 20,
    }
}

fn tree_prefix(row: &RunRow) -> String {
    let mut s = String::new();
    if row.depth > 0 {
        s.push_str(&"  ".repeat(row.depth as usize - 1));
        s.push_str(if row.last { "└ " } else { "├ " });
    }
    if row.children > 0 {
        s.push_str(if row.folded { "▸ " } else { "▾ " });
    }
    s
}

/// A cell as shown in the table: cut to `CELL_MAX` cells before anything measures it;
/// start times as `3h ago`, durations to the unit that matters (`39m`); deleted runs say
/// so in their name (visible without colour).
fn cell_text(
    run: &Run,
    row: &RunRow,
    column: &Column,
    now: i64,
    precise: bool,
    time: &TimeFormat,
) -> (String, bool) {
    let v = column.value(run, now);
    // An aggregate being computed in the background.
    if let (Value::Missing, Some((k, a))) = (&v, column.metric_parts()) {
        if !crate::index::column::aggregate_known(run, k, a) {
            return ("…".into(), true);
        }
    }
    match (column, &v) {
        (Column::Attr(Attr::RunName), _) => {
            let mut name = tree_prefix(row);
            name.push_str(&text::cut(&run.run_name, CELL_MAX));
            if row.folded {
                name.push_str(&format!(" (+{})", row.children));
            }
            if run.lifecycle == crate::model::Lifecycle::Deleted {
                name.push_str(" [deleted]");
            }
            (name, false)
        }
        (_, Value::Time(t)) if !precise => (time.table(*t, now), false),
        (_, Value::Time(t)) => (time.precise(*t), false),
        (_, Value::Duration(d)) if !precise => (text::duration_compact(*d), true),
        _ => value_text(&v, precise, CELL_MAX, time),
    }
}

fn group_of(column: &Column) -> &'static str {
    match column {
        Column::Attr(_) => "",
        Column::Metric(_) | Column::MetricAgg(..) => "metrics",
        Column::Param(_) => "params",
        Column::Tag(_) => "tags",
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.runs;
    let height = area.height.saturating_sub(2) as usize;
    app.viewport.table_rows.set(height);
    if v.rows.is_empty() {
        let k = |a| app.keymap().label(Context::Runs, a);
        let msg = if !app.load.done {
            "loading runs…".to_string()
        } else if v.filtered_out > 0 {
            format!("no run matches the filter ({} clears it)", k(Action::Back))
        } else if v.hidden_out > 0 {
            format!(
                "every run here is hidden ({} shows hidden runs)",
                k(Action::ToggleHidden)
            )
        } else {
            format!(
                "no runs here ({} shows deleted runs)",
                k(Action::ToggleDeleted)
            )
        };
        empty_hint(frame, area, &msg, theme);
        return;
    }
    let time = &app.settings.time;
    let runs = app.index.runs();
    let now = app.now_ms;
    let start = scroll_to(&app.viewport.runs_offset, v.cursor, height, v.rows.len());
    let window: Vec<&RunRow> = v.rows.iter().skip(start).take(height).collect();
    let columns: Vec<&Column> = v.shown.iter().map(|&i| &v.columns[i].column).collect();
    let npinned = v.shown.iter().take_while(|&&i| v.columns[i].pinned).count();

    // Column widths from the header, a sample of rows and the visible rows.
    let sample: Vec<&RunRow> = v
        .rows
        .iter()
        .take(WIDTH_SAMPLE)
        .chain(window.iter().copied())
        .collect();
    let total = area.width as usize;
    let widths: Vec<usize> = columns
        .iter()
        .zip(&v.shown)
        .map(|(c, &ci)| {
            if let Some(w) = v.columns[ci].width {
                return usize::from(w);
            }
            let precise = v.precise.contains(*c);
            let sort_mark = if v.sort.iter().any(|k| &k.column == *c) {
                2
            } else {
                0
            };
            let head = text::width(&c.label()) + sort_mark;
            let body = sample
                .iter()
                .map(|r| text::width(&cell_text(&runs[r.run], r, c, now, precise, time).0))
                .max()
                .unwrap_or(0);
            head.max(body).clamp(3, cap(c, total).max(head.min(24)))
        })
        .collect();
    *app.viewport.col_widths.borrow_mut() = v
        .shown
        .iter()
        .zip(&widths)
        .map(|(&i, &w)| (i, w as u16))
        .collect();

    // Horizontal scroll: pinned columns stay; the rest start at the column offset, which
    // follows the column cursor (back to the start on a pinned column).
    let pinned_w: usize = widths[..npinned].iter().map(|w| w + 1).sum::<usize>() + 2;
    let avail = total.saturating_sub(pinned_w);
    let mut off = app
        .viewport
        .runs_col_offset
        .get()
        .min(columns.len().saturating_sub(npinned + 1));
    if v.col_cursor < npinned {
        off = 0;
    } else {
        let p = v.col_cursor - npinned;
        off = off.min(p);
        while off < p
            && widths[npinned + off..=npinned + p]
                .iter()
                .map(|w| w + 1)
                .sum::<usize>()
                > avail
        {
            off += 1;
        }
    }
    app.viewport.runs_col_offset.set(off);
    let mut visible: Vec<usize> = (0..npinned).collect();
    let mut used = pinned_w;
    for (i, w) in widths.iter().enumerate().skip(npinned + off) {
        if used + w + 1 > total && visible.len() > npinned {
            break;
        }
        visible.push(i);
        used += w + 1;
    }
    let hidden_right = visible.last().is_some_and(|&l| l + 1 < columns.len());

    let header_cells: Vec<Cell<'_>> = std::iter::once(Cell::from(Text::from(vec![
        Line::from(if off > 0 { "◂" } else { "" }),
        Line::from(""),
    ])))
    .chain(visible.iter().enumerate().map(|(n, &i)| {
        let c = columns[i];
        let first_of_group = n == 0 || group_of(columns[visible[n - 1]]) != group_of(c);
        let group = if first_of_group { group_of(c) } else { "" };
        let mut label = text::sanitize(&c.label()).into_owned();
        if let Some((pos, k)) = v.sort.iter().enumerate().find(|(_, k)| &k.column == c) {
            label.push(if k.descending { '▼' } else { '▲' });
            if v.sort.len() > 1 {
                label.push_str(&(pos + 1).to_string());
            }
        }
        let numeric = c.is_numeric();
        let mut style = theme.header;
        if i == v.col_cursor {
            style = style.patch(theme.cursor_cell);
        }
        Cell::from(Text::from(vec![
            Line::from(Span::styled(fit(group, widths[i], false), theme.dim)),
            Line::from(Span::styled(fit(&label, widths[i], numeric), style)),
        ]))
    }))
    .collect();

    let rows: Vec<Row<'_>> = window
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let run = &runs[row.run];
            let is_cursor = start + n == v.cursor;
            let marked = v.marks.contains(&run.run_id);
            let hidden = v.hidden.contains(&run.run_id);
            let glyph = if marked {
                "●"
            } else if app.is_pinned(&run.run_id) {
                "↑"
            } else if hidden {
                "◌"
            } else {
                " "
            };
            let mut cells = vec![Cell::from(Span::styled(glyph, theme.marked))];
            for &i in &visible {
                let c = columns[i];
                let (s, numeric) = cell_text(run, row, c, now, v.precise.contains(c), time);
                let mut style = match (c, c.value(run, now)) {
                    (_, Value::Missing) => theme.dim,
                    (Column::Attr(Attr::Status), _) => theme.status(run.status),
                    _ => Style::default(),
                };
                if is_cursor && i == v.col_cursor {
                    style = style.patch(theme.cursor_cell);
                }
                cells.push(Cell::from(Span::styled(fit(&s, widths[i], numeric), style)));
            }
            let mut style = if marked { theme.marked } else { theme.base };
            if run.lifecycle == crate::model::Lifecycle::Deleted || hidden {
                style = style.patch(theme.deleted);
            }
            if is_cursor {
                style = style.patch(theme.cursor);
            }
            Row::new(cells).style(style)
        })
        .collect();

    let mut constraints = vec![Constraint::Length(1)];
    constraints.extend(
        visible
            .iter()
            .map(|&i| Constraint::Length(widths[i] as u16)),
    );
    let table = Table::new(rows, constraints)
        .header(Row::new(header_cells).height(2))
        .column_spacing(1);
    frame.render_widget(table, area);
    // Clicks: a header sorts by its column, a row selects (twice: opens).
    let mut x = area.x + 2;
    for &i in &visible {
        let w = (widths[i] as u16).min((area.x + area.width).saturating_sub(x));
        super::target(
            app,
            Rect {
                x,
                y: area.y,
                width: w,
                height: 2,
            },
            Target::RunHeader(i),
        );
        x = x.saturating_add(w + 1);
    }
    super::row_targets(app, area, area.y + 2, start, window.len(), Target::RunRow);
    if hidden_right && area.width > 0 {
        let x = area.x + area.width - 1;
        frame.render_widget(
            Span::styled("▸", theme.dim),
            Rect {
                x,
                y: area.y,
                width: 1,
                height: 1,
            },
        );
    }
}
