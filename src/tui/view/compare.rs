//! The compare screen: one row per key, one column per run, differing rows highlighted,
//! the best metric value marked, and deltas against a pinned baseline.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{empty_hint, fit, scroll_to, value_text};
use crate::index::Value;
use crate::index::compare::Section;
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

const RUN_COL: usize = 18;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let cmp = app.comparison();
    let v = &app.compare;
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    let rows: Vec<_> = cmp.visible_rows(v.diff_only).collect();
    if cmp.runs.is_empty() || rows.is_empty() {
        empty_hint(frame, area, "nothing to compare", theme);
        return;
    }
    let key_w = rows
        .iter()
        .map(|r| text::width(&app.compare_label(&r.column)))
        .max()
        .unwrap_or(8)
        .clamp(8, 28);
    let fit_cols = ((area.width as usize).saturating_sub(key_w + 2) / (RUN_COL + 1)).max(1);
    // Keep the run column under the cursor visible.
    let ncols = cmp.runs.len();
    let col_start = scroll_to(&app.viewport.cmp_col_offset, v.col_cursor, fit_cols, ncols);
    let cols: Vec<usize> = (col_start..ncols.min(col_start + fit_cols)).collect();
    let start = scroll_to(&app.viewport.cmp_offset, v.cursor, height, rows.len());

    let mut header = vec![Cell::from(Span::styled(
        fit("key", key_w, false),
        theme.header,
    ))];
    for &c in &cols {
        let run = cmp.runs[c];
        let mut label = text::sanitize(&run.run_name).into_owned();
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
        header.push(Cell::from(Span::styled(fit(&label, RUN_COL, false), style)));
    }

    let table_rows: Vec<Row<'_>> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, row)| {
            let mut key_style = if row.differs {
                theme.differs
            } else {
                theme.key
            };
            if row.section == Section::Attributes {
                key_style = theme.dim;
            }
            let mut cells = vec![Cell::from(Span::styled(
                fit(
                    &text::sanitize(&app.compare_label(&row.column)),
                    key_w,
                    false,
                ),
                key_style,
            ))];
            let base = v.baseline.map(|b| cmp.value(row, b));
            for &c in &cols {
                let value = cmp.value(row, c);
                let (mut s, numeric) = value_text(&value);
                let mut style = if value.is_missing() {
                    theme.dim
                } else {
                    theme.base
                };
                if row.differs && row.section != Section::Attributes {
                    style = theme.differs;
                }
                if row.best == Some(c) {
                    s = format!("★{s}");
                    style = theme.best;
                }
                let mut spans = Vec::new();
                if let (Some(Value::Number(b)), Value::Number(x)) = (&base, &value) {
                    if v.baseline != Some(c) && b.is_finite() && x.is_finite() {
                        let d = x - b;
                        let d_text = format!(
                            " {}{}",
                            if d >= 0.0 { "+" } else { "" },
                            text::float_short(d)
                        );
                        let room = RUN_COL.saturating_sub(text::width(&d_text));
                        spans.push(Span::styled(fit(&s, room, numeric), style));
                        let ds = if d > 0.0 {
                            theme.delta_up
                        } else if d < 0.0 {
                            theme.delta_down
                        } else {
                            theme.dim
                        };
                        spans.push(Span::styled(d_text, ds));
                    }
                }
                if spans.is_empty() {
                    spans.push(Span::styled(fit(&s, RUN_COL, numeric), style));
                }
                if pos == v.cursor && c == v.col_cursor {
                    spans = spans
                        .into_iter()
                        .map(|sp| sp.patch_style(theme.cursor_cell))
                        .collect();
                }
                cells.push(Cell::from(Line::from(spans)));
            }
            let mut rs = theme.base;
            if pos == v.cursor {
                rs = rs.patch(theme.cursor);
            }
            Row::new(cells).style(rs)
        })
        .collect();
    let mut widths = vec![Constraint::Length(key_w as u16)];
    widths.extend(cols.iter().map(|_| Constraint::Length(RUN_COL as u16)));
    let table = Table::new(table_rows, widths)
        .header(Row::new(header))
        .column_spacing(1);
    frame.render_widget(table, area);
}
