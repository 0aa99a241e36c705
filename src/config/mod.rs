//! Settings: the defaults, `config.toml`, environment variables and the command line, layered
//! in that order (each wins over the ones before it). Owns finding, parsing and checking the
//! file; the layers that use a setting (TUI keys, theme) validate their own vocabulary.

mod file;
pub mod state;

use std::path::{Path, PathBuf};

pub use file::{KEY_SCREENS, parse, parse_partial};

/// The commented default file, as `mltui config --default` prints it.
pub const DEFAULT_FILE: &str = include_str!("default.toml");

/// A problem in a configuration file or variable, located as precisely as possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location(.path, *.line))]
pub struct ConfigError {
    /// The file, or the environment variable, the setting came from.
    pub path: String,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    pub message: String,
}

fn location(path: &str, line: Option<usize>) -> String {
    match (path.is_empty(), line) {
        (true, _) => String::new(),
        (false, Some(l)) => format!("{path}:{l}: "),
        (false, None) => format!("{path}: "),
    }
}

/// Errors found while reading one configuration file: all of them, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// A column group, in `[columns] order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnGroup {
    Metrics,
    Params,
    Attributes,
    Tags,
}

impl ColumnGroup {
    pub const ALL: [ColumnGroup; 4] = [
        ColumnGroup::Metrics,
        ColumnGroup::Params,
        ColumnGroup::Attributes,
        ColumnGroup::Tags,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColumnGroup::Metrics => "metrics",
            ColumnGroup::Params => "params",
            ColumnGroup::Attributes => "attributes",
            ColumnGroup::Tags => "tags",
        }
    }
}

/// Time zone for shown times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeZone {
    #[default]
    Local,
    Utc,
}

/// Live refresh intervals in seconds (0: off), per kind of source, and whether local stores
/// are watched between refreshes.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    pub local: f64,
    pub server: f64,
    pub watch: Watch,
}

/// Whether live refresh watches a local store for changes (`[refresh] watch`,
/// `$MLTUI_WATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Watch {
    /// Watch file stores and SQLite files (inotify), so a change shows at once; poll where
    /// that cannot work (network filesystems, no inotify).
    #[default]
    Auto,
    /// Poll at the refresh interval only.
    Poll,
}

impl Watch {
    pub const NAMES: [&'static str; 2] = ["auto", "poll"];

    pub fn parse(s: &str) -> Option<Watch> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(Watch::Auto),
            "poll" => Some(Watch::Poll),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Watch::Auto => "auto",
            Watch::Poll => "poll",
        }
    }
}

/// Run table columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub first: Vec<String>,
    pub order: Vec<ColumnGroup>,
    pub hide: Vec<String>,
}

/// How times are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Time {
    pub zone: TimeZone,
    pub relative: bool,
}

/// Metric directions given by hand, as key patterns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Directions {
    pub lower: Vec<String>,
    pub higher: Vec<String>,
}

/// One `[keys.SCREEN] action = keys` entry, checked later against the keymap.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyOverride {
    pub screen: String,
    pub action: String,
    pub keys: Vec<String>,
    pub line: usize,
}

/// One `[theme] role = colour` entry, checked later against the theme's roles.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeEntry {
    pub role: String,
    pub colour: String,
    pub line: usize,
}

/// How terminal notifications are sent (`--notify`, `[activity] notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    #[default]
    Off,
    /// The terminal bell (BEL).
    Bell,
    /// A desktop notification by OSC 9 (iTerm2, kitty, WezTerm, foot, Windows Terminal).
    Osc9,
    /// A desktop notification by OSC 777 (rxvt-unicode, VTE terminals such as GNOME's).
    Osc777,
}

impl Notify {
    pub const NAMES: [&'static str; 4] = ["off", "bell", "osc9", "osc777"];

    pub fn parse(s: &str) -> Option<Notify> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "none" | "false" => Some(Notify::Off),
            "bell" => Some(Notify::Bell),
            "osc9" => Some(Notify::Osc9),
            "osc777" => Some(Notify::Osc777),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Notify::Off => "off",
            Notify::Bell => "bell",
            Notify::Osc9 => "osc9",
            Notify::Osc777 => "osc777",
        }
    }
}

