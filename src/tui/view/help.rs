//! The help overlay, generated from the keymap of the context below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;

/// The context whose keys the help shows (what is under the overlay).
fn underlying(app: &App) -> Context {
    if app.picker.is_some() {
        return Context::Picker;
    }
    match app.screen() {
        crate::tui::app::Screen::Experiments => Context::Experiments,
        crate::tui::app::Screen::Runs if app.groups.is_some() => Context::Groups,
        crate::tui::app::Screen::Runs => Context::Runs,
        crate::tui::app::Screen::Detail => Context::Detail,
        crate::tui::app::Screen::Compare => Context::Compare,
        crate::tui::app::Screen::Chart => Context::Chart,
        crate::tui::app::Screen::Scatter => Context::Scatter,
        crate::tui::app::Screen::Parallel => Context::Parallel,
        crate::tui::app::Screen::Importance => Context::Importance,
    }
}

pub fn help_lines(ctx: Context, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (title, group) in keymap::groups(ctx) {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(title, theme.section)));
        for b in group {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), theme.key),
                Span::raw(b.help),
            ]));
        }
    }
    lines
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme, scroll: usize) {
    let lines = help_lines(underlying(app), theme);
    let popup = centered(area, 110, (lines.len() as u16).saturating_add(2));
    let max = lines
        .len()
        .saturating_sub(popup.height.saturating_sub(2) as usize);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" keys · Esc closes ")
        .style(theme.base);
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .scroll((scroll.min(max) as u16, 0));
    frame.render_widget(para, popup);
}
