//! The compare screen: sections of rows (one per key), one column per run, a page of runs
//! at a time; differing rows highlighted, the best value of a metric with a known better
//! direction starred, and deltas against a pinned baseline coloured by better or worse.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{empty_hint, fit, scroll_to, value_text};
use crate::index::compare::{CompareRow, Comparison, Section, delta};
use crate::text;
use crate::tui::app::Target;
use crate::tui::app::{App, CmpLine};
use crate::tui::theme::Theme;

/// The narrowest and widest a run column gets (values are cut with `…` beyond it).
const RUN_COL_MIN: usize = 10;
const RUN_COL_MAX: usize = 24;
/// The widest the key column gets (keys are cut with `…` beyond it).
const KEY_COL: usize = 28;

/// A cell of the comparison as shown: the value (with ★ when best) and the delta from
/// the baseline, if any.
struct Shown {
    value: String,
    numeric: bool,
    delta: Option<(String, Option<bool>)>,
}

fn shown(
    cmp: &Comparison<'_>,
    row: &CompareRow,
    c: usize,
    baseline: Option<usize>,
    color: bool,
    time: &crate::timefmt::TimeFormat,
) -> Shown {
    let value = cmp.value(row, c);
    let (mut s, numeric) = value_text(&value, row.precise, RUN_COL_MAX, time);
    if row.best == Some(c) {
        s = format!("★{s}");
    }
    let delta = baseline
        .filter(|b| *b != c)
        .and_then(|b| delta(&cmp.value(row, b), &value))
        .map(|d| {
            let better = row.direction.improves(d);
            // Without colour, better and worse show as text.
            let mark = match (color, better) {
                (false, Some(true)) => "✓",
                (false, Some(false)) => "✗",
                _ => "",
            };
            let sign = if d >= 0.0 { "+" } else { "" };
            (format!(" {sign}{}{mark}", text::float_short(d)), better)
        });
    Shown {
        value: s,
        numeric,
        delta,
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let cmp = app.comparison();
    let v = &app.compare;
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    let lines = app.compare_lines(&cmp);
    if cmp.runs.is_empty() || lines.is_empty() {
        let msg = if v.filter.is_empty() {
            "nothing to compare".to_string()
        } else {
            format!(
                "no key matches the filter ({} clears it)",
                app.keymap().label(
                    crate::tui::keymap::Context::Compare,
                    crate::tui::action::Action::Back
                )
            )
        };
        empty_hint(frame, area, &msg, theme);
        return;
    }
    let width = area.width as usize;
    let key_w = cmp
        .rows
        .iter()
        .map(|r| text::width(&app.compare_label(&r.column)))
        .max()
        .unwrap_or(8)
        .clamp(16, KEY_COL.min(width / 3).max(16));
    // Run columns as wide as their widest value (and the run names), within limits.
    let cmp_ref = &cmp;
    let run_w = cmp
        .rows
        .iter()
        .filter(|r| r.shown(v.diff_only))
        .flat_map(|r| {
            (0..cmp_ref.runs.len()).map(move |c| {
                let s = shown(cmp_ref, r, c, v.baseline, theme.color, &app.settings.time);
                text::width(&s.value) + s.delta.map_or(0, |(d, _)| text::width(&d))
            })
        })
        .chain(
            cmp.runs
                .iter()
                .map(|r| text::width(&text::cut(&app.compare_title(r), RUN_COL_MAX)) + 2),
        )
        .max()
        .unwrap_or(RUN_COL_MIN)
        .clamp(RUN_COL_MIN, RUN_COL_MAX);
    let fit_cols = (width.saturating_sub(key_w + 1) / (run_w + 1)).max(1);
    app.viewport.cmp_cols.set(fit_cols);
    // Keep the run column under the cursor visible.
    let ncols = cmp.runs.len();
    let col_start = scroll_to(&app.viewport.cmp_col_offset, v.col_cursor, fit_cols, ncols);
    let cols: Vec<usize> = (col_start..ncols.min(col_start + fit_cols)).collect();
    let start = scroll_to(&app.viewport.cmp_offset, v.cursor, height, lines.len());

    let more_left = if col_start > 0 { "◂ " } else { "" };
    let more_right = if col_start + cols.len() < ncols {
        " ▸"
    } else {
        ""
    };
    let mut header = vec![Cell::from(Span::styled(
        fit(&format!("{more_left}key{more_right}"), key_w, false),
        theme.header,
    ))];
    for &c in &cols {
        let run = cmp.runs[c];
        let mut label = text::cut(&app.compare_title(run), run_w).into_owned();
        if label.is_empty() {
            label = run.run_id.chars().take(8).collect();
        }
        if v.baseline == Some(c) {
            label = format!("⚑ {label}");
        }
        let mut style = theme.header;
        if c == v.col_cursor {
            style = style.patch(theme.cursor_cell);
        }
        header.push(Cell::from(Span::styled(fit(&label, run_w, false), style)));
    }

    let table_rows: Vec<Row<'_>> = lines
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, line)| {
            let mut rs = theme.base;
            if pos == v.cursor {
                rs = rs.patch(theme.cursor);
            }
            let row = match line {
                CmpLine::Section(section, n) => {
                    let folded = v.folded.contains(section);
                    let title = format!(
                        "{} {} ({n})",
                        if folded { "▸" } else { "▾" },
                        crate::tui::app::section_title(*section),
                    );
                    return Row::new(vec![Cell::from(Span::styled(
                        fit(&title, key_w, false),
                        theme.section,
                    ))])
                    .style(rs);
                }
                CmpLine::Row(i) => &cmp.rows[*i],
            };
            let mut key_style = if row.differs {
                theme.differs
            } else {
                theme.key
            };
            if row.section == Section::Attributes {
                key_style = theme.dim;
            }
            let mut cells = vec![Cell::from(Span::styled(
                fit(&app.compare_label(&row.column), key_w, false),
                key_style,
            ))];
            for &c in &cols {
                let cell = shown(&cmp, row, c, v.baseline, theme.color, &app.settings.time);
                let mut style = if cmp.value(row, c).is_missing() {
                    theme.dim
                } else {
                    theme.base
                };
                if row.differs && row.section != Section::Attributes {
                    style = theme.differs;
                }
                if row.best == Some(c) {
                    style = theme.best;
                }
                let mut spans = Vec::new();
                match &cell.delta {
                    Some((d_text, better)) => {
                        let room = run_w.saturating_sub(text::width(d_text));
                        spans.push(Span::styled(fit(&cell.value, room, cell.numeric), style));
                        let ds = match better {
                            Some(true) => theme.delta_better,
                            Some(false) => theme.delta_worse,
                            None => theme.dim,
                        };
                        spans.push(Span::styled(d_text.clone(), ds));
                    }
                    None => spans.push(Span::styled(fit(&cell.value, run_w, cell.numeric), style)),
                }
                if pos == v.cursor && c == v.col_cursor {
                    spans = spans
                        .into_iter()
                        .map(|sp| sp.patch_style(theme.cursor_cell))
                        .collect();
                }
                cells.push(Cell::from(Line::from(spans)));
            }
            Row::new(cells).style(rs)
        })
        .collect();
    let mut widths = vec![Constraint::Length(key_w as u16)];
    widths.extend(cols.iter().map(|_| Constraint::Length(run_w as u16)));
    let table = Table::new(table_rows, widths)
        .header(Row::new(header))
        .column_spacing(1);
    frame.render_widget(table, area);
    // Clicks: a cell selects its line and run column; the key column only the line.
    let shown = lines.len().saturating_sub(start).min(height);
    for n in 0..shown {
        let y = area.y + 1 + n as u16;
        let line = start + n;
        super::target(
            app,
            Rect {
                x: area.x,
                y,
                width: (key_w as u16).min(area.width),
                height: 1,
            },
            Target::CompareCell(line, None),
        );
        for (k, &c) in cols.iter().enumerate() {
            let x = area.x + (key_w + 1 + k * (run_w + 1)) as u16;
            if x >= area.x + area.width {
                break;
            }
            let w = (run_w as u16).min(area.x + area.width - x);
            super::target(
                app,
                Rect {
                    x,
                    y,
                    width: w,
                    height: 1,
                },
                Target::CompareCell(line, Some(c)),
            );
        }
    }
}
