//! Logged models: the table (name pinned, columns scroll sideways like the run table) and
//! the detail of one model.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{empty_hint, fit, scroll_to, value_text};
use crate::index::{Attr, Column};
use crate::store::registry::{LoggedModel, LoggedModelStatus};
use crate::text;
use crate::tui::app::{App, Target, column_label};
use crate::tui::theme::Theme;

fn status_style(s: LoggedModelStatus, theme: &Theme) -> Style {
    match s {
        LoggedModelStatus::Ready => theme.finished,
        LoggedModelStatus::Failed => theme.failed,
        LoggedModelStatus::Pending => theme.scheduled,
        LoggedModelStatus::Unspecified => theme.dim,
    }
}

fn width_of(c: &Column) -> usize {
    match c {
        Column::Attr(Attr::RunName) => 18,
        Column::Attr(Attr::RunId) => 34,
        Column::Attr(Attr::StartTime) => 16,
        Column::Attr(Attr::User) => 16,
        Column::Attr(Attr::Status) => 8,
        Column::Metric(_) => 10,
        _ => 12,
    }
}

fn group_of(c: &Column) -> &'static str {
    match c {
        Column::Metric(_) => "metrics",
        Column::Param(_) => "params",
        _ => "",
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.logged;
    let height = area.height.saturating_sub(2) as usize;
    app.viewport.table_rows.set(height);
    if v.rows.is_empty() {
        let msg = if v.loading(&v.experiment_ids) {
            "reading logged models…".to_string()
        } else if !v.filter.is_empty() {
            "no model matches the filter (Esc clears it)".to_string()
        } else {
            "no logged models in this experiment (MLflow 3 logs them with log_model)".to_string()
        };
        empty_hint(frame, area, &msg, theme);
        return;
    }
    let now = app.now_ms;
    let start = scroll_to(&app.viewport.logged_offset, v.cursor, height, v.rows.len());
    // The name stays at the left; the other columns scroll to keep the cursor in view.
    let widths: Vec<usize> = v
        .columns
        .iter()
        .map(|c| width_of(c).max(text::width(&column_label(c)).min(24)))
        .collect();
    let total = area.width as usize;
    let pinned_w = widths.first().map_or(0, |w| w + 1) + 2;
    let avail = total.saturating_sub(pinned_w);
    let mut off = app
        .viewport
        .logged_col_offset
        .get()
        .min(v.columns.len().saturating_sub(2));
    if v.col_cursor >= 1 {
        let p = v.col_cursor - 1;
        off = off.min(p);
        while off < p && widths[1 + off..=1 + p].iter().map(|w| w + 1).sum::<usize>() > avail {
            off += 1;
        }
    }
    app.viewport.logged_col_offset.set(off);
    let mut visible: Vec<usize> = if v.columns.is_empty() {
        vec![]
    } else {
        vec![0]
    };
    let mut used = pinned_w;
    for (i, w) in widths.iter().enumerate().skip(1 + off) {
        if used + w + 1 > total && visible.len() > 1 {
            break;
        }
        visible.push(i);
        used += w + 1;
    }
    let header_cells: Vec<Cell<'_>> = std::iter::once(Cell::from(Text::from(vec![
        Line::from(if off > 0 { "◂" } else { "" }),
        Line::from(""),
    ])))
    .chain(visible.iter().enumerate().map(|(n, &i)| {
        let c = &v.columns[i];
        let first = n == 0 || group_of(&v.columns[visible[n - 1]]) != group_of(c);
        let mut label = text::sanitize(&column_label(c)).into_owned();
        if let Some(k) = v.sort.iter().find(|k| &k.column == c) {
            label.push(if k.descending { '▼' } else { '▲' });
        }
        let mut style = theme.header;
        if i == v.col_cursor {
            style = style.patch(theme.cursor_cell);
        }
        let numeric = matches!(c, Column::Metric(_));
        Cell::from(Text::from(vec![
            Line::from(Span::styled(
                fit(if first { group_of(c) } else { "" }, widths[i], false),
                theme.dim,
            )),
            Line::from(Span::styled(fit(&label, widths[i], numeric), style)),
        ]))
    }))
    .collect();
    let rows: Vec<Row<'_>> = v
        .rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, &i)| {
            let m = &v.models[i];
            let run = &v.runs[i];
            let marked = v.marks.contains(&m.model_id);
            let mut cells = vec![Cell::from(Span::styled(
                if marked { "●" } else { " " },
                theme.marked,
            ))];
            for &ci in &visible {
                let c = &v.columns[ci];
                let (s, numeric, mut style) = match c {
                    Column::Attr(Attr::Status) => (
                        m.status.short().to_string(),
                        false,
                        status_style(m.status, theme),
                    ),
                    _ => {
                        let val = c.value(run, now);
                        let (s, numeric) =
                            value_text(&val, false, super::CELL_MAX, &app.settings.time);
                        let st = if val.is_missing() {
                            theme.dim
                        } else {
                            Style::default()
                        };
                        (s, numeric, st)
                    }
                };
                if pos == v.cursor && ci == v.col_cursor {
                    style = style.patch(theme.cursor_cell);
                }
                cells.push(Cell::from(Span::styled(
                    fit(&s, widths[ci], numeric),
                    style,
                )));
            }
            let mut style = if marked { theme.marked } else { theme.base };
            if pos == v.cursor {
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
    frame.render_widget(
        Table::new(rows, constraints)
            .header(Row::new(header_cells).height(2))
            .column_spacing(1),
        area,
    );
    let count = v.rows.len() - start;
    super::row_targets(app, area, area.y + 2, start, count, Target::ListRow);
}

fn kv<'a>(key: &str, value: &str, theme: &Theme, w: usize) -> Line<'a> {
    Line::from(vec![
        Span::styled(
            format!("  {}", text::pad(&text::sanitize(key), w, false)),
            theme.key,
        ),
        Span::raw(format!("  {}", text::sanitize(value))),
    ])
}

fn section<'a>(title: String, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(title, theme.section))
}

