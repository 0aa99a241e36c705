//! The header (where you are, loading progress), the status line (counts, messages,
//! prompts) and the footer (the keys that matter here, from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text;
use crate::tui::app::{App, PromptKind, Screen};
use crate::tui::keymap;
use crate::tui::theme::Theme;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let crumb = match app.screen() {
        Screen::Experiments => "Experiments".to_string(),
        Screen::Runs => format!("Runs · {}", app.runs.title),
        Screen::Detail => {
            let run = app.detail_run.as_deref().and_then(|id| app.index.run(id));
            let name = run.map(|r| r.run_name.clone()).unwrap_or_default();
            if app.stack.contains(&Screen::Runs) {
                format!("Runs · {} · {name}", app.runs.title)
            } else {
                // Opened from a model version: name the experiment instead.
                let exp = run
                    .and_then(|r| app.index.experiment(&r.experiment_id))
                    .map(|e| e.name.clone())
                    .unwrap_or_default();
                format!("Run · {exp} · {name}")
            }
        }
        Screen::Compare if app.compare.items.is_some() => {
            format!("Compare · {} models", app.compare.run_ids.len())
        }
        Screen::Compare => format!("Compare · {} runs", app.compare.run_ids.len()),
        Screen::Chart => format!("Charts · {} runs", app.chart.run_ids.len()),
        Screen::Models if app.models.prompts => "Prompts".to_string(),
        Screen::Models => "Models".to_string(),
        Screen::Versions => format!("Models · {}", app.models.model),
        Screen::LoggedModels => format!("Logged models · {}", app.logged.title),
        Screen::ModelDetail => {
            let name = app
                .logged
                .detail
                .as_deref()
                .and_then(|id| app.logged.model(id))
                .map(|m| m.name.clone());
            format!("Logged model · {}", name.unwrap_or_default())
        }
        Screen::Artifacts | Screen::Pager => format!("Artifacts · {}", app.artifacts.title),
    };
    let mut spans = vec![
        Span::styled(" mltui ", theme.title),
        Span::styled(text::sanitize(&crumb).into_owned(), theme.title),
        Span::styled(format!("  {}", text::sanitize(&app.source)), theme.dim),
    ];
    if app.load.done {
        if let Some(interval) = app.live.interval {
            let (text, style) = if app.live.paused {
                ("  ⏸ paused".to_string(), theme.dim)
            } else if let Some(e) = &app.live.error {
                (
                    format!("  ✗ refresh failed: {}", text::sanitize(e)),
                    theme.error,
                )
            } else {
                let at = app
                    .live
                    .last
                    .map(|t| text::time_iso(t)[11..19].to_string())
                    .unwrap_or_default();
                (format!("  ● live {interval}s {at}"), theme.ok)
            };
            spans.push(Span::styled(text, style));
        }
    }
    if !app.load.done {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        let what = if app.load.experiments_loaded {
            format!("  {spin} loading runs… {}", app.load.runs_loaded)
        } else {
            format!("  {spin} loading experiments…")
        };
        spans.push(Span::styled(what, theme.key));
    }
    frame.render_widget(Line::from(spans), area);
}

pub fn status_line(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if let Some(prompt) = &app.prompt {
        let label = match &prompt.kind {
            PromptKind::Filter { .. } => "filter: ".to_string(),
            PromptKind::Query { .. } => "search: ".to_string(),
            PromptKind::Export { format } => {
                format!("export {} to: ", format.extension().to_uppercase())
            }
            PromptKind::SaveArtifact => "save to: ".to_string(),
        };
        let mut spans = vec![
            Span::styled(label, theme.key),
            Span::raw(text::sanitize(&prompt.text).into_owned()),
            Span::styled("█", theme.dim),
        ];
        match &prompt.kind {
            PromptKind::Filter { .. } => {
                spans.push(Span::styled(format!("   {}", counts(app)), theme.dim))
            }
            PromptKind::Query { error: Some(e), .. } => {
                spans.push(Span::styled(
                    format!("   ✗ {}", text::sanitize(&e.to_string())),
                    theme.error,
                ));
            }
            PromptKind::Query { error: None, .. } => {
                spans.push(Span::styled(
                    format!("   ✓ {} match", app.runs.rows.len()),
                    theme.ok,
                ));
            }
            PromptKind::Export { .. } | PromptKind::SaveArtifact => {}
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).style(theme.status_bar),
            area,
        );
        return;
    }
    let line = match &app.message {
        Some(m) => Line::from(Span::styled(
            format!(" {}", text::sanitize(&m.text)),
            if m.error { theme.error } else { theme.ok },
        )),
        None => Line::from(Span::raw(format!(" {}", counts(app)))),
    };
    frame.render_widget(Paragraph::new(line).style(theme.status_bar), area);
}

