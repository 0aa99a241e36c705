//! The header (where you are, the source, and the live state, which always stays visible),
//! the status line (counts, messages, prompts that edit like a shell, with errors wrapped
//! below them) and the footer (the keys that matter here, from the keymap).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::text;
use crate::tui::app::{App, LineEdit, PromptKind, Screen, Target};
use crate::tui::theme::Theme;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// The live state for the header: text and whether it is an error.
fn state(app: &App) -> Option<(String, bool)> {
    if !app.load.done {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        return Some(if app.load.experiments_loaded {
            (
                format!("{spin} loading runs… {}", app.load.runs_loaded),
                false,
            )
        } else {
            (format!("{spin} loading experiments…"), false)
        });
    }
    if let Some((done, total, what)) = app.aggs.progress() {
        return Some((
            format!("⋯ computing {} {done}/{total} runs", text::sanitize(what)),
            false,
        ));
    }
    if let Some(e) = &app.live.error {
        return Some((format!("✗ refresh failed: {}", text::sanitize(e)), true));
    }
    if let Some(e) = &app.load.error {
        return Some((format!("✗ load failed: {}", text::sanitize(e)), true));
    }
    let interval = app.live.interval?;
    Some(if app.live.paused {
        ("⏸ paused".to_string(), false)
    } else {
        let at = app
            .live
            .last
            .map(|t| app.settings.time.clock(t))
            .unwrap_or_default();
        let how = if app.live.watching {
            "(watching)".to_string()
        } else {
            format!("{interval}s")
        };
        (format!("● live {how} {at}"), false)
    })
}

/// `kind path` with the path cut from the left to `max` cells: `SQLite …/demo/mlflow.db`.
fn short_source(source: &str, max: usize) -> String {
    if text::width(source) <= max {
        return source.to_string();
    }
    let (kind, path) = source.split_once(' ').unwrap_or(("", source));
    let budget = max.saturating_sub(text::width(kind) + 1);
    let parts: Vec<&str> = path.split('/').collect();
    for skip in 1..parts.len() {
        let tail = format!("…/{}", parts[skip..].join("/"));
        if text::width(&tail) <= budget {
            return if kind.is_empty() {
                tail
            } else {
                format!("{kind} {tail}")
            };
        }
    }
    String::new()
}

/// The breadcrumb of the screen: parts, each with the stack depth a click goes back to
/// (`None`: the screen itself).
fn crumb_parts(app: &App) -> Vec<(String, Option<usize>)> {
    let runs_depth = app.stack.iter().position(|s| *s == Screen::Runs);
    let runs = format!("Runs · {}", text::cut(&app.runs.title, 200));
    match app.screen() {
        Screen::Experiments => vec![("Experiments".into(), None)],
        Screen::Runs if app.groups.is_some() => {
            let by: Vec<String> = app
                .groups
                .iter()
                .flat_map(|g| g.by.iter().map(|c| c.name().into_owned()))
                .collect();
            vec![(
                format!(
                    "Groups · {} · by {}",
                    text::cut(&app.runs.title, 200),
                    by.join(", ")
                ),
                None,
            )]
        }
        Screen::Runs => vec![(runs, None)],
        Screen::Detail => {
            let run = app.index.run(&app.detail.run_id);
            let name = text::cut(run.map(|r| r.run_name.as_str()).unwrap_or_default(), 200);
            if app.stack.contains(&Screen::Runs) {
                vec![
                    (runs, runs_depth),
                    (" · ".into(), None),
                    (name.into_owned(), None),
                ]
            } else {
                // Opened from a model version: name the experiment instead.
                let exp = run
                    .and_then(|r| app.index.experiment(&r.experiment_id))
                    .map(|e| e.name.as_str())
                    .unwrap_or_default();
                vec![(format!("Run · {} · {name}", text::cut(exp, 200)), None)]
            }
        }
        Screen::Compare => {
            let what = if app.compare.items.is_some() {
                text::count(app.compare.run_ids.len(), "model", "models")
            } else {
                text::count(app.compare.run_ids.len(), "run", "runs")
            };
            vec![(format!("Compare · {what}"), None)]
        }
        Screen::Chart if !app.chart.groups.is_empty() => vec![(
            format!(
                "Charts · {} · {}",
                text::count(app.chart.groups.len(), "group", "groups"),
                text::count(app.chart.run_ids.len(), "run", "runs")
            ),
            None,
        )],
        Screen::Chart => vec![(
            format!(
                "Charts · {}",
                text::count(app.chart.run_ids.len(), "run", "runs")
            ),
            None,
        )],
        Screen::Scatter => vec![("Scatter".into(), None)],
        Screen::Parallel => vec![("Parallel coordinates".into(), None)],
        Screen::Importance => vec![("Parameter importance".into(), None)],
        Screen::Activity => vec![("Activity · every experiment".into(), None)],
        Screen::Models if app.models.prompts => vec![("Prompts".into(), None)],
        Screen::Models => vec![("Models".into(), None)],
        Screen::Versions => vec![(format!("Models · {}", app.models.model), None)],
        Screen::LoggedModels => vec![(format!("Logged models · {}", app.logged.title), None)],
        Screen::ModelDetail => {
            let name = app
                .logged
                .detail
                .as_deref()
                .and_then(|id| app.logged.model(id))
                .map(|m| m.name.clone());
            vec![(format!("Logged model · {}", name.unwrap_or_default()), None)]
        }
        Screen::Artifacts | Screen::File => {
            vec![(format!("Artifacts · {}", app.artifacts.title), None)]
        }
    }
}

