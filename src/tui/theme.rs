//! Semantic colours and styles; `Theme::monochrome` (NO_COLOR, --no-color) uses only bold,
//! reversed and underlined text so every state stays readable without colour.

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
    pub delta_up: Style,
    pub delta_down: Style,
    pub running: Style,
    pub finished: Style,
    pub failed: Style,
    pub killed: Style,
    pub scheduled: Style,
    pub color: bool,
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
            delta_up: s.fg(Color::Green),
            delta_down: s.fg(Color::Red),
            running: s.fg(Color::Blue).add_modifier(Modifier::BOLD),
            finished: s.fg(Color::Green),
            failed: s.fg(Color::Red).add_modifier(Modifier::BOLD),
            killed: s.fg(Color::Magenta),
            scheduled: s.fg(Color::Cyan),
            color: true,
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
            delta_up: s,
            delta_down: s,
            running: bold,
            finished: s,
            failed: bold,
            killed: s,
            scheduled: s,
            color: false,
        }
    }

    /// Colour by default; monochrome for `--no-color` or a non-empty `NO_COLOR`.
    pub fn from_env(no_color_flag: bool) -> Self {
        let env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color_flag || env {
            Self::monochrome()
        } else {
            Self::colored()
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