/// The activity screen and its alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Seconds without a new metric after which a running run is marked stalled.
    pub stalled_after: f64,
    /// How far back (seconds) finished, failed and killed runs count as recent.
    pub recent: f64,
    /// Metric key patterns whose NaN or infinite values raise an alert.
    pub watch: Vec<String>,
    pub notify: Notify,
}

/// Every setting, after layering.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file the settings came from, if one was read.
    pub file: Option<PathBuf>,
    pub refresh: Refresh,
    pub columns: Columns,
    pub time: Time,
    pub directions: Directions,
    pub theme: Vec<ThemeEntry>,
    pub keys: Vec<KeyOverride>,
    pub activity: Activity,
    pub mouse: bool,
    /// Where artifacts were copied to (`[artifacts] root`; `--artifacts-root` wins).
    pub artifacts_root: Option<PathBuf>,
    /// The same per source (`[artifacts.sources]`: the source as typed, the folder); over
    /// `artifacts_root` for the source it names.
    pub artifacts_sources: Vec<(String, PathBuf)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            refresh: Refresh {
                local: 2.0,
                server: 10.0,
                watch: Watch::Auto,
            },
            columns: Columns {
                first: Vec::new(),
                order: ColumnGroup::ALL.to_vec(),
                hide: vec!["tags.mlflow.*".into()],
            },
            time: Time {
                zone: TimeZone::Local,
                relative: true,
            },
            directions: Directions::default(),
            theme: Vec::new(),
            keys: Vec::new(),
            activity: Activity {
                stalled_after: 600.0,
                recent: 86_400.0,
                watch: vec!["*".into()],
                notify: Notify::Off,
            },
            mouse: true,
            artifacts_root: None,
            artifacts_sources: Vec::new(),
        }
    }
}

impl Config {
    /// How times are shown.
    pub fn time_format(&self) -> crate::timefmt::TimeFormat {
        crate::timefmt::TimeFormat::new(self.time.zone, self.time.relative)
    }

    /// The metric direction patterns, as the index applies them.
    pub fn direction_rules(&self) -> crate::index::direction::Rules {
        crate::index::direction::Rules {
            lower: self.directions.lower.clone(),
            higher: self.directions.higher.clone(),
        }
    }
}

/// Where the configuration file is: `--config`, else `$MLTUI_CONFIG`, else
/// `$XDG_CONFIG_HOME/mltui/config.toml`, else `~/.config/mltui/config.toml`. The flag says
/// whether the user named it (a named file must exist; the default one may be missing).
pub fn file_path(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(PathBuf, bool)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = env("MLTUI_CONFIG").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    let base = env("XDG_CONFIG_HOME")
        .filter(|p| Path::new(p).is_absolute())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some((base.join("mltui").join("config.toml"), false))
}

/// Reads the configuration file (if any) and applies the environment over it.
pub fn load(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigErrors> {
    load_checked(flag, env, &|_| Vec::new())
}

/// Like [`load`], with `check` looking at what the layers after this one own (key names,
/// colours): its errors are reported with the file's own, in line order.
pub fn load_checked(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    check: &dyn Fn(&Config) -> Vec<ConfigError>,
) -> Result<Config, ConfigErrors> {
    let mut config = match file_path(flag, env) {
        None => Config::default(),
        Some((path, named)) => match read_limited(&path) {
            Ok(text) => {
                let shown = path.display().to_string();
                let (mut c, mut errors) = parse_partial(&text, &shown)?;
                errors.extend(check(&c).into_iter().map(|e| ConfigError {
                    path: shown.clone(),
                    ..e
                }));
                if !errors.is_empty() {
                    errors.sort_by_key(|e| e.line);
                    return Err(ConfigErrors(errors));
                }
                c.file = Some(path);
                c
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Config::default(),
            Err(e) => {
                return Err(ConfigErrors(vec![ConfigError {
                    path: path.display().to_string(),
                    line: None,
                    message: format!("cannot read the configuration file: {e}"),
                }]));
            }
        },
    };
    apply_env(&mut config, env).map_err(|e| ConfigErrors(vec![e]))?;
    Ok(config)
}

/// A configuration file is small: refuse to read more than this.
const MAX_FILE: u64 = 1 << 20;

fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_FILE + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other("larger than 1 MiB"));
    }
    Ok(text)
}