pub fn header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let parts = crumb_parts(app);
    let crumb: String = parts.iter().map(|(p, _)| p.as_str()).collect();
    let width = area.width as usize;
    // Unread alerts show on every screen, before the live state.
    let unread = app.activity.unread();
    let badge = (unread > 0).then(|| format!(" ⚑ {unread} "));
    let badge_w = badge.as_ref().map_or(0, |b| text::width(b));
    // The state always shows: it gets up to half the width (an error is cut, its start
    // stays); the crumb comes next; the source takes what is left, cut from the left.
    let state = state(app);
    let state_w = state
        .as_ref()
        .map_or(0, |(s, _)| text::width(s).min(width / 2) + 2);
    let left_room = width.saturating_sub(state_w + badge_w);
    let crumb = text::cut(&crumb, left_room.saturating_sub(7).max(1)).into_owned();
    let used = 7 + text::width(&crumb);
    let source = short_source(
        &text::sanitize(&app.source),
        left_room.saturating_sub(used + 2),
    );
    let mut spans = vec![
        Span::styled(" mltui ", theme.title),
        Span::styled(crumb.clone(), theme.title),
    ];
    if !source.is_empty() {
        spans.push(Span::styled(format!("  {source}"), theme.dim));
    }
    frame.render_widget(Line::from(spans), area);
    // Clicks on the breadcrumb go back: "mltui" to the first screen, a part naming an
    // earlier screen to it.
    if app.stack.len() > 1 {
        super::target(
            app,
            Rect {
                width: 7.min(area.width),
                height: 1,
                ..area
            },
            Target::Crumb(0),
        );
    }
    let mut x = area.x + 7;
    let shown_w = text::width(&crumb);
    let mut left = shown_w;
    for (part, depth) in &parts {
        let w = text::width(part).min(left);
        if let Some(d) = depth {
            super::target(
                app,
                Rect {
                    x,
                    y: area.y,
                    width: w as u16,
                    height: 1,
                },
                Target::Crumb(*d),
            );
        }
        x = x.saturating_add(w as u16);
        left -= w;
    }
    let mut right = area.x + area.width;
    if let Some((s, error)) = state {
        let s = text::cut(&s, state_w.saturating_sub(2)).into_owned();
        let style = if error {
            theme.error
        } else if app.load.done && !app.live.paused {
            theme.ok
        } else {
            theme.key
        };
        let w = text::width(&s) as u16 + 1;
        right = right.saturating_sub(w).max(area.x);
        frame.render_widget(
            Span::styled(format!("{s} "), style),
            Rect {
                x: right,
                y: area.y,
                width: w.min(area.width),
                height: 1,
            },
        );
    }
    if let Some(b) = badge {
        let w = (text::width(&b) as u16).min(right.saturating_sub(area.x));
        let x = right.saturating_sub(w + 1).max(area.x);
        let rect = Rect {
            x,
            y: area.y,
            width: w,
            height: 1,
        };
        frame.render_widget(Span::styled(b, theme.alert), rect);
        super::target(app, rect, Target::AlertBadge);
    }
}

