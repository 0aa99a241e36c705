//! Semantic colours and styles; `Theme::monochrome` (NO_COLOR, --no-color) uses only bold,
//! reversed and underlined text so every state stays readable without colour (and views
//! add text where colour alone would tell: `[deleted]`, `✓`/`✗` deltas, ★, markers).
//! RGB colours are sent as 24-bit only when `COLORTERM` says the terminal takes them,
//! else as the nearest of the 256 standard colours.

use ratatui::style::{Color, Modifier, Style};

use crate::config::{ConfigError, ThemeEntry};
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
    /// Activity alerts, their unread count and stalled runs.
    pub alert: Style,
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
            alert: s.fg(Color::Yellow).add_modifier(Modifier::BOLD),
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
            alert: bold.add_modifier(Modifier::REVERSED),
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

    /// The colours of `[theme]` over this theme (a monochrome theme stays monochrome).
    /// Entries were checked by [`check_roles`].
    pub fn with_roles(mut self, entries: &[ThemeEntry]) -> Self {
        if !self.color {
            return self;
        }
        for e in entries {
            let Ok(colour) = parse_colour(&e.colour) else {
                continue;
            };
            let c = match colour {
                Colour::Named(c) => c,
                Colour::Rgb(rgb) => self.rgb(rgb),
            };
            let fg = |s: Style| s.fg(c);
            match e.role.as_str() {
                "accent" => {
                    self.header = fg(self.header);
                    self.key = fg(self.key);
                }
                "section" => self.section = fg(self.section),
                "selection" => self.cursor = self.cursor.bg(c),
                "status_bar" => self.status_bar = self.status_bar.bg(c),
                "marked" => self.marked = fg(self.marked),
                "ok" => self.ok = fg(self.ok),
                "better" => {
                    self.best = fg(self.best);
                    self.delta_better = fg(self.delta_better);
                }
                "worse" => self.delta_worse = fg(self.delta_worse),
                "differs" => self.differs = fg(self.differs),
                "error" => self.error = fg(self.error),
                "alert" => self.alert = fg(self.alert),
                "running" => self.running = fg(self.running),
                "finished" => self.finished = fg(self.finished),
                "failed" => self.failed = fg(self.failed),
                "killed" => self.killed = fg(self.killed),
                "scheduled" => self.scheduled = fg(self.scheduled),
                "muted" => {
                    self.dim = fg(self.dim);
                    self.deleted = fg(self.deleted);
                }
                "title" => self.title = fg(self.title),
                _ => {}
            }
        }
        self
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

/// The roles `[theme]` sets, in the order the default file documents them.
pub const ROLES: [&str; 18] = [
    "title",
    "accent",
    "section",
    "selection",
    "status_bar",
    "marked",
    "ok",
    "better",
    "worse",
    "differs",
    "error",
    "alert",
    "running",
    "finished",
    "failed",
    "killed",
    "scheduled",
    "muted",
];

/// A colour as written in `[theme]`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Colour {
    Named(Color),
    Rgb((u8, u8, u8)),
}

const NAMES: [(&str, Color); 18] = [
    ("default", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
];

fn parse_colour(s: &str) -> Result<Colour, String> {
    let t = s.trim().to_ascii_lowercase().replace('-', "_");
    if let Some(hex) = t.strip_prefix('#') {
        let ok = hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16);
        return match (ok, byte(0), byte(2), byte(4)) {
            (true, Ok(r), Ok(g), Ok(b)) => Ok(Colour::Rgb((r, g, b))),
            _ => Err(format!("'{s}' is not a #rrggbb colour")),
        };
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<u8>()
            .map(|i| Colour::Named(Color::Indexed(i)))
            .map_err(|_| format!("'{s}': a colour index goes from 0 to 255"));
    }
    let names = NAMES.iter().map(|(n, _)| *n);
    match NAMES.iter().find(|(n, _)| *n == t) {
        Some((_, c)) => Ok(Colour::Named(*c)),
        None => Err(format!(
            "'{s}' is not a colour{} (a name such as red or light_blue, a 256-colour index \
             such as \"208\", or \"#rrggbb\")",
            crate::suggest::did_you_mean(&t, names)
        )),
    }
}

/// Checks `[theme]` entries: every role known, every colour readable.
pub fn check_roles(entries: &[ThemeEntry]) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for e in entries {
        let error = |message: String| ConfigError {
            path: String::new(),
            line: Some(e.line),
            message,
        };
        if !ROLES.contains(&e.role.as_str()) {
            errors.push(error(format!(
                "unknown key '{}' in [theme]{}",
                e.role,
                match crate::suggest::did_you_mean(&e.role, ROLES.iter().copied()) {
                    h if h.is_empty() => format!(" (roles: {})", ROLES.join(", ")),
                    h => h,
                }
            )));
        } else if let Err(m) = parse_colour(&e.colour) {
            errors.push(error(format!("theme.{}: {m}", e.role)));
        }
    }
    errors
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

    fn entry(role: &str, colour: &str, line: usize) -> ThemeEntry {
        ThemeEntry {
            role: role.into(),
            colour: colour.into(),
            line,
        }
    }

    #[test]
    fn roles_set_the_styles_of_their_meaning() {
        let t = Theme::colored().with_roles(&[
            entry("accent", "magenta", 1),
            entry("selection", "17", 2),
            entry("better", "#00ff00", 3),
            entry("muted", "default", 4),
        ]);
        assert_eq!(t.header.fg, Some(Color::Magenta));
        assert_eq!(t.key.fg, Some(Color::Magenta));
        assert_eq!(t.cursor.bg, Some(Color::Indexed(17)));
        assert_eq!(t.best.fg, Some(Color::Indexed(46)), "nearest of 256");
        assert_eq!(t.delta_better.fg, Some(Color::Indexed(46)));
        assert_eq!(t.dim.fg, Some(Color::Reset));
        // Monochrome stays monochrome.
        let m = Theme::monochrome().with_roles(&[entry("accent", "magenta", 1)]);
        assert_eq!(m.header.fg, None);
    }

    #[test]
    fn unknown_roles_and_bad_colours_name_their_line() {
        let msgs: Vec<String> = check_roles(&[
            entry("acent", "red", 3),
            entry("error", "redish", 4),
            entry("alert", "#12345", 5),
            entry("running", "300", 6),
            entry("ok", "light-green", 7),
        ])
        .iter()
        .map(|e| format!("{}: {}", e.line.unwrap_or(0), e.message))
        .collect();
        assert_eq!(
            msgs,
            [
                "3: unknown key 'acent' in [theme]; did you mean accent or alert?",
                "4: theme.error: 'redish' is not a colour; did you mean red? (a name such as red \
                 or light_blue, a 256-colour index such as \"208\", or \"#rrggbb\")",
                "5: theme.alert: '#12345' is not a #rrggbb colour",
                "6: theme.running: '300': a colour index goes from 0 to 255",
            ]
        );
    }

    #[test]
    fn the_default_file_documents_every_role() {
        for role in ROLES {
            assert!(
                crate::config::DEFAULT_FILE.contains(&format!("# {role} = ")),
                "{role}"
            );
        }
    }
}