/// Counts for the status line: shown, filtered out, marked, sort and toggles.
fn counts(app: &App) -> String {
    text::sanitize(&raw_counts(app)).into_owned()
}

fn raw_counts(app: &App) -> String {
    match app.screen() {
        Screen::Experiments => {
            let v = &app.experiments;
            let mut s = format!("{} experiments · sort: {}", v.rows.len(), v.sort.label());
            if !v.filter.is_empty() {
                s.push_str(&format!(" · filter \"{}\"", v.filter));
            }
            if !v.marks.is_empty() {
                s.push_str(&format!(" · {} marked", v.marks.len()));
            }
            if v.show_deleted {
                s.push_str(" · incl. deleted");
            }
            s
        }
        Screen::Detail if !app.stack.contains(&Screen::Runs) => {
            let id = app.detail_run.clone().unwrap_or_default();
            format!("run {id} · a: its artifacts and models")
        }
        Screen::Runs | Screen::Detail => {
            let v = &app.runs;
            let mut s = format!("{} shown", v.rows.len());
            if v.filtered_out > 0 {
                s.push_str(&format!(" · {} filtered out", v.filtered_out));
            }
            s.push_str(&format!(" · {} marked", v.marks.len()));
            if !v.filter.is_empty() {
                s.push_str(&format!(" · filter \"{}\"", v.filter));
            }
            if let Some((q, _)) = &v.query {
                s.push_str(&format!(" · search [{q}]"));
            }
            if !v.sort.is_empty() {
                let keys: Vec<String> = v
                    .sort
                    .iter()
                    .map(|k| {
                        format!(
                            "{}{}",
                            k.column.label(),
                            if k.descending { "▼" } else { "▲" }
                        )
                    })
                    .collect();
                s.push_str(&format!(" · sort {}", keys.join(", ")));
            }
            if v.diff_only {
                s.push_str(&format!(" · diff only ({} equal hidden)", v.equal_hidden));
            }
            if v.show_deleted {
                s.push_str(" · incl. deleted");
            }
            s
        }
        Screen::Chart => {
            let v = &app.chart;
            let mut s = format!("{} metrics · {} runs", v.keys.len(), v.run_ids.len());
            if !v.search.is_empty() {
                s.push_str(&format!(" · search \"{}\"", v.search));
            }
            if v.grid {
                s.push_str(" · grid");
            }
            s
        }
        Screen::Models | Screen::Versions => super::models::counts(app),
        Screen::LoggedModels | Screen::ModelDetail => super::logged_models::counts(app),
        Screen::Artifacts | Screen::Pager => super::artifacts::counts(app),
        Screen::Compare => {
            let v = &app.compare;
            let what = if v.items.is_some() { "models" } else { "runs" };
            let mut s = format!("{} {what}", v.run_ids.len());
            if v.diff_only {
                s.push_str(" · diff only");
            }
            if let Some(b) = v.baseline {
                let name = v
                    .run_ids
                    .get(b)
                    .and_then(|id| app.index.run(id))
                    .map(|r| r.run_name.clone());
                s.push_str(&format!(" · baseline {}", name.unwrap_or_default()));
            }
            s
        }
    }
}

pub fn footer(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    // Entries that do not fit are dropped whole; help and quit (listed last) always stay.
    let entries = keymap::footer(app.context());
    let width = |(k, l): &(String, &str)| text::width(k) + text::width(l) + 3;
    let tail = entries.len().saturating_sub(2);
    let reserved: usize = entries[tail..].iter().map(width).sum();
    let mut budget = (area.width as usize).saturating_sub(reserved);
    let mut spans = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let w = width(entry);
        if i < tail {
            if w > budget {
                continue;
            }
            budget -= w;
        }
        spans.push(Span::styled(format!(" {}", entry.0), theme.key));
        spans.push(Span::styled(format!(" {} ", entry.1), theme.dim));
    }
    frame.render_widget(Line::from(spans), area);
}