/// The lines of a logged model's detail.
pub fn detail_lines<'a>(app: &App, m: &LoggedModel, theme: &Theme) -> Vec<Line<'a>> {
    let t = |v: Option<i64>| v.map_or("-".to_string(), |ms| app.settings.time.full(ms));
    let source = match m.source_run_id.as_deref() {
        Some(id) => match app.index.run(id) {
            Some(r) => format!("{} ({id})", r.run_name),
            None => id.to_string(),
        },
        None => "-".into(),
    };
    let experiment = app
        .index
        .experiment(&m.experiment_id)
        .map_or(m.experiment_id.clone(), |e| {
            format!("{} ({})", e.name, e.experiment_id)
        });
    let mut out = vec![section("Logged model".into(), theme)];
    for (k, val) in [
        ("name", m.name.clone()),
        ("model id", m.model_id.clone()),
        ("experiment", experiment),
        ("status", m.status.short().to_string()),
        ("type", m.model_type.clone().unwrap_or_else(|| "-".into())),
        ("source run", source),
        ("created", t(m.creation_timestamp)),
        ("updated", t(m.last_updated_timestamp)),
        ("artifacts", m.artifact_uri.clone()),
    ] {
        out.push(kv(k, &val, theme, 12));
    }
    if let Some(msg) = m.status_message.as_deref().filter(|s| !s.is_empty()) {
        out.push(kv("message", msg, theme, 12));
    }
    out.push(Line::from(Span::styled(
        "  a: browse its files (MLmodel, environment, weights)",
        theme.dim,
    )));
    if let Some(reg) = app.models.registry() {
        let versions = reg.versions_of_logged_model(&m.model_id);
        if !versions.is_empty() {
            out.push(Line::from(""));
            out.push(section(
                format!("Registered as ({})", versions.len()),
                theme,
            ));
            for v in versions {
                let aliases = if v.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" · @{}", v.aliases.join(" @"))
                };
                out.push(Line::from(format!(
                    "  {} v{} · {}{}",
                    text::sanitize(&v.name),
                    text::sanitize(&v.version),
                    text::sanitize(&v.current_stage),
                    text::sanitize(&aliases)
                )));
            }
        }
    }
    let w = |keys: &mut dyn Iterator<Item = &String>| {
        keys.map(|k| text::width(k)).max().unwrap_or(0).min(40)
    };
    out.push(Line::from(""));
    out.push(section(format!("Params ({})", m.params.len()), theme));
    let pw = w(&mut m.params.keys());
    for (k, val) in &m.params {
        out.push(kv(k, val, theme, pw));
    }
    out.push(Line::from(""));
    out.push(section(format!("Metrics ({})", m.metrics.len()), theme));
    if !m.metrics.is_empty() {
        let mw = w(&mut m.metrics.iter().map(|x| &x.key)).max(6);
        out.push(Line::from(Span::styled(
            format!(
                "  {}  {:>12} {:>8}  dataset",
                text::pad("key", mw, false),
                "value",
                "step"
            ),
            theme.dim,
        )));
        for x in &m.metrics {
            let ds = match (&x.dataset_name, &x.dataset_digest) {
                (Some(n), Some(d)) => format!("{n} ({d})"),
                (Some(n), None) => n.clone(),
                _ => "-".into(),
            };
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {}", text::pad(&text::sanitize(&x.key), mw, false)),
                    theme.key,
                ),
                Span::raw(format!(
                    "  {:>12} {:>8}  {}",
                    text::float_short(x.value),
                    x.step,
                    text::sanitize(&ds)
                )),
            ]));
        }
    }
    out.push(Line::from(""));
    out.push(section(format!("Tags ({})", m.tags.len()), theme));
    let tw = w(&mut m.tags.keys());
    for (k, val) in &m.tags {
        out.push(kv(k, val, theme, tw));
    }
    out
}

pub fn draw_detail(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    app.viewport.table_rows.set(area.height as usize);
    let Some(m) = app
        .logged
        .detail
        .as_deref()
        .and_then(|id| app.logged.model(id))
    else {
        empty_hint(frame, area, "this logged model is no longer loaded", theme);
        return;
    };
    let lines = detail_lines(app, m, theme);
    let max = lines.len().saturating_sub(area.height as usize);
    let scroll = app.logged.detail_scroll.min(max);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

/// The status line of the logged-models screens.
pub fn counts(app: &App) -> String {
    let v = &app.logged;
    if app.screen() == crate::tui::app::Screen::ModelDetail {
        let Some(m) = v.detail.as_deref().and_then(|id| v.model(id)) else {
            return String::new();
        };
        let versions = app
            .models
            .registry()
            .map_or(0, |r| r.versions_of_logged_model(&m.model_id).len());
        return format!(
            "{} · {} params · {} metrics · registered as {versions} version(s)",
            m.model_id,
            m.params.len(),
            m.metrics.len()
        );
    }
    let mut s = format!("{} models · {} marked", v.rows.len(), v.marks.len());
    if !v.filter.is_empty() {
        s.push_str(&format!(" · filter \"{}\"", v.filter));
    }
    if let Some(k) = v.sort.first() {
        s.push_str(&format!(
            " · sort {}{}",
            column_label(&k.column),
            if k.descending { "▼" } else { "▲" }
        ));
    }
    if v.loading(&v.experiment_ids) {
        s.push_str(" · reading…");
    }
    s
}
