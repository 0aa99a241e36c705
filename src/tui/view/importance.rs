//! The parameter importance screen: for the target metric, each param's split importance
//! as a bar (longest for the most important), its rank correlation, and its best value.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{empty_hint, fit, scroll_to};
use crate::index::importance::{Goal, ParamKind};
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// A bar of `frac` (0..=1) of `width` cells, in eighths.
fn bar(frac: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (frac.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    s.push_str(PARTS[eighths % 8]);
    s
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let Some(iv) = &app.importance else {
        return;
    };
    let [title, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let goal = match iv.goal {
        Goal::Max => "higher is better",
        Goal::Min => "lower is better",
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("target ", theme.dim),
                Span::styled(text::sanitize(&iv.target.name()).into_owned(), theme.header),
                Span::styled(format!(" ({goal})"), theme.dim),
            ]),
            Line::from(Span::styled(
                "importance: how much the best value of the param improves the mean; ρ: Spearman",
                theme.dim,
            )),
        ]),
        title,
    );
    if iv.list.is_empty() {
        empty_hint(
            frame,
            body,
            "no run shown has both params and the target",
            theme,
        );
        return;
    }
    let height = body.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    let start = scroll_to(&app.viewport.runs_offset, iv.cursor, height, iv.list.len());
    let w = body.width as usize;
    let name_w = iv
        .list
        .iter()
        .map(|i| text::width(&i.param) + 7)
        .max()
        .unwrap_or(10)
        .clamp(12, 28);
    let best_w = 14;
    let fixed = name_w + 1 + 10 + 1 + 8 + 1 + 10 + 1 + best_w + 1;
    let bar_w = w.saturating_sub(fixed).clamp(4, 40);
    let top = iv.list.iter().map(|i| i.importance).fold(0.0f64, f64::max);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} {} {} {} {} {}",
            fit("param", name_w, false),
            fit("kind", 10, false),
            fit("ρ", 8, true),
            fit("importance", 10, true),
            fit("", bar_w, false),
            fit("best (mean)", best_w, false),
        ),
        theme.header,
    ))];
    for (n, i) in iv.list.iter().enumerate().skip(start).take(height) {
        let kind = match i.kind {
            ParamKind::Numeric => "numeric",
            ParamKind::Categorical => "category",
        };
        let rho = i.spearman.map_or("-".to_string(), |r| format!("{r:+.3}"));
        let frac = if top > 0.0 { i.importance / top } else { 0.0 };
        let best = if i.best.is_empty() {
            "-".to_string()
        } else {
            format!(
                "{} ({})",
                text::sanitize(&i.best),
                text::float_short(i.best_mean)
            )
        };
        let style = if n == iv.cursor {
            theme.cursor
        } else {
            theme.base
        };
        lines.push(
            Line::from(vec![
                Span::raw(fit(
                    &text::sanitize(&format!("params.{}", i.param)),
                    name_w,
                    false,
                )),
                Span::styled(format!(" {} ", fit(kind, 10, false)), theme.dim),
                Span::raw(fit(&rho, 8, true)),
                Span::raw(format!(
                    " {} ",
                    fit(&text::float_short(i.importance), 10, true)
                )),
                Span::styled(fit(&bar(frac, bar_w), bar_w, false), theme.key),
                Span::raw(format!(" {}", fit(&best, best_w, false))),
            ])
            .style(style),
        );
    }
    frame.render_widget(Paragraph::new(lines), body);
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_are_drawn_in_eighths() {
        assert_eq!(super::bar(1.0, 3), "███");
        assert_eq!(super::bar(0.5, 3), "█▌");
        assert_eq!(super::bar(0.0, 3), "");
    }
}
