//! Small overlays: the pager for long values, the copy menu and the completion popup.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Completion, CopyMenu, Pager, Target};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

/// A value over the whole body, wrapped at the width, scrolled by the pager's keys. Only
/// the lines up to the ones shown are wrapped, so huge values open at once.
pub fn pager(frame: &mut Frame<'_>, area: Rect, app: &App, p: &Pager, theme: &Theme) {
    frame.render_widget(Clear, area);
    let inner_w = area.width.saturating_sub(2).max(1) as usize;
    let rows = area.height.saturating_sub(2) as usize;
    app.viewport.pager_rows.set(rows.max(1));
    let (starts, done) = p.line_starts(inner_w, p.scroll.saturating_add(rows));
    // Past the end: show the last page.
    let total = starts.len();
    let scroll = if done {
        p.scroll.min(total.saturating_sub(rows))
    } else {
        p.scroll.min(total.saturating_sub(1))
    };
    let lines: Vec<Line<'_>> = (scroll..total.min(scroll + rows))
        .map(|i| {
            let from = starts[i];
            let to = starts.get(i + 1).copied().unwrap_or(p.text.len());
            let piece = p.text[from..to].trim_end_matches('\n');
            Line::from(text::sanitize(piece).into_owned())
        })
        .collect();
    let size = text::count(p.text.chars().count(), "character", "characters");
    let pos = if done {
        format!(
            "lines {}–{} of {total}",
            scroll + 1,
            (scroll + rows).min(total)
        )
    } else {
        format!("line {}", scroll + 1)
    };
    let k = |a| app.keymap().label(Context::Pager, a);
    let title = format!(
        " {} · {size} · {pos} · {} closes · {} copies ",
        text::cut(&p.title, 40),
        k(Action::Back),
        k(Action::CopyId)
    );
    super::target(app, area, Target::Overlay);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title))
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The copy menu: one line per item with its letter and a preview of what it copies.
pub fn copy_menu(frame: &mut Frame<'_>, area: Rect, app: &App, menu: &CopyMenu, theme: &Theme) {
    let width = area.width.min(72);
    let popup = centered(area, width, menu.items.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    super::target(app, popup, Target::Overlay);
    let inner_area = Rect {
        x: popup.x + 1,
        width: popup.width.saturating_sub(2),
        ..popup
    };
    let rows = (popup.height.saturating_sub(2) as usize).min(menu.items.len());
    super::row_targets(app, inner_area, popup.y + 1, 0, rows, Target::CopyItem);
    let inner = popup.width.saturating_sub(2) as usize;
    let lines: Vec<Line<'_>> = menu
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let head = format!(" {} {:<22}", item.letter, item.label);
            let first = item.text.lines().next().unwrap_or_default();
            let preview = text::cut(first, inner.saturating_sub(text::width(&head) + 1));
            let style = if i == menu.cursor {
                theme.cursor
            } else {
                theme.base
            };
            Line::from(vec![
                Span::styled(head, theme.key.patch(style)),
                Span::styled(format!(" {preview}"), theme.dim.patch(style)),
            ])
        })
        .collect();
    let title = format!(
        " copy · letter or {} · {} cancels ",
        app.keymap().label(Context::CopyMenu, Action::InputSubmit),
        app.keymap().label(Context::CopyMenu, Action::Back)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// The completion popup, at the bottom left of the body, just above the prompt.
pub fn completion(frame: &mut Frame<'_>, area: Rect, c: &Completion, theme: &Theme) {
    const SHOWN: usize = 8;
    let n = c.items.len();
    let h = (n.min(SHOWN) as u16 + 2).min(area.height);
    let w = c
        .items
        .iter()
        .map(|i| text::width(i) + 2)
        .max()
        .unwrap_or(10)
        .clamp(20, area.width.saturating_sub(2).max(20) as usize) as u16;
    let popup = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(h),
        width: (w + 2).min(area.width),
        height: h,
    };
    frame.render_widget(Clear, popup);
    let first = c.selected.saturating_sub(SHOWN - 1);
    let lines: Vec<Line<'_>> = c
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(SHOWN)
        .map(|(i, item)| {
            let style = if i == c.selected {
                theme.cursor
            } else {
                theme.base
            };
            Line::from(Span::styled(
                text::pad(&text::cut(item, w as usize), w as usize, false),
                style,
            ))
        })
        .collect();
    let title = format!(" {} · Tab next · Enter ", text::count(n, "key", "keys"));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
