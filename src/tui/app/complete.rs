//! Tab completion in the search filter: entity prefixes (`metrics.`, `params.`, `tags.`),
//! attribute names, and the metric, param and tag keys present in the loaded runs (quoted
//! when they need it: ``metrics.`val/acc` ``).

use std::ops::Range;

use crate::index::KeySets;
use crate::index::filter::quote_key;

/// An open completion popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What the word under completion may become.
    pub items: Vec<String>,
    pub selected: usize,
    /// The bytes of the prompt text the chosen item replaces.
    pub range: Range<usize>,
}

/// Attributes a filter can name.
const ATTRIBUTES: [&str; 7] = [
    "run_name",
    "status",
    "start_time",
    "end_time",
    "user_id",
    "run_id",
    "artifact_uri",
];

const ENTITIES: [&str; 4] = ["metrics.", "params.", "tags.", "attributes."];

/// Characters that end a word being completed (besides whitespace).
fn is_boundary(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '=' | '<' | '>' | '!' | ',' | '\'')
}

/// The word before `cursor` in `text` and what it could be completed to.
pub fn candidates(text: &str, cursor: usize, keys: &KeySets) -> (Range<usize>, Vec<String>) {
    let before = &text[..cursor];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| is_boundary(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &text[start..cursor];
    let range = start..cursor;
    let Some((entity, partial)) = word.split_once('.') else {
        let mut out: Vec<String> = ENTITIES
            .iter()
            .chain(ATTRIBUTES.iter())
            .filter(|c| starts_with_ci(c, word))
            .map(|c| c.to_string())
            .collect();
        if out.is_empty() {
            out = ENTITIES
                .iter()
                .chain(ATTRIBUTES.iter())
                .filter(|c| contains_ci(c, word))
                .map(|c| c.to_string())
                .collect();
        }
        return (range, out);
    };
    let pool: Vec<&String> = match entity {
        "metrics" | "metric" => keys.metrics.iter().collect(),
        "params" | "param" | "parameters" | "parameter" => keys.params.iter().collect(),
        "tags" | "tag" => keys.tags.iter().collect(),
        "attributes" | "attribute" | "attr" | "run" => {
            let out = ATTRIBUTES
                .iter()
                .filter(|a| starts_with_ci(a, partial))
                .map(|a| format!("{entity}.{a}"))
                .collect();
            return (range, out);
        }
        _ => return (range, Vec::new()),
    };
    let partial = partial.trim_start_matches(['`', '"']);
    let mut matched: Vec<&String> = pool
        .iter()
        .copied()
        .filter(|k| starts_with_ci(k, partial))
        .collect();
    if matched.is_empty() {
        matched = pool
            .iter()
            .copied()
            .filter(|k| contains_ci(k, partial))
            .collect();
    }
    let out = matched
        .into_iter()
        .map(|k| format!("{entity}.{}", quote_key(k)))
        .collect();
    (range, out)
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn contains_ci(s: &str, part: &str) -> bool {
    s.to_lowercase().contains(&part.to_lowercase())
}

/// The longest common prefix of `items`.
pub fn common_prefix(items: &[String]) -> String {
    let Some(first) = items.first() else {
        return String::new();
    };
    let mut end = first.len();
    for item in &items[1..] {
        end = first
            .char_indices()
            .zip(item.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(item.len()), |((i, _), _)| i)
            .min(end);
    }
    first[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> KeySets {
        KeySets {
            metrics: vec!["train/loss".into(), "val/acc".into(), "val/loss".into()],
            params: vec!["lr".into(), "batch_size".into()],
            tags: vec!["mlflow.runName".into()],
        }
    }

    #[test]
    fn entities_then_keys_quoted_when_needed() {
        let k = keys();
        let (r, c) = candidates("met", 3, &k);
        assert_eq!((r, c), (0..3, vec!["metrics.".to_string()]));
        let (r, c) = candidates("status = 'X' and metrics.val", 28, &k);
        assert_eq!(r, 17..28);
        assert_eq!(c, ["metrics.`val/acc`", "metrics.`val/loss`"]);
        assert_eq!(common_prefix(&c), "metrics.`val/");
        let (_, c) = candidates("(params.b", 9, &k);
        assert_eq!(c, ["params.batch_size"]);
        let (_, c) = candidates("metrics.`loss", 13, &k);
        assert_eq!(
            c,
            ["metrics.`train/loss`", "metrics.`val/loss`"],
            "substring"
        );
        let (_, c) = candidates("tags.mlflow.r", 13, &k);
        assert_eq!(c, ["tags.mlflow.runName"]);
        let (_, c) = candidates("st", 2, &k);
        assert_eq!(c, ["status", "start_time"]);
        let (_, c) = candidates("x.y", 3, &k);
        assert!(c.is_empty());
    }
}
