//! The key bindings in effect: the built-in keymap with the keys `[keys.SCREEN]` gives,
//! checked (unknown actions and keys, a key two actions of a screen would share), and what
//! lookup, help, the footer and `mltui config --keys` read. Keys as the file writes them.

use std::collections::HashMap;

use super::action::Action;
use super::keymap::{Binding, Context, Group, Key, groups};
use crate::config::{ConfigError, KeyOverride};

impl Key {
    /// Reads a key as `[keys]` writes it: a character, `ctrl-x`, `alt-x`, or a name
    /// (`enter`, `esc`, `tab`, `space`, `backspace`, `delete`, arrows, `pgup`, `pgdn`,
    /// `home`, `end`).
    pub fn parse(s: &str) -> Option<Key> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return (!c.is_control()).then_some(Key::Ch(c));
        }
        let lower = s.to_ascii_lowercase();
        let one = |rest: &str| {
            let mut cs = rest.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if !c.is_control() && c != ' ' => Some(c),
                _ => None,
            }
        };
        if let Some(rest) = lower
            .strip_prefix("ctrl-")
            .or_else(|| lower.strip_prefix("c-"))
        {
            return match rest {
                "left" => Some(Key::AltLeft),
                "right" => Some(Key::AltRight),
                "backspace" => Some(Key::AltBackspace),
                _ => one(rest).filter(char::is_ascii_alphabetic).map(Key::Ctrl),
            };
        }
        if let Some(rest) = s
            .strip_prefix("alt-")
            .or_else(|| s.strip_prefix("Alt-"))
            .or_else(|| s.strip_prefix("ALT-"))
            .or_else(|| s.strip_prefix("M-"))
        {
            return match rest.to_ascii_lowercase().as_str() {
                "left" => Some(Key::AltLeft),
                "right" => Some(Key::AltRight),
                "backspace" => Some(Key::AltBackspace),
                _ => one(rest).map(Key::Alt),
            };
        }
        Some(match lower.as_str() {
            "space" => Key::Ch(' '),
            "enter" | "return" => Key::Enter,
            "esc" | "escape" => Key::Esc,
            "tab" => Key::Tab,
            "backspace" | "bksp" => Key::Backspace,
            "delete" | "del" => Key::Delete,
            "up" => Key::Up,
            "down" => Key::Down,
            "left" => Key::Left,
            "right" => Key::Right,
            "pgup" | "pageup" | "page_up" => Key::PageUp,
            "pgdn" | "pagedown" | "page_down" => Key::PageDown,
            "home" => Key::Home,
            "end" => Key::End,
            _ => return None,
        })
    }

    /// The key as `[keys]` writes it (`Key::parse` reads it back).
    pub fn config_name(self) -> String {
        match self {
            Key::Ch(' ') => "space".into(),
            Key::Ch(c) => c.to_string(),
            Key::Ctrl(c) => format!("ctrl-{c}"),
            Key::Alt(c) => format!("alt-{c}"),
            Key::Up => "up".into(),
            Key::Down => "down".into(),
            Key::Left => "left".into(),
            Key::Right => "right".into(),
            Key::AltLeft => "alt-left".into(),
            Key::AltRight => "alt-right".into(),
            Key::PageUp => "pgup".into(),
            Key::PageDown => "pgdn".into(),
            Key::Home => "home".into(),
            Key::End => "end".into(),
            Key::Enter => "enter".into(),
            Key::Esc => "esc".into(),
            Key::Tab => "tab".into(),
            Key::Backspace => "backspace".into(),
            Key::AltBackspace => "alt-backspace".into(),
            Key::Delete => "delete".into(),
        }
    }
}

/// The key bindings in effect: the built-in tables with the keys `[keys]` gives.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// Keys by `(screen, action)`, replacing the built-in ones.
    overrides: HashMap<(&'static str, Action), Vec<Key>>,
}