/// The prompt's label, and the note after it (count, error or warning).
fn prompt_parts(app: &App) -> Option<(String, Option<(String, bool)>)> {
    let prompt = app.prompt.as_ref()?;
    let label = match &prompt.kind {
        PromptKind::Filter { .. } => match app.screen() {
            Screen::Compare => "filter keys: ".to_string(),
            Screen::Chart => "search metrics: ".to_string(),
            _ => "filter: ".to_string(),
        },
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
        PromptKind::SaveArtifact => "save to: ".to_string(),
        PromptKind::ViewName => "save view as: ".to_string(),
    };
    let note = match &prompt.kind {
        PromptKind::Filter { .. } => Some((counts(app), false)),
        PromptKind::Query { error: Some(e), .. } => {
            Some((format!("✗ {}", text::sanitize(&e.to_string())), true))
        }
        PromptKind::Query {
            warning: Some(w), ..
        } => Some((
            format!(
                "{} · {}",
                text::count(app.runs.rows.len(), "match", "matches"),
                text::sanitize(w)
            ),
            true,
        )),
        PromptKind::Query { .. } => Some((
            format!("✓ {}", text::count(app.runs.rows.len(), "match", "matches")),
            false,
        )),
        PromptKind::Export { .. } | PromptKind::SaveArtifact => None,
        // Why the last try was refused (an unknown column), while the prompt stays open.
        PromptKind::Sweep(_) => app
            .message
            .as_ref()
            .filter(|m| m.error)
            .map(|m| (text::sanitize(&m.text).into_owned(), true)),
        PromptKind::ViewName => {
            let n = app.views.file.named.len();
            let what = if app.groups.is_some() {
                "columns, sort, filters, pins, groups"
            } else {
                "columns, sort, filters, pins"
            };
            Some((
                format!("{what}; {} saved", text::count(n, "view", "views")),
                false,
            ))
        }
    };
    Some((label, note))
}

/// The note of a prompt shown under it, wrapped at `width` (when it does not fit after it).
fn note_below(note: &str, style: ratatui::style::Style) -> Paragraph<'static> {
    Paragraph::new(Line::from(Span::styled(format!("  {note}"), style))).wrap(Wrap { trim: false })
}

/// Lines the status area needs at `width`: one, or more for a prompt whose error or
/// warning does not fit after it (at most five).
pub fn height(app: &App, width: u16) -> u16 {
    let Some((label, Some((note, _)))) = prompt_parts(app) else {
        return 1;
    };
    let text_w = app.prompt.as_ref().map_or(0, |p| text::width(p.text()));
    if text::width(&label) + text_w + 4 + text::width(&note) <= width as usize {
        return 1;
    }
    let below = note_below(&note, ratatui::style::Style::default()).line_count(width.max(10));
    (1 + below).min(5) as u16
}

/// The text of a line edit in `width` cells with its cursor, scrolled to keep the cursor
/// in view.
pub fn edit_spans(edit: &LineEdit, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let text = edit.text();
    let (before, after) = text.split_at(edit.cursor());
    let mut chars = after.chars();
    let at = chars.next();
    let rest: String = chars.collect();
    let before = text::sanitize(before).into_owned();
    let at = at.map_or(" ".to_string(), |c| {
        text::sanitize(&c.to_string()).into_owned()
    });
    let width = width.max(4);
    // Keep the cursor visible: drop the start of the text (marked with …) when needed.
    let room = width.saturating_sub(text::width(&at) + 1);
    let before = if text::width(&before) > room {
        let mut cut = String::from("…");
        let skip = text::width(&before) - room.saturating_sub(1);
        let mut dropped = 0;
        for c in before.chars() {
            if dropped < skip {
                dropped += text::width(&c.to_string());
                continue;
            }
            cut.push(c);
        }
        cut
    } else {
        before
    };
    let left = width.saturating_sub(text::width(&before) + text::width(&at));
    let rest = text::cut(&rest, left).into_owned();
    vec![
        Span::raw(before),
        Span::styled(at, theme.cursor_cell),
        Span::raw(rest),
    ]
}

