//! Parsing `config.toml` against the known settings: every error names its line, unknown
//! keys get the closest known key, and all errors of a file are reported together.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    ColumnGroup, Config, ConfigError, ConfigErrors, KeyOverride, Notify, ThemeEntry, Watch,
    parse_seconds, parse_span, parse_zone,
};
use crate::suggest;

/// Screens and overlays that take `[keys.SCREEN]` tables (`global`: keys that work on
/// every screen, moving included).
pub const KEY_SCREENS: [&str; 22] = [
    "global",
    "experiments",
    "runs",
    "groups",
    "detail",
    "compare",
    "chart",
    "scatter",
    "parallel",
    "importance",
    "activity",
    "views",
    "picker",
    "pager",
    "copy",
    "help",
    "models",
    "versions",
    "logged-models",
    "model",
    "artifacts",
    "file",
];

const SECTIONS: [&str; 9] = [
    "refresh",
    "columns",
    "time",
    "metrics",
    "theme",
    "keys",
    "activity",
    "mouse",
    "artifacts",
];

/// Parses a configuration file's text; `path` is used in messages.
pub fn parse(text: &str, path: &str) -> Result<Config, ConfigErrors> {
    let (config, errors) = parse_partial(text, path)?;
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// Parses what it can: the settings that are right, and an error for each one that is not
/// (so checks of later layers can add theirs). Only text that is not TOML at all fails.
pub fn parse_partial(text: &str, path: &str) -> Result<(Config, Vec<ConfigError>), ConfigErrors> {
    let doc = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        ConfigErrors(vec![ConfigError {
            path: path.into(),
            line,
            message: format!("not valid TOML: {}", e.message()),
        }])
    })?;
    let mut p = Parser {
        text,
        path,
        errors: Vec::new(),
        config: Config::default(),
    };
    p.document(doc.get_ref());
    // Tables are visited by name: report in file order.
    p.errors.sort_by_key(|e| e.line);
    p.config.keys.sort_by_key(|k| k.line);
    p.config.theme.sort_by_key(|t| t.line);
    Ok((p.config, p.errors))
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

type Value<'a> = Spanned<DeValue<'a>>;

struct Parser<'t> {
    text: &'t str,
    path: &'t str,
    errors: Vec<ConfigError>,
    config: Config,
}

