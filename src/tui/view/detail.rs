//! Run detail: every field with a cursor; long values wrap (up to three lines, then `…`
//! and Enter opens the pager); the parent and children are links.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::empty_hint;
use crate::text;
use crate::tui::app::Target;
use crate::tui::app::{App, DetailItem, ItemKind};
use crate::tui::theme::Theme;

/// Lines a value may take before it is cut (Enter shows all of it).
const VALUE_LINES: usize = 3;

/// A value wrapped into at most `VALUE_LINES` lines of `w` cells; the last ends with `…`
/// when something is left out. Newlines in the value break lines.
fn wrap_value(value: &str, w: usize) -> Vec<String> {
    let w = w.max(4);
    let mut lines: Vec<String> = Vec::new();
    // Only the start of a huge value can show: look no further than what three lines of
    // the widest characters (or their escapes) could hold.
    let mut end = value.len().min(w * VALUE_LINES * 8 + 64);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = end < value.len();
    let head = &value[..end];
    'parts: for part in head.split('\n') {
        // Only the start of a huge value can show: cut (and escape) before wrapping.
        let part = text::cut(part, w * VALUE_LINES + 1);
        let mut rest: &str = &part;
        loop {
            if lines.len() == VALUE_LINES {
                cut = true;
                break 'parts;
            }
            let mut used = 0;
            let mut end = rest.len();
            for (i, c) in rest.char_indices() {
                let cw = text::width(c.encode_utf8(&mut [0u8; 4]));
                if used + cw > w {
                    end = i;
                    break;
                }
                used += cw;
            }
            lines.push(rest[..end].to_string());
            rest = &rest[end..];
            if rest.is_empty() {
                break;
            }
        }
    }
    if let (true, Some(last)) = (cut, lines.last_mut()) {
        let kept = text::cut(last, w.saturating_sub(1))
            .trim_end_matches('…')
            .to_string();
        *last = format!("{kept}…");
    }
    lines
}

/// The screen lines of one item at `width`, with `key_w` cells for keys.
fn item_lines<'a>(
    item: &DetailItem<'_>,
    key_w: usize,
    width: usize,
    selected: bool,
    theme: &Theme,
) -> Vec<Line<'a>> {
    match item.kind {
        ItemKind::Blank => vec![Line::from("")],
        ItemKind::Section => vec![Line::from(Span::styled(
            text::cut(&item.key, width).into_owned(),
            theme.section,
        ))],
        ItemKind::Header => vec![Line::from(Span::styled(
            text::cut(
                &format!("  {}  {}", text::pad(&item.key, key_w, false), item.value),
                width,
            )
            .into_owned(),
            theme.dim,
        ))],
        ItemKind::Field
        | ItemKind::Link(_)
        | ItemKind::Metric
        | ItemKind::Model(_)
        | ItemKind::Artifact(_) => {
            let link = item.is_link();
            let value_w = width.saturating_sub(key_w + 4 + if link { 2 } else { 0 });
            let value = wrap_value(&item.value, value_w);
            let key = text::pad(&text::cut(&item.key, key_w), key_w, false);
            let row = if selected { theme.cursor } else { theme.base };
            value
                .into_iter()
                .enumerate()
                .map(|(n, v)| {
                    let k = if n == 0 {
                        key.clone()
                    } else {
                        " ".repeat(key_w)
                    };
                    let mut spans = vec![Span::styled(format!("  {k}  "), theme.key.patch(row))];
                    if link && n == 0 {
                        spans.push(Span::styled("→ ", theme.key.patch(row)));
                    }
                    spans.push(Span::styled(v, row));
                    Line::from(spans)
                })
                .collect()
        }
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let height = area.height as usize;
    app.viewport.table_rows.set(height);
    let items = app.detail_items();
    if items.is_empty() {
        empty_hint(frame, area, "this run is no longer in the store", theme);
        return;
    }
    let width = area.width as usize;
    // Keys line up within each section, as wide as its widest key (within limits).
    let max_key = (width / 3).clamp(6, 32);
    let mut key_ws = vec![6; items.len()];
    let mut start = 0;
    for end in 1..=items.len() {
        if end == items.len() || items[end].kind == ItemKind::Section {
            let w = items[start..end]
                .iter()
                .filter(|i| i.selectable() || i.kind == ItemKind::Header)
                .map(|i| text::width(&text::cut(&i.key, max_key)))
                .max()
                .unwrap_or(6)
                .clamp(6, max_key);
            key_ws[start..end].fill(w);
            start = end;
        }
    }
    let cursor = app.detail.cursor.min(items.len() - 1);
    let rendered: Vec<Vec<Line<'_>>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| item_lines(item, key_ws[i], width, i == cursor, theme))
        .collect();
    // Scroll by items so the cursor's item is fully visible.
    let mut first = app.viewport.detail_offset.get().min(cursor);
    let below =
        |from: usize, to: usize| -> usize { rendered[from..=to].iter().map(Vec::len).sum() };
    while first < cursor && below(first, cursor) > height {
        first += 1;
    }
    // Show the section title above the first field when it fits.
    if first == cursor && first > 0 && below(first - 1, cursor) <= height {
        first -= 1;
    }
    app.viewport.detail_offset.set(first);
    // Each item's lines take clicks for it.
    let mut y = area.y;
    for (i, r) in rendered.iter().enumerate().skip(first) {
        let bottom = area.y + area.height;
        if y >= bottom {
            break;
        }
        let h = (r.len() as u16).min(bottom - y);
        super::target(
            app,
            Rect {
                y,
                height: h,
                ..area
            },
            Target::DetailLine(i),
        );
        y += h;
    }
    let lines: Vec<Line<'_>> = rendered
        .into_iter()
        .skip(first)
        .flatten()
        .take(height)
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_wrap_to_three_lines_then_end_with_an_ellipsis() {
        assert_eq!(wrap_value("short", 10), ["short"]);
        assert_eq!(wrap_value("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        let long = wrap_value(&"x".repeat(5000), 10);
        assert_eq!(long.len(), 3);
        assert!(
            long[2].ends_with('…') && text::width(&long[2]) <= 10,
            "{long:?}"
        );
        assert_eq!(wrap_value("a\nb", 10), ["a", "b"]);
        let many = wrap_value("1\n2\n3\n4", 10);
        assert_eq!(many, ["1", "2", "3…"]);
        assert_eq!(wrap_value("e\u{1b}[2J", 10), ["e\\e[2J"]);
    }
}
