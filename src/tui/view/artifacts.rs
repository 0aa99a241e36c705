//! The artifact browser (the tree on the left, the preview of the file under the cursor on
//! the right, where the artifacts were found on top) and the full-screen pager. Every name
//! and every line of a file is escaped before it is drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{empty_hint, fit, scroll_to};
use crate::preview::{Preview, human_size};
use crate::text;
use crate::tui::app::{App, Loadable, Node, PreviewSlot, Target};
use crate::tui::fetch::RootState;
use crate::tui::theme::Theme;

fn s(t: &str) -> String {
    text::sanitize(t).into_owned()
}

/// `12 files · 3.1 MiB` for a folder.
fn folder_totals(n: &Node) -> String {
    format!(
        "{} file{} · {}",
        n.files,
        if n.files == 1 { "" } else { "s" },
        human_size(n.bytes)
    )
}

/// Where the artifacts of the root under the cursor are, or why they cannot be read.
fn location_line(app: &App) -> (String, bool) {
    let v = &app.artifacts;
    let root = v.current().map_or(0, |n| n.root);
    let Some(r) = v.roots.get(root) else {
        return (String::new(), false);
    };
    match &r.state {
        None => ("locating the artifacts…".into(), false),
        Some(RootState::Ready { location }) => {
            let walking = if r.walking { " · listing…" } else { "" };
            let err = r
                .error
                .as_deref()
                .map(|e| format!(" · some folders unreadable: {e}"))
                .unwrap_or_default();
            (format!("{location}{walking}{err}"), r.error.is_some())
        }
        Some(RootState::Note(note)) => (note.clone(), true),
        Some(RootState::Failed(e)) => (format!("cannot read: {e}"), true),
    }
}

fn tree_line(n: &Node, app: &App, width: usize, theme: &Theme) -> Line<'static> {
    let indent = "  ".repeat(n.depth as usize);
    let v = &app.artifacts;
    if n.parent.is_none() {
        let r = &v.roots[n.root];
        let glyph = if n.expanded { "▾ " } else { "▸ " };
        let right = match &r.state {
            None => "…".to_string(),
            Some(RootState::Ready { .. }) => {
                let more = if r.walking { "+" } else { "" };
                format!("{}{more}", folder_totals(n))
            }
            Some(_) => "not readable".into(),
        };
        let left = format!("{glyph}{}", s(&r.label));
        let room = width.saturating_sub(text::width(&right) + 1);
        return Line::from(vec![
            Span::styled(fit(&left, room, false), theme.section),
            Span::raw(" "),
            Span::styled(right, theme.dim),
        ]);
    }
    let (glyph, right) = if n.is_dir {
        (if n.expanded { "▾ " } else { "▸ " }, folder_totals(n))
    } else if n.link.is_some() {
        ("↪ ", "link, not followed".to_string())
    } else {
        ("  ", n.size.map_or("-".into(), human_size))
    };
    let name = if n.is_dir {
        format!("{}/", s(&n.name))
    } else {
        s(&n.name)
    };
    let left = format!("{indent}{glyph}{name}");
    let room = width.saturating_sub(text::width(&right) + 1);
    let style = if n.link.is_some() {
        theme.failed
    } else {
        theme.base
    };
    Line::from(vec![
        Span::styled(fit(&left, room, false), style),
        Span::raw(" "),
        Span::styled(right, theme.dim),
    ])
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.artifacts;
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let (loc, bad) = location_line(app);
    frame.render_widget(
        Line::from(Span::styled(
            fit(&s(&loc), top.width as usize, false),
            if bad { theme.error } else { theme.dim },
        )),
        top,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let height = left.height as usize;
    app.viewport.table_rows.set(height);
    if v.rows.is_empty() {
        empty_hint(frame, left, "no artifacts", theme);
    } else {
        let start = scroll_to(&app.viewport.tree_offset, v.cursor, height, v.rows.len());
        let width = left.width.saturating_sub(1) as usize;
        let lines: Vec<Line<'_>> = v
            .rows
            .iter()
            .enumerate()
            .skip(start)
            .take(height)
            .map(|(pos, &i)| {
                let line = tree_line(&v.nodes[i], app, width, theme);
                if pos == v.cursor {
                    line.patch_style(theme.cursor)
                } else {
                    line
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), left);
        let count = v.rows.len() - start;
        super::row_targets(app, left, left.y, start, count, Target::ListRow);
    }
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(theme.dim);
    let inner = block.inner(right);
    frame.render_widget(block, right);
    let lines = match v.current() {
        Some(n) if n.is_dir => folder_lines(n, app, theme),
        Some(n) if n.link.is_some() => vec![
            Line::from(Span::styled(s(&n.path), theme.title)),
            Line::from(format!(
                "a symbolic link to {}, outside the artifact folder (or nowhere): not followed",
                s(n.link.as_deref().unwrap_or_default())
            )),
        ],
        Some(_) => preview_lines(v.preview.as_ref(), theme, inner.height as usize, 0),
        None => Vec::new(),
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

fn folder_lines(n: &Node, app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let r = &app.artifacts.roots[n.root];
    let name = if n.parent.is_none() {
        r.label.clone()
    } else {
        format!("{}/", n.path)
    };
    let mut out = vec![Line::from(Span::styled(s(&name), theme.title))];
    let walking = if r.walking { " (still listing)" } else { "" };
    out.push(Line::from(format!(
        "folder · {} entries · {}{walking}",
        n.children.len(),
        folder_totals(n)
    )));
    if n.parent.is_none() {
        if let Some(RootState::Note(note) | RootState::Failed(note)) = &r.state {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled(s(note), theme.error)));
        }
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "Enter opens or closes it; on a file, Enter shows it full screen and w saves it",
        theme.dim,
    )));
    out
}

