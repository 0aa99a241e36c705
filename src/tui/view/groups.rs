//! The run table in group mode: one row per group (its values, run count, and mean ± std
//! — or the chosen aggregate — of each metric column), unfolded groups followed by their
//! runs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table};

use super::{empty_hint, fit, scroll_to, value_text};
use crate::index::column::aggregate_known;
use crate::index::{Attr, Column, Value};
use crate::text;
use crate::tui::app::{App, CellAgg, GroupCol, GroupRow, GroupView, Target};
use crate::tui::theme::Theme;

/// The text of one cell and whether it is numeric (right-aligned).
fn cell(app: &App, gv: &GroupView, row: GroupRow, col: &GroupCol) -> (String, bool) {
    let runs = app.index.runs();
    let now = app.now_ms;
    match row {
        GroupRow::Group(g) => {
            let grp = &gv.groups[g];
            match col {
                GroupCol::Key(c) => {
                    let i = gv.by.iter().position(|b| b == c).unwrap_or(0);
                    let v = grp.key[i]
                        .as_deref()
                        .map_or("-".to_string(), |s| text::sanitize(s).into_owned());
                    if i == 0 {
                        let open = gv.open.contains(&grp.key);
                        (format!("{} {v}", if open { "▾" } else { "▸" }), false)
                    } else {
                        (v, false)
                    }
                }
                GroupCol::Runs => (grp.rows.len().to_string(), true),
                GroupCol::Data(c) if c.is_numeric() => {
                    let pending = grp.rows.iter().any(|&r| match c.metric_parts() {
                        Some((k, a)) => !aggregate_known(&runs[r], k, a),
                        None => false,
                    });
                    let agg = gv.agg_of(c);
                    let (v, sd) = app.group_cell(grp, c, agg);
                    let duration = matches!(c, Column::Attr(Attr::Duration));
                    let (mut s, _) = match v {
                        Value::Number(x) if duration => value_text(
                            &Value::Duration(x as i64),
                            false,
                            super::CELL_MAX,
                            &app.settings.time,
                        ),
                        v => value_text(&v, false, super::CELL_MAX, &app.settings.time),
                    };
                    if let (CellAgg::MeanStd, Some(sd)) = (agg, sd) {
                        let sd = if duration {
                            text::duration_short(sd as i64)
                        } else {
                            two_digits(sd)
                        };
                        s = format!("{s} ± {sd}");
                    }
                    if pending {
                        s.push('…');
                    }
                    (s, true)
                }
                GroupCol::Data(c) => {
                    let v = crate::index::group::common_value(runs, &grp.rows, c, now);
                    match v {
                        Value::Missing if grp.rows.len() > 1 => ("(differ)".into(), false),
                        v => value_text(&v, false, super::CELL_MAX, &app.settings.time),
                    }
                }
            }
        }
        GroupRow::Run(_, r) => {
            let run = &runs[r];
            match col {
                GroupCol::Key(c) if gv.by.first() == Some(c) => {
                    (format!("  · {}", text::sanitize(&run.run_name)), false)
                }
                GroupCol::Runs => (String::new(), true),
                GroupCol::Key(c) | GroupCol::Data(c) => {
                    let v = c.value(run, now);
                    let pending = matches!(v, Value::Missing)
                        && c.metric_parts()
                            .is_some_and(|(k, a)| !aggregate_known(run, k, a));
                    if pending {
                        ("…".into(), true)
                    } else {
                        value_text(&v, false, super::CELL_MAX, &app.settings.time)
                    }
                }
            }
        }
    }
}

