//! The chart screen drawn without a terminal, as lines of text: `mltui plot --format text`
//! shows the same Braille chart and legend as the terminal UI (the chart view draws into an
//! off-screen buffer), so a chart can be read over a plain `ssh host mltui plot ...`.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

use super::app::{App, ChartView, History};
use super::theme::Theme;
use super::view;
use crate::chart::ChartOptions;
use crate::model::{MetricPoint, Run};

/// What to draw: the runs, their histories of one metric, and the chart's options.
pub struct TextChart<'a> {
    pub runs: &'a [Run],
    /// The metric drawn.
    pub key: &'a str,
    /// Every point of `key`, by run id (runs without points are left out of the chart but
    /// stay in the legend).
    pub points: &'a [(String, Vec<MetricPoint>)],
    pub opts: ChartOptions,
    pub width: u16,
    pub height: u16,
    /// Colours as ANSI escape sequences (else monochrome, where runs differ by marker).
    pub color: bool,
}

/// The chart as `height` lines of at most `width` cells (trailing blanks trimmed).
pub fn render(chart: &TextChart<'_>) -> anyhow::Result<Vec<String>> {
    let mut app = App::new(String::new(), PathBuf::from("."), 0);
    for run in chart.runs {
        app.index.upsert(run.clone());
    }
    let run_ids: Vec<String> = chart.runs.iter().map(|r| r.run_id.clone()).collect();
    for id in &run_ids {
        let points = chart
            .points
            .iter()
            .find(|(r, _)| r == id)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        app.histories.insert(
            (id.clone(), chart.key.to_string()),
            History::Loaded(Arc::new(points)),
        );
    }
    app.chart = ChartView {
        run_ids,
        keys: vec![chart.key.to_string()],
        opts: chart.opts,
        ..ChartView::default()
    };
    let theme = if chart.color {
        Theme::colored_for_terminal()
    } else {
        Theme::monochrome()
    };
    let mut term = Terminal::new(TestBackend::new(chart.width, chart.height))?;
    term.draw(|f| view::charts_only(f, f.area(), &app, &theme))?;
    Ok(lines(term.backend().buffer(), chart.color))
}

/// A sweep screen (scatter, parallel coordinates, or the grouped chart) drawn as text:
/// `setup` puts `runs` (indexed in this order) and the screen's state into an app, which is
/// drawn without its header and footer.
pub fn render_sweep(
    runs: &[Run],
    setup: impl FnOnce(&mut App),
    width: u16,
    height: u16,
    color: bool,
) -> anyhow::Result<Vec<String>> {
    let mut app = App::new(String::new(), PathBuf::from("."), 0);
    for run in runs {
        app.index.upsert(run.clone());
    }
    setup(&mut app);
    let theme = if color {
        Theme::colored_for_terminal()
    } else {
        Theme::monochrome()
    };
    let mut term = Terminal::new(TestBackend::new(width, height))?;
    term.draw(|f| view::sweep_only(f, f.area(), &app, &theme))?;
    Ok(lines(term.backend().buffer(), color))
}

/// The buffer's rows as text; with `color`, styles become ANSI SGR sequences.
fn lines(buf: &Buffer, color: bool) -> Vec<String> {
    let width = usize::from(buf.area.width);
    buf.content
        .chunks(width.max(1))
        .map(|row| {
            let mut line = String::new();
            let mut current = Style::default();
            let mut skip = 0usize;
            for cell in row {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let mut style = Style::default().add_modifier(cell.modifier);
                if cell.fg != Color::Reset {
                    style = style.fg(cell.fg);
                }
                if cell.bg != Color::Reset {
                    style = style.bg(cell.bg);
                }
                if color && style != current {
                    line.push_str(&sgr(style));
                    current = style;
                }
                line.push_str(cell.symbol());
                skip = crate::text::width(cell.symbol()).saturating_sub(1);
            }
            if color && current != Style::default() {
                line.push_str("\u{1b}[0m");
            }
            trim_end_blanks(line)
        })
        .collect()
}

/// Drops trailing spaces, also those just before a final reset sequence.
fn trim_end_blanks(line: String) -> String {
    const RESET: &str = "\u{1b}[0m";
    match line.strip_suffix(RESET) {
        Some(body) if body.ends_with(' ') => {
            let kept = body.trim_end_matches(' ');
            // The reset is still needed when a style was switched on in what is kept.
            if kept.contains('\u{1b}') {
                format!("{kept}{RESET}")
            } else {
                kept.to_string()
            }
        }
        Some(_) => line,
        None => line.trim_end_matches(' ').to_string(),
    }
}

/// The SGR sequence that sets exactly `style` (after a reset).
fn sgr(style: Style) -> String {
    let mut codes: Vec<String> = vec!["0".into()];
    let m = style.add_modifier;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if m.contains(flag) {
            codes.push(code.into());
        }
    }
    if let Some(c) = style.fg.and_then(|c| color_code(c, false)) {
        codes.push(c);
    }
    if let Some(c) = style.bg.and_then(|c| color_code(c, true)) {
        codes.push(c);
    }
    format!("\u{1b}[{}m", codes.join(";"))
}

fn color_code(c: Color, bg: bool) -> Option<String> {
    let base = |n: u8| Some(format!("{}", if bg { n + 10 } else { n }));
    match c {
        Color::Reset => None,
        Color::Black => base(30),
        Color::Red => base(31),
        Color::Green => base(32),
        Color::Yellow => base(33),
        Color::Blue => base(34),
        Color::Magenta => base(35),
        Color::Cyan => base(36),
        Color::Gray => base(37),
        Color::DarkGray => base(90),
        Color::LightRed => base(91),
        Color::LightGreen => base(92),
        Color::LightYellow => base(93),
        Color::LightBlue => base(94),
        Color::LightMagenta => base(95),
        Color::LightCyan => base(96),
        Color::White => base(97),
        Color::Indexed(i) => Some(format!("{};5;{i}", if bg { 48 } else { 38 })),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", if bg { 48 } else { 38 })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_become_sgr_sequences() {
        let s = Style::default()
            .fg(Color::Rgb(1, 2, 3))
            .add_modifier(Modifier::BOLD);
        assert_eq!(sgr(s), "\u{1b}[0;1;38;2;1;2;3m");
        assert_eq!(sgr(Style::default().fg(Color::DarkGray)), "\u{1b}[0;90m");
        assert_eq!(
            sgr(Style::default().bg(Color::Indexed(236))),
            "\u{1b}[0;48;5;236m"
        );
        assert_eq!(sgr(Style::default()), "\u{1b}[0m");
    }

    #[test]
    fn trailing_blanks_go() {
        assert_eq!(trim_end_blanks("ab  ".into()), "ab");
        assert_eq!(
            trim_end_blanks("\u{1b}[0;1mab  \u{1b}[0m".into()),
            "\u{1b}[0;1mab\u{1b}[0m"
        );
        assert_eq!(trim_end_blanks("ab  \u{1b}[0m".into()), "ab");
    }
}
