//! Semantic colours and styles; `Theme::monochrome` (NO_COLOR, --no-color) uses only bold,
//! reversed and underlined text so every state stays readable without colour (and views
//! add text where colour alone would tell: `[deleted]`, `✓`/`✗` deltas, ★, markers).
//! RGB colours are sent as 24-bit only when `COLORTERM` says the terminal takes them,
//! else as the nearest of the 256 standard colours.

use ratatui::style::{Color, Modifier, Style};

use crate::model::RunStatus;

/// Styles by role, never by colour name, so views stay theme-agnostic.
#[derive(Debug, Clone)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub title: Style,
    pub cursor: Style,
    pub cursor_cell: Style,
    pub marked: Style,
    pub dim: Style,
    pub key: Style,
    pub status_bar: Style,
    pub error: Style,
    pub ok: Style,
    pub differs: Style,
    pub best: Style,
    pub section: Style,
    /// A change from the baseline that is an improvement, or a worsening.
    pub delta_better: Style,
    pub delta_worse: Style,
    pub running: Style,
    pub finished: Style,
    pub failed: Style,
    pub killed: Style,
    pub scheduled: Style,
    /// Rows of deleted runs (their names also say `[deleted]`).
    pub deleted: Style,
    pub color: bool,
    /// The terminal takes 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    pub truecolor: bool,
}

impl Theme {
    pub fn colored() -> Self {
        let s = Style::default();
        Self {
            base: s,
            header: s.add_modifier(Modifier::BOLD).fg(Color::Cyan),
            title: s.add_modifier(Modifier::BOLD),
            cursor: s.bg(Color::Indexed(237)).add_modifier(Modifier::BOLD),
            cursor_cell: s.add_modifier(Modifier::REVERSED),
            marked: s.fg(Color::Yellow),
            dim: s.fg(Color::DarkGray),
            key: s.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            status_bar: s.bg(Color::Indexed(236)).fg(Color::Gray),
            error: s.fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: s.fg(Color::Green),
            differs: s.fg(Color::Yellow),
            best: s.fg(Color::Green).add_modifier(Modifier::BOLD),
            section: s.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            delta_better: s.fg(Color::Green),
            delta_worse: s.fg(Color::Red),
            running: s.fg(Color::Blue).add_modifier(Modifier::BOLD),
            finished: s.fg(Color::Green),
            failed: s.fg(Color::Red).add_modifier(Modifier::BOLD),
            killed: s.fg(Color::Magenta),
            scheduled: s.fg(Color::Cyan),
            deleted: s.fg(Color::DarkGray),
            color: true,
            truecolor: false,
        }
    }

    pub fn monochrome() -> Self {
        let s = Style::default();
        let bold = s.add_modifier(Modifier::BOLD);
        Self {
            base: s,
            header: bold.add_modifier(Modifier::UNDERLINED),
            title: bold,
            cursor: s.add_modifier(Modifier::REVERSED),
            cursor_cell: bold.add_modifier(Modifier::UNDERLINED),
            marked: bold,
            dim: s,
            key: bold,
            status_bar: s.add_modifier(Modifier::REVERSED),
            error: bold,
            ok: s,
            differs: bold,
            best: bold.add_modifier(Modifier::UNDERLINED),
            section: bold.add_modifier(Modifier::UNDERLINED),
            delta_better: bold,
            delta_worse: s,
            running: bold,
            finished: s,
            failed: bold,
            killed: s,
            scheduled: s,
            deleted: s,
            color: false,
            truecolor: false,
        }
    }

    /// Colour by default; monochrome for `--no-color` or a non-empty `NO_COLOR`; 24-bit
    /// colour when `COLORTERM` is `truecolor` or `24bit`.
    pub fn from_env(no_color_flag: bool) -> Self {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color_flag || env {
            return Self::monochrome();
        }
        Self::colored_for_terminal()
    }

    /// The coloured theme with 24-bit colour when `COLORTERM` is `truecolor` or `24bit`.
    pub fn colored_for_terminal() -> Self {
        let colorterm = std::env::var("COLORTERM").unwrap_or_default();
        Self {
            truecolor: matches!(colorterm.as_str(), "truecolor" | "24bit"),
            ..Self::colored()
        }
    }

    /// An RGB colour as this terminal can show it.
    pub fn rgb(&self, (r, g, b): (u8, u8, u8)) -> Color {
        if self.truecolor {
            Color::Rgb(r, g, b)
        } else {
            Color::Indexed(nearest_256(r, g, b))
        }
    }

    pub fn status(&self, s: RunStatus) -> Style {
        match s {
            RunStatus::Running => self.running,
            RunStatus::Scheduled => self.scheduled,
            RunStatus::Finished => self.finished,
            RunStatus::Failed => self.failed,
            RunStatus::Killed => self.killed,
        }
    }
}

/// The xterm-256 colour closest to an RGB one: from the 6×6×6 cube or the grey ramp.
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [i32; 6] = [0, 95, 135, 175, 215, 255];
    let level = |v: u8| -> usize {
        let v = i32::from(v);
        (0..6).min_by_key(|&i| (LEVELS[i] - v).abs()).unwrap_or(0)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let dist = |(x, y, z): (i32, i32, i32)| {
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        (x - r).pow(2) + (y - g).pow(2) + (z - b).pow(2)
    };
    let cube = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let avg = (i32::from(r) + i32::from(g) + i32::from(b)) / 3;
    let gi_ramp = ((avg - 8).max(0) / 10).min(23);
    let grey = 8 + 10 * gi_ramp;
    if dist((grey, grey, grey)) < dist(cube) {
        232 + gi_ramp as u8
    } else {
        16 + (36 * ri + 6 * gi + bi) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_maps_to_the_nearest_of_256_colours() {
        assert_eq!(nearest_256(0, 0, 0), 16);
        assert_eq!(nearest_256(255, 255, 255), 231);
        assert_eq!(nearest_256(0, 114, 178), 25, "Okabe-Ito blue");
        assert_eq!(nearest_256(230, 159, 0), 178, "Okabe-Ito orange");
        assert_eq!(nearest_256(128, 128, 128), 244, "grey ramp");
        let t = Theme::colored();
        assert_eq!(t.rgb((0, 114, 178)), Color::Indexed(25));
        let tc = Theme {
            truecolor: true,
            ..Theme::colored()
        };
        assert_eq!(tc.rgb((0, 114, 178)), Color::Rgb(0, 114, 178));
    }
}
