//! The list of named views (`v` in the run table): open one on the table, save the table
//! as a view, delete one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, scroll_to};
use crate::config::state::ViewState;
use crate::text;
use crate::tui::action::Action;
use crate::tui::app::{App, Target, ViewsMenu};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;

/// A few words on what a view shows: columns, sort, filters, pins.
fn summary(v: &ViewState) -> String {
    let mut parts = vec![text::count(
        v.columns.iter().filter(|c| c.visible).count(),
        "column",
        "columns",
    )];
    if let Some(k) = v.sort.first() {
        parts.push(format!(
            "sort {}{}",
            k.column,
            if k.descending { "▼" } else { "▲" }
        ));
    }
    if !v.filter.is_empty() {
        parts.push(format!("filter \"{}\"", v.filter));
    }
    if let Some(q) = &v.query {
        parts.push(format!("search [{q}]"));
    }
    if !v.pins.is_empty() {
        parts.push(format!("{} pinned", v.pins.len()));
    }
    if !v.hidden.is_empty() {
        parts.push(format!("{} hidden", v.hidden.len()));
    }
    parts.join(" · ")
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, menu: &ViewsMenu, theme: &Theme) {
    let names = app.view_names();
    let width = area.width.min(76);
    let rows = names.len().max(1) as u16;
    let popup = centered(area, width, (rows + 3).min(area.height));
    frame.render_widget(Clear, popup);
    super::target(app, popup, Target::Overlay);
    let inner_w = popup.width.saturating_sub(2) as usize;
    let inner_h = popup.height.saturating_sub(3) as usize;
    let k = |a| app.keymap().label(Context::Views, a);
    let mut lines = Vec::new();
    if names.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                " no saved views yet: {} saves this table's view under a name",
                k(Action::SaveView)
            ),
            theme.dim,
        )));
    }
    let start = scroll_to(
        &app.viewport.views_offset,
        menu.cursor,
        inner_h,
        names.len(),
    );
    let name_w = names
        .iter()
        .map(|n| text::width(&text::cut(n, 24)))
        .max()
        .unwrap_or(4);
    for (i, name) in names.iter().enumerate().skip(start).take(inner_h) {
        let Some(view) = app.views.file.named.get(name) else {
            continue;
        };
        let head = format!(" {}  ", text::pad(&text::cut(name, 24), name_w, false));
        let room = inner_w.saturating_sub(text::width(&head));
        let rest = text::pad(&text::cut(&summary(view), room), room, false);
        let style = if i == menu.cursor {
            theme.cursor
        } else {
            theme.base
        };
        lines.push(Line::from(vec![
            Span::styled(head, theme.key.patch(style)),
            Span::styled(rest, theme.dim.patch(style)),
        ]));
    }
    lines.push(Line::from(Span::styled(
        format!(
            " {} open · {} save as… · {} delete · {} close",
            k(Action::Open),
            k(Action::SaveView),
            k(Action::DeleteView),
            k(Action::Back)
        ),
        theme.dim,
    )));
    let inner = Rect {
        x: popup.x + 1,
        width: popup.width.saturating_sub(2),
        ..popup
    };
    let shown = names.len().saturating_sub(start).min(inner_h);
    super::row_targets(app, inner, popup.y + 1, start, shown, Target::ViewItem);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" named views of this source ", theme.title))
        .style(theme.base);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
