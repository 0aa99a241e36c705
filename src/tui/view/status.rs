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
        Screen::Runs if app.groups.is_some() => {
            let by: Vec<String> = app
                .groups
                .iter()
                .flat_map(|g| g.by.iter().map(|c| c.name().into_owned()))
                .collect();
            format!("Groups · {} · by {}", app.runs.title, by.join(", "))
        }
        Screen::Runs => format!("Runs · {}", app.runs.title),
        Screen::Detail => {
            let name = app
                .detail_run
                .as_deref()
                .and_then(|id| app.index.run(id))
                .map(|r| r.run_name.clone());
            format!("Runs · {} · {}", app.runs.title, name.unwrap_or_default())
        }
        Screen::Compare => format!("Compare · {} runs", app.compare.run_ids.len()),
        Screen::Chart if !app.chart.groups.is_empty() => format!(
            "Charts · {} groups · {} runs",
            app.chart.groups.len(),
            app.chart.run_ids.len()
        ),
        Screen::Chart => format!("Charts · {} runs", app.chart.run_ids.len()),
        Screen::Scatter => "Scatter".to_string(),
        Screen::Parallel => "Parallel coordinates".to_string(),
        Screen::Importance => "Parameter importance".to_string(),
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
    if let Some((done, total, what)) = app.aggs.progress() {
        spans.push(Span::styled(
            format!("  ⋯ computing {} {done}/{total} runs", text::sanitize(what)),
            theme.key,
        ));
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
                let what = match (app.screen(), app.groups.is_some(), app.export_group_runs) {
                    (Screen::Runs, true, true) => " (one row per run)",
                    (Screen::Runs, true, false) => " (one row per group)",
                    _ => "",
                };
                format!("export {}{what} to: ", format.extension().to_uppercase())
            }
            PromptKind::Sweep(which) => which.label().to_string(),
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
            PromptKind::Export { .. } | PromptKind::Sweep(_) => {}
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
        Screen::Runs if app.groups.is_some() => {
            let g = app.groups.as_ref().map_or(0, |g| g.groups.len());
            let v = &app.runs;
            let mut s = format!(
                "{g} groups of {} runs · {} marked",
                v.rows.len(),
                v.marks.len()
            );
            if let Some((c, desc)) = app.groups.as_ref().and_then(|g| g.sort.clone()) {
                let name = match c {
                    crate::tui::app::GroupCol::Runs => "runs".to_string(),
                    other => other
                        .column()
                        .map(|c| c.label().into_owned())
                        .unwrap_or_default(),
                };
                s.push_str(&format!(" · sort {name}{}", if desc { "▼" } else { "▲" }));
            }
            if let Some((q, _)) = &v.query {
                s.push_str(&format!(" · search [{q}]"));
            }
            s
        }
        Screen::Scatter | Screen::Parallel | Screen::Importance => {
            format!("{} runs shown in the table", app.runs.rows.len())
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
        Screen::Compare => {
            let v = &app.compare;
            let mut s = format!("{} runs", v.run_ids.len());
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
