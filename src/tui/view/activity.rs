//! The activity screen: alerts, then running runs of every experiment (time of the last
//! metric, a stalled mark), then runs that failed, were killed or finished recently.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{empty_hint, fit, scroll_to};
use crate::model::{Run, RunStatus};
use crate::text;
use crate::tui::app::{ActivityLine, AlertKind, App, Target};
use crate::tui::theme::Theme;

/// Widths of the columns after the run name: experiment, status, when, note.
const EXP_W: usize = 16;
const STATUS_W: usize = 8;
const WHEN_W: usize = 10;

fn experiment_name<'a>(app: &'a App, run: &'a Run) -> &'a str {
    app.index
        .experiment(&run.experiment_id)
        .map_or(run.experiment_id.as_str(), |e| e.name.as_str())
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.activity;
    let height = area.height as usize;
    app.viewport.table_rows.set(height);
    if v.lines.is_empty() {
        let msg = if app.load.done {
            "nothing running, and nothing ended recently"
        } else {
            "loading runs…"
        };
        empty_hint(frame, area, msg, theme);
        return;
    }
    let now = app.now_ms;
    let time = &app.settings.time;
    let width = area.width as usize;
    // The run name takes what the other columns leave.
    let fixed = 2 + EXP_W + 1 + STATUS_W + 1 + WHEN_W + 1;
    let note_w = (width / 4).clamp(8, 28);
    let name_w = width.saturating_sub(fixed + note_w).max(8);
    let start = scroll_to(
        &app.viewport.activity_offset,
        v.cursor,
        height,
        v.lines.len(),
    );
    let mut lines = Vec::new();
    for (pos, line) in v.lines.iter().enumerate().skip(start).take(height) {
        let selected = pos == v.cursor;
        let (run_id, alert) = match line {
            ActivityLine::Section(title, n) => {
                let extra = match *title {
                    "Alerts" => {
                        let new = v.alerts.iter().filter(|a| a.new).count();
                        if new > 0 {
                            format!(" · {new} new")
                        } else {
                            String::new()
                        }
                    }
                    "Running" => String::new(),
                    _ => format!(" · last {}", text::span(app.settings.activity.recent)),
                };
                lines.push(Line::from(Span::styled(
                    format!("{title} ({n}){extra}"),
                    theme.section,
                )));
                continue;
            }
            ActivityLine::Alert(i) => match v.alerts.get(*i) {
                Some(a) => (a.run_id.as_str(), Some(a)),
                None => continue,
            },
            ActivityLine::Run(id) => (id.as_str(), None),
        };
        let Some(run) = app.index.run(run_id) else {
            lines.push(Line::from(Span::styled(
                format!("  {} (no longer in the store)", text::cut(run_id, 32)),
                theme.dim,
            )));
            continue;
        };
        let stalled = app.is_stalled(run, now);
        // When: the last metric of a running run, the end of others, the alert's time.
        let (when, note, note_style) = match alert {
            Some(a) => {
                let style = if a.new { theme.alert } else { theme.error };
                let mark = if a.new { "● " } else { "" };
                let text = match &a.kind {
                    AlertKind::Stalled { since } => {
                        format!("{mark}stalled since {}", time.ago(*since, now))
                    }
                    _ => format!("{mark}{}", a.text()),
                };
                (time.ago(a.at, now), text, style)
            }
            None if run.status == RunStatus::Running => {
                let last = crate::tui::app::activity_last(run);
                let when = last.map_or("-".into(), |t| time.ago(t, now));
                if stalled {
                    (when, "⚠ stalled".to_string(), theme.alert)
                } else {
                    (when, "last metric".to_string(), theme.dim)
                }
            }
            None => (
                run.end_time
                    .or(run.start_time)
                    .map_or("-".into(), |t| time.ago(t, now)),
                run.duration_ms(now).map_or(String::new(), |d| {
                    format!("took {}", text::duration_compact(d))
                }),
                theme.dim,
            ),
        };
        let row = if selected { theme.cursor } else { theme.base };
        lines.push(Line::from(vec![
            Span::styled("  ", row),
            Span::styled(fit(&run.run_name, name_w, false), row),
            Span::styled(" ", row),
            Span::styled(
                fit(experiment_name(app, run), EXP_W, false),
                theme.dim.patch(row),
            ),
            Span::styled(" ", row),
            Span::styled(
                fit(run.status.as_str(), STATUS_W, false),
                theme.status(run.status).patch(row),
            ),
            Span::styled(" ", row),
            Span::styled(fit(&when, WHEN_W, true), row),
            Span::styled(" ", row),
            Span::styled(fit(&note, note_w, false), note_style.patch(row)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
    let shown = v.lines.len().saturating_sub(start).min(height);
    super::row_targets(app, area, area.y, start, shown, Target::ActivityLine);
}
