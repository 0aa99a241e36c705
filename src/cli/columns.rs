//! `--columns`: typed column names, parsed and checked against the keys the runs have. A
//! name that matches nothing is a [`UsageError`] naming the closest existing columns.

use std::fmt::Write as _;

use super::pick::UsageError;
use crate::index::{Attr, Column, KeySets};
use crate::{suggest, text};

const COLUMN_HELP: &str = "columns are attributes (run_id, run_name, experiment_id, status, \
     lifecycle_stage, user_id, start_time, end_time, duration, artifact_uri) or metrics.KEY \
     (also an aggregate of its history: metrics.KEY:min, :max, :first, :mean, :count, \
     :min_step, :max_step, metrics.KEY@STEP), params.KEY, tags.KEY";

/// Parses `--columns`; an unknown attribute or entity is an error with suggestions.
pub fn parse(names: &[String]) -> Result<Vec<Column>, UsageError> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for n in names.iter().filter(|n| !n.trim().is_empty()) {
        match Column::parse(n) {
            Some(c) => out.push(c),
            None => {
                let t = n.trim();
                let attrs = Attr::ALL.iter().map(|a| a.name());
                let mut hint = suggest::did_you_mean(t, attrs);
                if hint.is_empty() {
                    if let Some((entity, key)) = t.split_once('.') {
                        let e = suggest::closest(entity, ["metrics", "params", "tags"], 1);
                        if let Some(e) = e.first() {
                            hint = format!("; did you mean {e}.{key}?");
                        }
                    }
                }
                bad.push(format!("'{}'{hint}", text::sanitize(t)));
            }
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        let noun = if bad.len() == 1 { "column" } else { "columns" };
        Err(UsageError {
            message: format!("unknown {noun} {}", bad.join(", ")),
            details: vec![COLUMN_HELP.to_string()],
        })
    }
}

/// What a key check found.
#[derive(Debug, Default, PartialEq)]
pub struct KeyCheck {
    /// Keys no loaded run has: `(column name, suggestion)`; an error.
    pub unknown: Vec<(String, String)>,
    /// Keys some loaded run has but no selected one (filtered or deleted away): a note.
    pub unselected: Vec<String>,
}

/// Checks the metric, param and tag keys of `columns` against the keys of every loaded run
/// (`loaded`) and of the runs shown (`selected`).
pub fn check_keys(columns: &[Column], loaded: &KeySets, selected: &KeySets) -> KeyCheck {
    let mut check = KeyCheck::default();
    for c in columns {
        let (key, have, shown): (&str, &[String], &[String]) = match c {
            Column::Attr(_) => continue,
            Column::Metric(k) | Column::MetricAgg(k, _) => (k, &loaded.metrics, &selected.metrics),
            Column::Param(k) => (k, &loaded.params, &selected.params),
            Column::Tag(k) => (k, &loaded.tags, &selected.tags),
        };
        if have.binary_search_by(|h| h.as_str().cmp(key)).is_err() {
            check
                .unknown
                .push((c.name().into_owned(), suggestion(c, key, loaded)));
        } else if shown.binary_search_by(|h| h.as_str().cmp(key)).is_err() {
            check.unselected.push(c.name().into_owned());
        }
    }
    check
}