impl Parser<'_> {
    fn error(&mut self, offset: usize, message: String) {
        self.errors.push(ConfigError {
            path: self.path.into(),
            line: Some(line_of(self.text, offset)),
            message,
        });
    }

    fn unknown(&mut self, key: &Spanned<std::borrow::Cow<'_, str>>, table: &str, known: &[&str]) {
        let name = key.get_ref().as_ref();
        let hint = suggest::did_you_mean(name, known.iter().copied());
        let hint = if hint.is_empty() {
            format!(" (known: {})", known.join(", "))
        } else {
            hint
        };
        let place = if table.is_empty() {
            String::new()
        } else {
            format!(" in [{table}]")
        };
        self.error(
            key.span().start,
            format!("unknown key '{name}'{place}{hint}"),
        );
    }

    /// The entries of a table value, or an error if it is something else.
    fn table<'v, 'a>(&mut self, v: &'v Value<'a>, name: &str) -> Option<&'v DeTable<'a>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.error(
                    v.span().start,
                    format!("'{name}' must be a table ([{name}])"),
                );
                None
            }
        }
    }

    fn document(&mut self, doc: &DeTable<'_>) {
        for (key, value) in doc.iter() {
            match key.get_ref().as_ref() {
                "refresh" => self.refresh(value),
                "columns" => self.columns(value),
                "time" => self.time(value),
                "metrics" => self.metrics(value),
                "theme" => self.theme(value),
                "keys" => self.keys(value),
                "activity" => self.activity(value),
                "mouse" => self.mouse(value),
                "artifacts" => self.artifacts(value),
                _ => self.unknown(key, "", &SECTIONS),
            }
        }
    }

    fn refresh(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "refresh") else {
            return;
        };
        for (key, value) in t.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "local" | "server" => {
                    if let Some(secs) = self.seconds(value, &format!("refresh.{name}")) {
                        if name == "local" {
                            self.config.refresh.local = secs;
                        } else {
                            self.config.refresh.server = secs;
                        }
                    }
                }
                "watch" => {
                    if let Some((s, at)) = self.string(value, "refresh.watch") {
                        match Watch::parse(&s) {
                            Some(w) => self.config.refresh.watch = w,
                            None => self.error(
                                at,
                                format!(
                                    "refresh.watch: expected one of {}, got \"{s}\"",
                                    Watch::NAMES.join(", ")
                                ),
                            ),
                        }
                    }
                }
                _ => self.unknown(key, "refresh", &["local", "server", "watch"]),
            }
        }
    }

    fn columns(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "columns") else {
            return;
        };
        for (key, value) in t.iter() {
            match key.get_ref().as_ref() {
                "first" => {
                    if let Some(list) = self.strings(value, "columns.first") {
                        for (s, at) in &list {
                            if crate::index::Column::parse(s).is_none() {
                                self.error(
                                    *at,
                                    format!(
                                        "columns.first: '{s}' is not a column (use an attribute \
                                         such as run_name, or metrics.KEY, params.KEY, tags.KEY)"
                                    ),
                                );
                            }
                        }
                        self.config.columns.first = list.into_iter().map(|(s, _)| s).collect();
                    }
                }
                "order" => self.column_order(value),
                "hide" => {
                    if let Some(list) = self.strings(value, "columns.hide") {
                        self.config.columns.hide = list.into_iter().map(|(s, _)| s).collect();
                    }
                }
                _ => self.unknown(key, "columns", &["first", "order", "hide"]),
            }
        }
    }

    fn column_order(&mut self, value: &Value<'_>) {
        let Some(list) = self.strings(value, "columns.order") else {
            return;
        };
        let names: Vec<&str> = ColumnGroup::ALL.iter().map(|g| g.name()).collect();
        let mut order = Vec::new();
        for (s, at) in list {
            match ColumnGroup::ALL.iter().find(|g| g.name() == s) {
                Some(g) if order.contains(g) => {
                    self.error(at, format!("columns.order: '{s}' is listed twice"));
                }
                Some(g) => order.push(*g),
                None => {
                    let hint = suggest::did_you_mean(&s, names.iter().copied());
                    self.error(
                        at,
                        format!(
                            "columns.order: unknown group '{s}'{hint} (groups: {})",
                            names.join(", ")
                        ),
                    );
                }
            }
        }
        // Groups left out keep their default place after the ones given.
        for g in ColumnGroup::ALL {
            if !order.contains(&g) {
                order.push(g);
            }
        }
        self.config.columns.order = order;
    }

    fn time(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "time") else {
            return;
        };
        for (key, value) in t.iter() {
            match key.get_ref().as_ref() {
                "zone" => {
                    if let Some((s, at)) = self.string(value, "time.zone") {
                        match parse_zone(&s) {
                            Some(z) => self.config.time.zone = z,
                            None => self.error(
                                at,
                                format!("time.zone: expected \"local\" or \"utc\", got \"{s}\""),
                            ),
                        }
                    }
                }
                "relative" => {
                    if let Some(b) = self.boolean(value, "time.relative") {
                        self.config.time.relative = b;
                    }
                }
                _ => self.unknown(key, "time", &["zone", "relative"]),
            }
        }
    }

    fn metrics(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "metrics") else {
            return;
        };
        for (key, value) in t.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "lower" | "higher" => {
                    if let Some(list) = self.strings(value, &format!("metrics.{name}")) {
                        let list = list.into_iter().map(|(s, _)| s).collect();
                        if name == "lower" {
                            self.config.directions.lower = list;
                        } else {
                            self.config.directions.higher = list;
                        }
                    }
                }
                _ => self.unknown(key, "metrics", &["lower", "higher"]),
            }
        }
    }

    fn theme(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "theme") else {
            return;
        };
        for (key, value) in t.iter() {
            let role = key.get_ref().to_string();
            if let Some((colour, _)) = self.string(value, &format!("theme.{role}")) {
                let line = line_of(self.text, key.span().start);
                self.config.theme.push(ThemeEntry { role, colour, line });
            }
        }
    }

    fn keys(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "keys") else {
            return;
        };
        for (screen_key, screen_value) in t.iter() {
            let screen = screen_key.get_ref().to_string();
            if !KEY_SCREENS.contains(&screen.as_str()) {
                self.unknown(screen_key, "keys", &KEY_SCREENS);
                continue;
            }
            let Some(bindings) = self.table(screen_value, &format!("keys.{screen}")) else {
                continue;
            };
            for (action_key, value) in bindings.iter() {
                let action = action_key.get_ref().to_string();
                let field = format!("keys.{screen}.{action}");
                let keys = match value.get_ref() {
                    DeValue::String(s) => vec![s.to_string()],
                    DeValue::Array(_) => match self.strings(value, &field) {
                        Some(list) => list.into_iter().map(|(s, _)| s).collect(),
                        None => continue,
                    },
                    _ => {
                        self.error(
                            value.span().start,
                            format!("{field}: expected a key (\"c\") or a list of keys"),
                        );
                        continue;
                    }
                };
                let line = line_of(self.text, action_key.span().start);
                self.config.keys.push(KeyOverride {
                    screen: screen.clone(),
                    action,
                    keys,
                    line,
                });
            }
        }
    }

    fn activity(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "activity") else {
            return;
        };
        for (key, value) in t.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "stalled_after" | "recent" => {
                    if let Some(secs) = self.span(value, &format!("activity.{name}")) {
                        if name == "recent" {
                            self.config.activity.recent = secs;
                        } else {
                            self.config.activity.stalled_after = secs;
                        }
                    }
                }
                "watch" => {
                    if let Some(list) = self.strings(value, "activity.watch") {
                        self.config.activity.watch = list.into_iter().map(|(s, _)| s).collect();
                    }
                }
                "notify" => {
                    if let Some((s, at)) = self.string(value, "activity.notify") {
                        match Notify::parse(&s) {
                            Some(n) => self.config.activity.notify = n,
                            None => self.error(
                                at,
                                format!(
                                    "activity.notify: expected one of {}, got \"{s}\"",
                                    Notify::NAMES.join(", ")
                                ),
                            ),
                        }
                    }
                }
                _ => self.unknown(
                    key,
                    "activity",
                    &["stalled_after", "recent", "watch", "notify"],
                ),
            }
        }
    }

    fn mouse(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "mouse") else {
            return;
        };
        for (key, value) in t.iter() {
            match key.get_ref().as_ref() {
                "enabled" => {
                    if let Some(b) = self.boolean(value, "mouse.enabled") {
                        self.config.mouse = b;
                    }
                }
                _ => self.unknown(key, "mouse", &["enabled"]),
            }
        }
    }

    fn artifacts(&mut self, v: &Value<'_>) {
        let Some(t) = self.table(v, "artifacts") else {
            return;
        };
        for (key, value) in t.iter() {
            match key.get_ref().as_ref() {
                "root" => {
                    if let Some((s, at)) = self.string(value, "artifacts.root") {
                        if s.trim().is_empty() {
                            self.error(at, "artifacts.root: expected a folder, got \"\"".into());
                        } else {
                            self.config.artifacts_root = Some(super::expand_home(&s));
                        }
                    }
                }
                "sources" => {
                    let Some(sources) = self.table(value, "artifacts.sources") else {
                        continue;
                    };
                    for (source, folder) in sources.iter() {
                        let field = format!("artifacts.sources.\"{}\"", source.get_ref());
                        if let Some((s, at)) = self.string(folder, &field) {
                            if s.trim().is_empty() {
                                self.error(at, format!("{field}: expected a folder, got \"\""));
                            } else {
                                let source = source.get_ref().to_string();
                                let folder = super::expand_home(&s);
                                self.config.artifacts_sources.push((source, folder));
                            }
                        }
                    }
                }
                _ => self.unknown(key, "artifacts", &["root", "sources"]),
            }
        }
    }

    // Typed values.

    fn string(&mut self, v: &Value<'_>, field: &str) -> Option<(String, usize)> {
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span().start)),
            other => {
                let got = kind(other);
                self.error(v.span().start, format!("{field}: expected text, got {got}"));
                None
            }
        }
    }

    fn strings(&mut self, v: &Value<'_>, field: &str) -> Option<Vec<(String, usize)>> {
        let DeValue::Array(items) = v.get_ref() else {
            let got = kind(v.get_ref());
            self.error(
                v.span().start,
                format!("{field}: expected a list of text, got {got}"),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span().start)),
                other => {
                    let got = kind(other);
                    self.error(
                        item.span().start,
                        format!("{field}: expected text in the list, got {got}"),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn boolean(&mut self, v: &Value<'_>, field: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let got = kind(other);
                self.error(
                    v.span().start,
                    format!("{field}: expected true or false, got {got}"),
                );
                None
            }
        }
    }

    /// A span of time: seconds as a number, or text such as "10m", "24h", "2d".
    fn span(&mut self, v: &Value<'_>, field: &str) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => parse_seconds(&i.as_str().replace('_', "")),
            DeValue::Float(f) => parse_seconds(&f.as_str().replace('_', "")),
            DeValue::String(s) => parse_span(s),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                v.span().start,
                format!("{field}: expected seconds, or a span such as \"10m\", \"24h\", \"2d\""),
            );
        }
        parsed
    }

    fn seconds(&mut self, v: &Value<'_>, field: &str) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) if i.radix() == 10 => parse_seconds(&i.as_str().replace('_', "")),
            DeValue::Float(f) => parse_seconds(&f.as_str().replace('_', "")),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                v.span().start,
                format!("{field}: expected a number of seconds >= 0"),
            );
        }
        parsed
    }
}

fn kind(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}