impl Keymap {
    /// The keymap with `[keys]` applied, or every problem with its line: an unknown screen
    /// or action, a key that cannot be read, a key bound to two actions of a screen.
    pub fn from_config(entries: &[KeyOverride]) -> Result<Keymap, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut map = Keymap::default();
        // Where each override came from, for conflict messages.
        let mut lines: HashMap<(&'static str, Action), usize> = HashMap::new();
        for e in entries {
            let error = |message: String| ConfigError {
                path: String::new(),
                line: Some(e.line),
                message,
            };
            let field = format!("keys.{}.{}", e.screen, e.action);
            let Some(screen) = SCREENS.iter().copied().find(|s| *s == e.screen) else {
                errors.push(error(format!("unknown screen '{}' in [keys]", e.screen)));
                continue;
            };
            let actions = actions_of(screen);
            let Some(&(action, _)) = actions.iter().find(|(_, n)| *n == e.action) else {
                let names: Vec<&str> = actions.iter().map(|(_, n)| *n).collect();
                let hint = crate::suggest::did_you_mean(&e.action, names.iter().copied());
                let hint = if hint.is_empty() {
                    format!(" (actions: {})", names.join(", "))
                } else {
                    hint
                };
                errors.push(error(format!(
                    "{field}: '{}' is not an action of [keys.{screen}]{hint}",
                    e.action
                )));
                continue;
            };
            if e.keys.is_empty() {
                errors.push(error(format!("{field}: give at least one key")));
                continue;
            }
            let mut keys = Vec::new();
            for k in &e.keys {
                match Key::parse(k) {
                    Some(key) if !keys.contains(&key) => keys.push(key),
                    Some(_) => {}
                    None => errors.push(error(format!(
                        "{field}: '{k}' is not a key (a character, \"ctrl-x\", \"alt-x\", \
                         \"enter\", \"esc\", \"tab\", \"space\", \"backspace\", \"delete\", \
                         \"up\", \"down\", \"left\", \"right\", \"pgup\", \"pgdn\", \"home\", \"end\")"
                    ))),
                }
            }
            lines.insert((screen, action), e.line);
            map.overrides.insert((screen, action), keys);
        }
        // Conflicts: in every context, one key must mean one action.
        let mut seen_conflicts = std::collections::HashSet::new();
        for ctx in Context::ALL {
            let mut owner: HashMap<Key, (Group, Action)> = HashMap::new();
            for group in groups(ctx) {
                for bind in group.bindings {
                    for &key in map.keys(&group, bind) {
                        match owner.get(&key) {
                            Some((other, a)) if *a != bind.action => {
                                let here = lines.get(&(group.screen, bind.action));
                                let there = lines.get(&(other.screen, *a));
                                let Some(&line) = here.or(there) else {
                                    continue;
                                };
                                let (mine, theirs) = if here.is_some() {
                                    ((group.screen, bind.action), (other.screen, *a))
                                } else {
                                    ((other.screen, *a), (group.screen, bind.action))
                                };
                                if !seen_conflicts.insert((line, key)) {
                                    continue;
                                }
                                errors.push(ConfigError {
                                    path: String::new(),
                                    line: Some(line),
                                    message: format!(
                                        "keys.{}.{}: '{}' is already {} on the {} screen \
                                         ([keys.{}] {}); give that action another key too",
                                        mine.0,
                                        mine.1.name().unwrap_or_default(),
                                        key.config_name(),
                                        theirs.1.name().unwrap_or_default(),
                                        ctx.name(),
                                        theirs.0,
                                        theirs.1.name().unwrap_or_default(),
                                    ),
                                });
                            }
                            Some(_) => {}
                            None => {
                                owner.insert(key, (group, bind.action));
                            }
                        }
                    }
                }
            }
        }
        errors.sort_by_key(|e| e.line);
        if errors.is_empty() {
            Ok(map)
        } else {
            Err(errors)
        }
    }

    /// The keys of a binding in effect.
    pub fn keys<'a>(&'a self, group: &Group, bind: &'a Binding) -> &'a [Key] {
        match self.overrides.get(&(group.screen, bind.action)) {
            Some(keys) => keys,
            None => bind.keys,
        }
    }

    /// The action for a key in a context. In text contexts, printable keys become input.
    pub fn lookup(&self, ctx: Context, key: Key) -> Option<Action> {
        for group in groups(ctx) {
            if let Some(bind) = group
                .bindings
                .iter()
                .find(|b| self.keys(&group, b).contains(&key))
            {
                return Some(bind.action);
            }
        }
        match (ctx, key) {
            (Context::Input | Context::Picker | Context::CopyMenu, Key::Ch(c)) => {
                Some(Action::InputChar(c))
            }
            _ => None,
        }
    }