/// The lines of a preview: title, size, summary, content (from line `skip`).
fn preview_lines(
    slot: Option<&PreviewSlot>,
    theme: &Theme,
    height: usize,
    skip: usize,
) -> Vec<Line<'static>> {
    let Some(slot) = slot else {
        return Vec::new();
    };
    let mut out = vec![Line::from(Span::styled(s(&slot.path), theme.title))];
    match &slot.content {
        Loadable::NotAsked | Loadable::Loading => {
            out.push(Line::from(Span::styled("reading…", theme.dim)))
        }
        Loadable::Failed(e) => out.push(Line::from(Span::styled(s(e), theme.error))),
        Loadable::Ready(p) => {
            out.extend(preview_head(p, theme));
            out.extend(
                p.lines()
                    .into_iter()
                    .skip(skip)
                    .take(height)
                    .map(|l| Line::from(s(&l))),
            );
        }
    }
    out
}

/// Kind, size (and "truncated"), and the summary of a preview.
fn preview_head(p: &Preview, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        format!("{} · {}", s(&p.kind), p.size_note()),
        if p.truncated {
            theme.differs
        } else {
            theme.dim
        },
    ))];
    let kw = p
        .summary
        .iter()
        .map(|(k, _)| text::width(k))
        .max()
        .unwrap_or(0)
        .min(22);
    for (k, val) in &p.summary {
        out.push(Line::from(vec![
            Span::styled(text::pad(&s(k), kw, false), theme.key),
            Span::raw(format!("  {}", s(val))),
        ]));
    }
    if !p.summary.is_empty() || matches!(p.body, crate::preview::Body::Binary) {
        out.push(Line::from(""));
    }
    if matches!(p.body, crate::preview::Body::Binary) {
        out.push(Line::from(Span::styled(
            "not text: nothing to show (w saves it)",
            theme.dim,
        )));
    }
    out
}

/// The pager: one file, full screen, scrolled both ways.
pub fn draw_file(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.artifacts;
    let Some(slot) = v.preview.as_ref() else {
        empty_hint(frame, area, "no file", theme);
        return;
    };
    let mut head = vec![Line::from(Span::styled(s(&slot.path), theme.title))];
    let body: Vec<String> = match &slot.content {
        Loadable::Ready(p) => {
            head.extend(preview_head(p, theme));
            p.lines()
        }
        Loadable::Failed(e) => {
            head.push(Line::from(Span::styled(s(e), theme.error)));
            Vec::new()
        }
        _ => {
            head.push(Line::from(Span::styled("reading…", theme.dim)));
            Vec::new()
        }
    };
    let height = (area.height as usize).saturating_sub(head.len());
    app.viewport.table_rows.set(height.max(1));
    let max = body.len().saturating_sub(height);
    let scroll = v.pager_scroll.min(max);
    let hs = v.pager_hscroll;
    let mut lines = head;
    lines.extend(body.iter().skip(scroll).take(height).map(|l| {
        let shown: String = s(l).chars().skip(hs).collect();
        Line::from(shown)
    }));
    frame.render_widget(Paragraph::new(lines), area);
}

/// The status line of the browser and pager.
pub fn counts(app: &App) -> String {
    let v = &app.artifacts;
    let files: u64 = v.roots.iter().map(|r| v.nodes[r.node].files).sum();
    let bytes: u64 = v.roots.iter().map(|r| v.nodes[r.node].bytes).sum();
    let walking = v.roots.iter().any(|r| r.walking);
    let mut s = format!(
        "{} folder{} · {files} files · {}",
        v.roots.len(),
        if v.roots.len() == 1 { "" } else { "s" },
        human_size(bytes)
    );
    if walking {
        s.push_str(" · listing…");
    }
    if let Some(p) = v.preview.as_ref().and_then(|p| p.content.ready()) {
        s.push_str(&format!(" · {}: {}", p.kind, p.size_note()));
    }
    s
}