/// A spread with two significant digits (`0.00086`, `0.12`, `9238`).
fn two_digits(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return text::float_short(v);
    }
    let decimals = (1 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

fn header(gv: &GroupView, col: &GroupCol) -> (String, String) {
    match col {
        GroupCol::Key(c) => ("group by".into(), c.name().into_owned()),
        GroupCol::Runs => (String::new(), "runs".into()),
        GroupCol::Data(c) if c.is_numeric() => {
            (gv.agg_of(c).label().to_string(), c.label().into_owned())
        }
        GroupCol::Data(c) => ("common".into(), c.label().into_owned()),
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let Some(gv) = &app.groups else {
        return;
    };
    let height = area.height.saturating_sub(2) as usize;
    app.viewport.table_rows.set(height);
    if gv.rows.is_empty() {
        empty_hint(
            frame,
            area,
            "no runs to group (Esc leaves group mode)",
            theme,
        );
        return;
    }
    let runs = app.index.runs();
    let start = scroll_to(&app.viewport.runs_offset, gv.cursor, height, gv.rows.len());
    let window: Vec<GroupRow> = gv.rows.iter().skip(start).take(height).copied().collect();
    let heads: Vec<(String, String)> = gv.columns.iter().map(|c| header(gv, c)).collect();
    let texts: Vec<Vec<(String, bool)>> = window
        .iter()
        .map(|&r| gv.columns.iter().map(|c| cell(app, gv, r, c)).collect())
        .collect();
    let widths: Vec<usize> = (0..gv.columns.len())
        .map(|i| {
            let head = text::width(&heads[i].1).max(text::width(&heads[i].0));
            let body = texts
                .iter()
                .map(|t| text::width(&t[i].0))
                .max()
                .unwrap_or(0);
            head.max(body).clamp(3, if i == 0 { 36 } else { 28 })
        })
        .collect();

    // The first column stays; the rest scroll with the column cursor.
    let total = area.width as usize;
    let fixed = widths[0] + 3;
    let mut off = app
        .viewport
        .runs_col_offset
        .get()
        .min(gv.columns.len().saturating_sub(1));
    if gv.col_cursor == 0 {
        off = 0;
    } else {
        let p = gv.col_cursor - 1;
        off = off.min(p);
        while off < p
            && widths[1 + off..=1 + p].iter().map(|w| w + 1).sum::<usize>()
                > total.saturating_sub(fixed)
        {
            off += 1;
        }
    }
    app.viewport.runs_col_offset.set(off);
    let mut visible = vec![0];
    let mut used = fixed;
    for (i, w) in widths.iter().enumerate().skip(1 + off) {
        if used + w + 1 > total && visible.len() > 1 {
            break;
        }
        visible.push(i);
        used += w + 1;
    }
    let mut sort_col = None;
    if let Some((c, desc)) = &gv.sort {
        sort_col = gv.columns.iter().position(|k| k == c).map(|i| (i, *desc));
    }
    let header_cells: Vec<Cell<'_>> = std::iter::once(Cell::from(""))
        .chain(visible.iter().map(|&i| {
            let mut label = text::sanitize(&heads[i].1).into_owned();
            if let Some((s, desc)) = sort_col {
                if s == i {
                    label.push(if desc { '▼' } else { '▲' });
                }
            }
            let numeric = matches!(gv.columns[i], GroupCol::Runs)
                || matches!(&gv.columns[i], GroupCol::Data(c) if c.is_numeric());
            let mut style = theme.header;
            if i == gv.col_cursor {
                style = style.patch(theme.cursor_cell);
            }
            Cell::from(Text::from(vec![
                Line::from(Span::styled(
                    fit(&heads[i].0, widths[i], numeric),
                    theme.dim,
                )),
                Line::from(Span::styled(fit(&label, widths[i], numeric), style)),
            ]))
        }))
        .collect();
    let rows: Vec<Row<'_>> = window
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let is_cursor = start + n == gv.cursor;
            let members: Vec<usize> = match row {
                GroupRow::Group(g) => gv.groups[*g].rows.clone(),
                GroupRow::Run(_, r) => vec![*r],
            };
            let marked = members
                .iter()
                .filter(|&&r| app.runs.marks.contains(&runs[r].run_id))
                .count();
            let mark = match marked {
                0 => " ",
                m if m == members.len() => "●",
                _ => "◐",
            };
            let mut cells = vec![Cell::from(Span::styled(mark, theme.marked))];
            for &i in &visible {
                let (s, numeric) = &texts[n][i];
                let mut style = if s == "-" {
                    theme.dim
                } else {
                    Style::default()
                };
                if is_cursor && i == gv.col_cursor {
                    style = style.patch(theme.cursor_cell);
                }
                cells.push(Cell::from(Span::styled(fit(s, widths[i], *numeric), style)));
            }
            let mut style = match row {
                GroupRow::Group(_) => theme.base,
                GroupRow::Run(..) => theme.base.patch(theme.dim),
            };
            if marked == members.len() {
                style = style.patch(theme.marked);
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
    let count = gv.rows.len() - start;
    super::row_targets(app, area, area.y + 2, start, count, Target::ListRow);
}