pub fn status_line(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if let (Some(prompt), Some((label, note))) = (&app.prompt, prompt_parts(app)) {
        let width = area.width as usize;
        let one_line = area.height <= 1;
        let note_w = note.as_ref().map_or(0, |(n, _)| text::width(n) + 3);
        let field = if one_line {
            width.saturating_sub(text::width(&label) + note_w.min(width / 3) + 1)
        } else {
            width.saturating_sub(text::width(&label) + 1)
        };
        let mut spans = vec![Span::styled(label, theme.key)];
        spans.extend(edit_spans(&prompt.edit, field, theme));
        let first = Rect { height: 1, ..area };
        let rest = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        if let Some((n, error)) = note {
            let style = if error { theme.error } else { theme.dim };
            if one_line {
                spans.push(Span::styled(format!("   {n}"), style));
            } else {
                frame.render_widget(note_below(&n, style).style(theme.status_bar), rest);
            }
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).style(theme.status_bar),
            first,
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
        Screen::Runs if app.groups.is_some() => {
            let g = app.groups.as_ref().map_or(0, |g| g.groups.len());
            let v = &app.runs;
            let mut s = format!(
                "{} of {} · {} marked",
                text::count(g, "group", "groups"),
                text::count(v.rows.len(), "run", "runs"),
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
        Screen::Scatter | Screen::Parallel | Screen::Importance => format!(
            "{} shown in the run table",
            text::count(app.runs.rows.len(), "run", "runs")
        ),
        Screen::Experiments => {
            let v = &app.experiments;
            let mut s = format!(
                "{} · sort: {}",
                text::count(v.rows.len(), "experiment", "experiments"),
                v.sort.label()
            );
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
            let id = &app.detail.run_id;
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
                s.push_str(&format!(
                    " · diff only ({} hidden)",
                    text::count(v.equal_hidden, "equal column", "equal columns")
                ));
            }
            if v.show_deleted {
                s.push_str(" · incl. deleted");
            }
            let pinned = v.pins.len();
            if pinned > 0 {
                s.push_str(&format!(" · {pinned} pinned"));
            }
            if v.show_hidden && !v.hidden.is_empty() {
                s.push_str(&format!(" · {} hidden shown", v.hidden.len()));
            } else if v.hidden_out > 0 {
                s.push_str(&format!(" · {} hidden", v.hidden_out));
            }
            s
        }
        Screen::Activity => {
            let v = &app.activity;
            let running = app
                .index
                .runs()
                .iter()
                .filter(|r| r.status == crate::model::RunStatus::Running)
                .count();
            let stalled = app
                .index
                .runs()
                .iter()
                .filter(|r| app.is_stalled(r, app.now_ms))
                .count();
            let mut s = format!("{running} running");
            if stalled > 0 {
                s.push_str(&format!(" · {stalled} stalled"));
            }
            s.push_str(&format!(
                " · {} · stalled after {} without a metric",
                text::count(v.alerts.len(), "alert", "alerts"),
                text::span(app.settings.activity.stalled_after)
            ));
            s
        }
        Screen::Chart => {
            let v = &app.chart;
            let mut s = format!(
                "{} · {}",
                text::count(v.keys.len(), "metric", "metrics"),
                text::count(v.run_ids.len(), "run", "runs")
            );
            if !v.hidden.is_empty() {
                s.push_str(&format!(" ({} hidden)", v.hidden.len()));
            }
            if !v.search.is_empty() {
                s.push_str(&format!(" · search \"{}\"", v.search));
            }
            if v.grid {
                if v.pinned.is_empty() {
                    s.push_str(" · grid");
                } else {
                    s.push_str(&format!(" · grid of {} pinned", v.pinned.len()));
                }
            }
            s
        }
        Screen::Models | Screen::Versions => super::models::counts(app),
        Screen::LoggedModels | Screen::ModelDetail => super::logged_models::counts(app),
        Screen::Artifacts | Screen::File => super::artifacts::counts(app),
        Screen::Compare => {
            let v = &app.compare;
            let mut s = app.compare_page_label();
            if v.diff_only {
                s.push_str(" · diff only");
            }
            if !v.filter.is_empty() {
                s.push_str(&format!(" · keys \"{}\"", v.filter));
            }
            if let Some(b) = v.baseline {
                let name = v
                    .run_ids
                    .get(b)
                    .and_then(|id| app.index.run(id))
                    .map(|r| text::cut(&r.run_name, 60).into_owned());
                s.push_str(&format!(" · baseline {}", name.unwrap_or_default()));
            }
            s
        }
    }
}

pub fn footer(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    // Entries that do not fit are dropped whole; help and back/quit (listed last) stay.
    let entries = app.keymap().footer(app.context());
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