    /// The first key of `action` in a context, as shown (for hints in messages).
    pub fn label(&self, ctx: Context, action: Action) -> String {
        groups(ctx)
            .iter()
            .find_map(|g| {
                g.bindings
                    .iter()
                    .find(|b| b.action == action)
                    .and_then(|b| self.keys(g, b).first())
            })
            .map(|k| k.label())
            .unwrap_or_else(|| "?".into())
    }

    /// Footer entries for a context: `(keys, label)`.
    pub fn footer(&self, ctx: Context) -> Vec<(String, &'static str)> {
        let mut entries: Vec<(String, &'static str)> = groups(ctx)
            .into_iter()
            .flat_map(|g| g.bindings.iter().map(move |b| (g, b)))
            .filter_map(|(g, b)| {
                b.footer.map(|f| {
                    let keys = self.keys(&g, b);
                    (keys.first().map(|k| k.label()).unwrap_or_default(), f)
                })
            })
            .collect();
        // Help and back/quit go last: the footer keeps them when it must drop entries.
        let tail: Vec<_> = entries
            .iter()
            .filter(|(_, f)| matches!(*f, "help" | "back" | "quit"))
            .cloned()
            .collect();
        entries.retain(|(_, f)| !matches!(*f, "help" | "back" | "quit"));
        entries.extend(tail);
        entries
    }

    /// Every bindable action per screen with its keys and help, for `mltui config --keys`.
    pub fn describe(&self) -> Vec<(&'static str, Vec<ActionKeys>)> {
        SCREENS
            .iter()
            .map(|&screen| {
                let mut rows = Vec::new();
                for group in all_groups().into_iter().filter(|g| g.screen == screen) {
                    for b in group.bindings {
                        let Some(name) = b.action.name() else {
                            continue;
                        };
                        if rows.iter().any(|(n, _, _)| *n == name) {
                            continue;
                        }
                        rows.push((name, self.keys(&group, b).to_vec(), b.help));
                    }
                }
                (screen, rows)
            })
            .collect()
    }
}

/// An action's name, its keys in effect and its help text.
pub type ActionKeys = (&'static str, Vec<Key>, &'static str);

/// The screens `[keys]` takes, as the configuration file checks them.
const SCREENS: [&str; 22] = crate::config::KEY_SCREENS;

/// Every group of every context, each once.
fn all_groups() -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for ctx in Context::ALL {
        for group in groups(ctx) {
            if !out.iter().any(|o| std::ptr::eq(o.bindings, group.bindings)) {
                out.push(group);
            }
        }
    }
    out
}

