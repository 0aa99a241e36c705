//! The help overlay, generated from the keymap of the context below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use crate::text;
use crate::tui::app::{App, Target};
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;

/// The context whose keys the help shows (what is under the overlay).
fn underlying(app: &App) -> Context {
    if app.prompt.is_some() {
        Context::Input
    } else if app.copy_menu.is_some() {
        Context::CopyMenu
    } else if app.pager.is_some() {
        Context::Pager
    } else if app.picker.is_some() {
        Context::Picker
    } else if app.views_menu.is_some() {
        Context::Views
    } else {
        app.screen_context()
    }
}

/// The help text of a context: a title per group (groups without one continue the one
/// before), then one line per binding with its keys in a column wide enough for them.
pub fn help_lines(
    ctx: Context,
    keys: &keymap::Keymap,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let groups = keymap::groups(ctx);
    let keys_of = |g: &keymap::Group, b: &keymap::Binding| -> String {
        keys.keys(g, b)
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Keys longer than this go on a line of their own above their text.
    const KEYS_MAX: usize = 20;
    let key_w = groups
        .iter()
        .flat_map(|g| g.bindings.iter().map(move |b| (g, b)))
        .map(|(g, b)| text::width(&keys_of(g, b)))
        .filter(|w| *w <= KEYS_MAX)
        .max()
        .unwrap_or(8);
    let mut lines = Vec::new();
    for group in &groups {
        if !group.title.is_empty() {
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(Span::styled(group.title, theme.section)));
        }
        let indent = key_w + 4;
        for b in group.bindings {
            let keys = keys_of(group, b);
            // The text wraps under itself, never under the keys.
            let mut texts = wrap_words(b.help, width.saturating_sub(indent).max(20)).into_iter();
            let first = if text::width(&keys) > key_w {
                lines.push(Line::from(Span::styled(format!("  {keys}"), theme.key)));
                " ".repeat(indent)
            } else {
                format!("  {}  ", text::pad(&keys, key_w, false))
            };
            lines.push(Line::from(vec![
                Span::styled(first, theme.key),
                Span::raw(texts.next().unwrap_or_default()),
            ]));
            for more in texts {
                lines.push(Line::from(format!("{}{more}", " ".repeat(indent))));
            }
        }
    }
    lines
}

/// Words of `s` in lines of at most `width` cells.
fn wrap_words(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        if !line.is_empty() && text::width(&line) + 1 + text::width(word) > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme, scroll: usize) {
    let popup_w = area.width.min(110);
    let lines = help_lines(
        underlying(app),
        app.keymap(),
        theme,
        popup_w.saturating_sub(2) as usize,
    );
    let popup = centered(area, popup_w, (lines.len() as u16).saturating_add(2));
    let inner_h = popup.height.saturating_sub(2) as usize;
    // Wrapped lines take more rows than there are lines: count what wrapping makes.
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = para.line_count(popup.width.saturating_sub(2));
    let para = para.block(
        Block::default()
            .borders(Borders::ALL)
            .title(format!(
                " keys · ↑↓ PgUp PgDn scroll · {} closes ",
                app.keymap()
                    .label(Context::Help, crate::tui::action::Action::Back)
            ))
            .style(theme.base),
    );
    let max = rows.saturating_sub(inner_h);
    app.viewport.help_max.set(max);
    app.viewport.table_rows.set(inner_h.max(1));
    frame.render_widget(Clear, popup);
    frame.render_widget(para.scroll((scroll.min(max) as u16, 0)), popup);
    super::target(app, area, Target::Overlay);
}
