//! The column picker overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, scroll_to};
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Target};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let Some(picker) = &app.picker else { return };
    let popup = centered(area, 60, area.height.saturating_sub(2).max(8));
    frame.render_widget(Clear, popup);
    let inner_h = popup.height.saturating_sub(3) as usize;
    let matches = picker.matches(app);
    app.viewport.table_rows.set(inner_h);
    let start = scroll_to(
        &app.viewport.picker_offset,
        picker.cursor,
        inner_h,
        matches.len(),
    );
    let count = format!("  {} of {}", matches.len(), app.runs.columns.len());
    let field = (popup.width as usize).saturating_sub(12 + text::width(&count));
    let mut head = vec![Span::styled("search: ", theme.key)];
    head.extend(super::status::edit_spans(&picker.search, field, theme));
    head.push(Span::styled(count, theme.dim));
    let mut lines = vec![Line::from(head)];
    super::target(app, popup, Target::Overlay);
    let inner = Rect {
        x: popup.x + 1,
        width: popup.width.saturating_sub(2),
        ..popup
    };
    let shown = matches.len().saturating_sub(start).min(inner_h);
    super::row_targets(app, inner, popup.y + 2, start, shown, Target::PickerItem);
    for (pos, &i) in matches.iter().enumerate().skip(start).take(inner_h) {
        let c = &app.runs.columns[i];
        let mark = if c.visible { "[x]" } else { "[ ]" };
        let pin = if c.pinned { " 📌" } else { "" };
        let mut style = if c.visible { theme.base } else { theme.dim };
        if pos == picker.cursor {
            style = style.patch(theme.cursor);
        }
        let label = format!("{mark} {}{pin}", text::cut(&c.column.name(), 200));
        lines.push(Line::from(Span::styled(
            text::pad(&label, popup.width.saturating_sub(2) as usize, false),
            style,
        )));
    }
    let k = |a| app.keymap().label(Context::Picker, a);
    let title = format!(
        " columns · {} show/hide · {} {} move · {} pin · {} done ",
        k(Action::PickerToggle),
        k(Action::PickerMoveUp),
        k(Action::PickerMoveDown),
        k(Action::PickerPin),
        k(Action::Back)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
