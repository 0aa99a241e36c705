//! The settings the terminal UI follows, from the configuration file, the environment and
//! the command line (see `config`).

use crate::config;
use crate::index::direction;
use crate::timefmt::TimeFormat;
use crate::tui::keymap::Keymap;

/// The settings the terminal UI uses (from the configuration file, the environment and
/// the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    pub keymap: Keymap,
    pub time: TimeFormat,
    pub columns: config::Columns,
    pub directions: direction::Rules,
    pub activity: config::Activity,
    pub mouse: bool,
}

impl Default for Settings {
    /// The defaults, with times in UTC (what tests expect on any machine).
    fn default() -> Self {
        Self::from_config(
            &config::Config::default(),
            Keymap::default(),
            TimeFormat::default(),
        )
    }
}

impl Settings {
    pub fn from_config(c: &config::Config, keymap: Keymap, time: TimeFormat) -> Self {
        Self {
            keymap,
            time,
            columns: c.columns.clone(),
            directions: c.direction_rules(),
            activity: c.activity.clone(),
            mouse: c.mouse,
        }
    }
}