/// Environment variables over the file: `MLTUI_REFRESH` (seconds, every source),
/// `MLTUI_WATCH` (`auto`/`poll`), `MLTUI_TIME_ZONE` (`local`/`utc`), `MLTUI_MOUSE` (`0`/`1`, `false`/`true`, `off`/`on`),
/// `MLTUI_NOTIFY` (`off`, `bell`, `osc9`, `osc777`), `MLTUI_ARTIFACTS_ROOT` (a folder).
pub fn apply_env(
    config: &mut Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let bad = |var: &str, message: String| ConfigError {
        path: format!("${var}"),
        line: None,
        message,
    };
    if let Some(v) = env("MLTUI_REFRESH").filter(|v| !v.trim().is_empty()) {
        let secs = parse_seconds(v.trim())
            .ok_or_else(|| bad("MLTUI_REFRESH", format!("expected seconds >= 0, got '{v}'")))?;
        config.refresh.local = secs;
        config.refresh.server = secs;
    }
    if let Some(v) = env("MLTUI_WATCH").filter(|v| !v.trim().is_empty()) {
        config.refresh.watch = Watch::parse(v.trim()).ok_or_else(|| {
            bad(
                "MLTUI_WATCH",
                format!("expected 'auto' or 'poll', got '{v}'"),
            )
        })?;
    }
    if let Some(v) = env("MLTUI_TIME_ZONE").filter(|v| !v.trim().is_empty()) {
        config.time.zone = parse_zone(v.trim()).ok_or_else(|| {
            bad(
                "MLTUI_TIME_ZONE",
                format!("expected 'local' or 'utc', got '{v}'"),
            )
        })?;
    }
    if let Some(v) = env("MLTUI_MOUSE").filter(|v| !v.trim().is_empty()) {
        config.mouse = parse_switch(v.trim()).ok_or_else(|| {
            bad(
                "MLTUI_MOUSE",
                format!("expected 1/0, true/false or on/off, got '{v}'"),
            )
        })?;
    }
    if let Some(v) = env("MLTUI_NOTIFY").filter(|v| !v.trim().is_empty()) {
        config.activity.notify = Notify::parse(v.trim()).ok_or_else(|| {
            bad(
                "MLTUI_NOTIFY",
                format!("expected one of {}, got '{v}'", Notify::NAMES.join(", ")),
            )
        })?;
    }
    if let Some(v) = env("MLTUI_ARTIFACTS_ROOT").filter(|v| !v.trim().is_empty()) {
        config.artifacts_root = Some(expand_home(&v));
    }
    Ok(())
}

impl Config {
    /// The artifacts root for `source`: its `[artifacts.sources]` entry (a source named the
    /// way it is typed, compared once resolved), else `[artifacts] root`.
    pub fn artifacts_root_for(&self, source: &crate::store::SourceSpec) -> Option<PathBuf> {
        let id = state::source_id(source);
        let cwd = std::env::current_dir().unwrap_or_default();
        self.artifacts_sources
            .iter()
            .find(|(named, _)| {
                let named = expand_home(named).display().to_string();
                crate::store::parse_source(&named, &cwd)
                    .is_ok_and(|spec| state::source_id(&spec) == id)
            })
            .map(|(_, folder)| folder.clone())
            .or_else(|| self.artifacts_root.clone())
    }
}

/// A path with a leading `~/` read as the home folder.
pub(crate) fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A span of time: a number of seconds, or text such as `90s`, `10m`, `24h`, `2d`.
pub(crate) fn parse_span(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let factor = match unit.trim() {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    parse_seconds(number.trim()).map(|v| v * factor)
}

pub(crate) fn parse_seconds(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

pub(crate) fn parse_zone(s: &str) -> Option<TimeZone> {
    match s.to_ascii_lowercase().as_str() {
        "local" => Some(TimeZone::Local),
        "utc" => Some(TimeZone::Utc),
        _ => None,
    }
}

fn parse_switch(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// True when `name` matches `pattern`, where `*` matches any text (including none).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == name;
    };
    if parts.len() == 1 {
        return pattern == name;
    }
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests;