/// The bindable actions of a `[keys.SCREEN]` table, by name.
fn actions_of(screen: &str) -> Vec<(Action, &'static str)> {
    let mut out: Vec<(Action, &'static str)> = Vec::new();
    for group in all_groups().into_iter().filter(|g| g.screen == screen) {
        for b in group.bindings {
            if let Some(name) = b.action.name() {
                if !out.iter().any(|(a, _)| *a == b.action) {
                    out.push((b.action, name));
                }
            }
        }
    }
    out
}

/// Checks `[keys]` entries (for the configuration file's check).
pub fn check_keys(entries: &[KeyOverride]) -> Vec<ConfigError> {
    Keymap::from_config(entries).err().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Key as K;

    fn over(screen: &str, action: &str, keys: &[&str], line: usize) -> KeyOverride {
        KeyOverride {
            screen: screen.into(),
            action: action.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            line,
        }
    }

    #[test]
    fn keys_read_back_as_they_are_written() {
        for k in [
            K::Ch('c'),
            K::Ch('C'),
            K::Ch(' '),
            K::Ch('/'),
            K::Ctrl('k'),
            K::Alt('x'),
            K::Enter,
            K::Esc,
            K::Tab,
            K::PageDown,
            K::AltLeft,
            K::Delete,
        ] {
            assert_eq!(Key::parse(&k.config_name()), Some(k), "{k:?}");
        }
        assert_eq!(Key::parse("Ctrl-K"), Some(K::Ctrl('k')));
        assert_eq!(Key::parse("PageUp"), Some(K::PageUp));
        for bad in ["", "ctrl-", "ctrl-1", "f13", "shift-a", "\u{7}"] {
            assert_eq!(Key::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn overrides_replace_the_keys_of_an_action_in_lookup_footer_and_help() {
        let map = Keymap::from_config(&[
            over("runs", "compare", &["K"], 3),
            over("global", "help", &["F", "?"], 5),
        ])
        .expect("valid");
        assert_eq!(map.lookup(Context::Runs, K::Ch('K')), Some(A::Compare));
        assert_eq!(map.lookup(Context::Runs, K::Ch('c')), None, "c is free now");
        assert_eq!(map.lookup(Context::Detail, K::Ch('F')), Some(A::Help));
        let footer = map.footer(Context::Runs);
        assert!(footer.contains(&("K".to_string(), "compare")), "{footer:?}");
        assert!(footer.contains(&("F".to_string(), "help")), "{footer:?}");
        assert_eq!(map.label(Context::Runs, A::Compare), "K");
        // Other screens keep their own keys.
        assert_eq!(map.lookup(Context::Compare, K::Ch('c')), None);
        assert_eq!(
            map.lookup(Context::Experiments, K::Ch('A')),
            Some(A::Activity)
        );
    }

    #[test]
    fn bad_overrides_are_errors_naming_their_line() {
        let errors = |entries: &[KeyOverride]| -> Vec<String> {
            Keymap::from_config(entries)
                .expect_err("invalid")
                .iter()
                .map(|e| format!("{}: {}", e.line.unwrap_or(0), e.message))
                .collect()
        };
        assert_eq!(
            errors(&[over("runs", "compair", &["K"], 4)]),
            [
                "4: keys.runs.compair: 'compair' is not an action of [keys.runs]; did you mean compare?"
            ]
        );
        assert_eq!(
            errors(&[over("chart", "zoom_in", &["ctrl-"], 7)]),
            [
                "7: keys.chart.zoom_in: 'ctrl-' is not a key (a character, \"ctrl-x\", \"alt-x\", \
                 \"enter\", \"esc\", \"tab\", \"space\", \"backspace\", \"delete\", \"up\", \
                 \"down\", \"left\", \"right\", \"pgup\", \"pgdn\", \"home\", \"end\")"
            ]
        );
        // `s` sorts in the run table: plotting with it too is a conflict.
        assert_eq!(
            errors(&[over("runs", "plot", &["s"], 9)]),
            [
                "9: keys.runs.plot: 's' is already sort on the runs screen ([keys.runs] sort); give \
                 that action another key too"
            ]
        );
        // A global key that a screen uses is a conflict there.
        let e = errors(&[over("global", "help", &["h"], 2)]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("2: keys.global.help: 'h' is already left on the runs screen"),
            "{e:?}"
        );
        // Moving a key from one action to another, both in the file, is fine.
        Keymap::from_config(&[
            over("runs", "plot", &["s"], 1),
            over("runs", "sort", &["S", "ctrl-s"], 2),
        ])
        .expect_err("S is add_sort_key");
        Keymap::from_config(&[
            over("runs", "plot", &["s"], 1),
            over("runs", "sort", &["ctrl-s"], 2),
        ])
        .expect("swapped");
    }

    #[test]
    fn the_global_first_row_keys_leave_g_to_group_mode() {
        // What `mltui config --keys` lists for [keys.global] reads back without conflict.
        let map = Keymap::from_config(&[over("global", "top", &["g", "home"], 1)]).expect("valid");
        assert_eq!(map.lookup(Context::Runs, K::Ch('g')), Some(A::GroupBy));
        assert_eq!(map.lookup(Context::Detail, K::Ch('g')), Some(A::Top));
        // The run table's own first-row key is [keys.runs] top.
        let map = Keymap::from_config(&[over("runs", "top", &["T"], 1)]).expect("valid");
        assert_eq!(map.lookup(Context::Runs, K::Ch('T')), Some(A::Top));
        assert_eq!(map.lookup(Context::Groups, K::Ch('T')), Some(A::Top));
        assert_eq!(map.lookup(Context::Runs, K::Home), None);
    }

    #[test]
    fn every_screen_the_file_names_has_bindings() {
        for screen in SCREENS {
            assert!(!actions_of(screen).is_empty(), "{screen}");
        }
    }
}