/// "; did you mean …?" for a key: close keys of the same kind first, then the same key
/// under another kind (`params.acc` when `acc` is a metric).
fn suggestion(c: &Column, key: &str, loaded: &KeySets) -> String {
    let groups: [(&str, &[String], bool); 3] = [
        (
            "metrics",
            &loaded.metrics,
            matches!(c, Column::Metric(_) | Column::MetricAgg(..)),
        ),
        ("params", &loaded.params, matches!(c, Column::Param(_))),
        ("tags", &loaded.tags, matches!(c, Column::Tag(_))),
    ];
    let mut names: Vec<String> = Vec::new();
    for (entity, keys, same) in groups {
        if same {
            let close = suggest::closest(key, keys.iter().map(String::as_str), 3);
            names.extend(close.into_iter().map(|k| format!("{entity}.{k}")));
        }
    }
    for (entity, keys, same) in groups {
        if !same && keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            names.push(format!("{entity}.{key}"));
        }
    }
    names.truncate(3);
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// The error for unknown keys, naming where they were looked for: one line for one key,
/// else one detail line per key.
pub fn unknown_error(unknown: &[(String, String)], scope: &str) -> UsageError {
    if let [(name, hint)] = unknown {
        return UsageError::new(format!(
            "unknown column '{}': no run in {scope} has it{hint}",
            text::sanitize(name)
        ));
    }
    UsageError {
        message: format!(
            "unknown columns: no run in {scope} has {}",
            if unknown.len() == 2 {
                "either"
            } else {
                "any of them"
            }
        ),
        details: unknown
            .iter()
            .map(|(name, hint)| {
                let hint = hint.strip_prefix("; ").unwrap_or(hint);
                let mut line = format!("'{}'", text::sanitize(name));
                if !hint.is_empty() {
                    let _ = write!(line, ": {hint}");
                }
                line
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(m: &[&str], p: &[&str], t: &[&str]) -> KeySets {
        let own = |v: &[&str]| {
            let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        KeySets {
            metrics: own(m),
            params: own(p),
            tags: own(t),
        }
    }

    #[test]
    fn attribute_typos_suggest_attributes() {
        let e = parse(&["run_nmae".into()]).expect_err("typo");
        assert!(
            e.message
                .starts_with("unknown column 'run_nmae'; did you mean run_name?"),
            "{}",
            e.message
        );
        let e = parse(&["metric.acc".into(), "metrcs.acc".into()]).expect_err("entity");
        assert!(
            e.message
                .starts_with("unknown column 'metrcs.acc'; did you mean metrics.acc?"),
            "{}",
            e.message
        );
        assert_eq!(
            parse(&["run_id".into(), " ".into(), "tags.a b".into()]).ok(),
            Some(vec![Column::Attr(Attr::RunId), Column::Tag("a b".into())])
        );
    }

    #[test]
    fn unknown_keys_are_errors_and_unselected_keys_are_notes() {
        let loaded = keys(&["val_f1", "val_acc", "acc"], &["lr"], &["team"]);
        let selected = keys(&["val_acc"], &["lr"], &[]);
        let cols = parse(&[
            "run_name".into(),
            "metrics.eval_f1".into(),
            "metrics.val_acc".into(),
            "metrics.val_f1".into(),
            "params.acc".into(),
            "tags.team".into(),
            "tags.nothing_like_it".into(),
        ])
        .expect("parses");
        let check = check_keys(&cols, &loaded, &selected);
        assert_eq!(
            check.unknown,
            [
                (
                    "metrics.eval_f1".to_string(),
                    "; did you mean metrics.val_f1?".to_string()
                ),
                (
                    "params.acc".to_string(),
                    "; did you mean metrics.acc?".to_string()
                ),
                ("tags.nothing_like_it".to_string(), String::new()),
            ]
        );
        assert_eq!(check.unselected, ["metrics.val_f1", "tags.team"]);
        let e = unknown_error(&check.unknown[..1], "experiment 'sweep'");
        assert_eq!(
            e.message,
            "unknown column 'metrics.eval_f1': no run in experiment 'sweep' has it; \
             did you mean metrics.val_f1?"
        );
        let e = unknown_error(&check.unknown, "the store");
        assert_eq!(
            e.message,
            "unknown columns: no run in the store has any of them"
        );
        assert_eq!(
            e.details,
            [
                "'metrics.eval_f1': did you mean metrics.val_f1?",
                "'params.acc': did you mean metrics.acc?",
                "'tags.nothing_like_it'",
            ]
        );
    }
}
