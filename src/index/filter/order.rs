//! MLflow's `order_by`: parsing `"<identifier> [ASC|DESC]"` items into `OrderKey`s and
//! ordering rows with them through `index::sort` (values, then NaN, then missing, in both
//! directions; ties by start_time DESC, run_id ASC).

use std::fmt;

use super::FilterError;
use super::ast::{Subject, key};
use super::check::{Purpose, resolve};
use super::lexer::{Tok, tokenize};
use super::parser::{Parser, with_agg};
use crate::index::column::Column;
use crate::index::sort::{SortKey, TextOrder, sort_rows};
use crate::model::Run;

/// One parsed `order_by` item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderKey {
    /// An attribute (run_id, run_name, status, user_id, artifact_uri, start_time, end_time),
    /// a metric, a param or a tag.
    pub column: Column,
    pub descending: bool,
}

impl From<&OrderKey> for SortKey {
    fn from(k: &OrderKey) -> Self {
        SortKey {
            column: k.column.clone(),
            descending: k.descending,
        }
    }
}

/// Canonical text, accepted back by `parse_order_by`: `metrics.`train/loss` DESC`.
impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Column::Attr(a) => f.write_str(a.name())?,
            Column::Metric(k) => write!(f, "metrics.{}", key(k))?,
            Column::Param(k) => write!(f, "params.{}", key(k))?,
            Column::Tag(k) => write!(f, "tags.{}", key(k))?,
            Column::MetricAgg(k, a) => write!(f, "metrics.{}{}", key(k), a.suffix())?,
        }
        f.write_str(if self.descending { " DESC" } else { " ASC" })
    }
}

/// Parses MLflow `order_by` items, one key per item. Positions in errors are char offsets
/// into the offending item. A key given twice is an error, as on MLflow's SQL stores.
pub fn parse_order_by(items: &[String]) -> Result<Vec<OrderKey>, FilterError> {
    let mut keys: Vec<OrderKey> = Vec::with_capacity(items.len());
    for item in items {
        let k = parse_item(item)?;
        if keys.iter().any(|seen| seen.column == k.column) {
            let list: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
            return Err(FilterError::new(
                0,
                format!(
                    "`order_by` contains duplicate fields: [{}]",
                    list.join(", ")
                ),
            ));
        }
        keys.push(k);
    }
    Ok(keys)
}

fn parse_item(item: &str) -> Result<OrderKey, FilterError> {
    let chars: Vec<char> = item.chars().collect();
    let unparsable = |at: usize, hint: &str| {
        FilterError::new(
            at,
            format!("Invalid order_by clause '{item}'. Could not be parsed.{hint}"),
        )
    };
    let toks = tokenize(&chars).map_err(|e| unparsable(e.position, ""))?;
    if toks.is_empty() {
        return Err(unparsable(0, ""));
    }
    if let Some(t) = toks.iter().find(|t| t.tok == Tok::Comma) {
        return Err(unparsable(t.start, " Give one key per item."));
    }
    let mut p = Parser::new(&chars, toks);
    let first = p.peek().map_or(0, |t| t.start);
    if !matches!(
        p.peek().map(|t| &t.tok),
        Some(Tok::Word(_) | Tok::Backticked(_) | Tok::Str { quote: '"', .. })
    ) {
        return Err(unparsable(first, ""));
    }
    let id = p.ident()?;
    // mltui extension: an aggregate glued to a metric (`metrics.val/loss:min DESC`).
    let agg = p.agg_suffix(&id)?;
    let descending = match p.peek().cloned() {
        None => false,
        Some(t) if t.start == id.end => return Err(unparsable(id.start, "")),
        Some(t) => {
            p.advance();
            if p.peek().is_some() {
                return Err(unparsable(t.start, ""));
            }
            match &t.tok {
                Tok::Word(w) if w.eq_ignore_ascii_case("asc") => false,
                Tok::Word(w) if w.eq_ignore_ascii_case("desc") => true,
                Tok::Word(_) => {
                    return Err(FilterError::new(
                        t.start,
                        format!("Invalid ordering key in order_by clause '{item}'."),
                    ));
                }
                _ => return Err(unparsable(t.start, "")),
            }
        }
    };
    let column = match with_agg(resolve(&id, Purpose::Order)?, agg, id.start)? {
        Subject::Metric(k) => Column::Metric(k),
        Subject::MetricAgg(k, a) => Column::MetricAgg(k, a),
        Subject::Param(k) => Column::Param(k),
        Subject::Tag(k) => Column::Tag(k),
        Subject::Attr(a) => Column::Attr(a),
        Subject::Dataset(_) => {
            return Err(FilterError::new(
                id.start,
                "Invalid order_by entity type 'dataset'",
            ));
        }
    };
    Ok(OrderKey { column, descending })
}

/// Orders `rows` (indices into `runs`) by `keys`, then by start_time DESC, run_id ASC.
/// Params and tags compare as strings, metrics as numbers with NaN and then missing last.
pub fn order_runs(runs: &[Run], rows: &mut [usize], keys: &[OrderKey]) {
    let keys: Vec<SortKey> = keys.iter().map(SortKey::from).collect();
    sort_rows(runs, rows, &keys, TextOrder::Lexical, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::column::Attr;
    use crate::index::tests::run_with;

    fn parse1(s: &str) -> Result<OrderKey, FilterError> {
        parse_order_by(&[s.to_string()]).map(|mut v| v.remove(0))
    }

    fn msg(s: &[&str]) -> String {
        let items: Vec<String> = s.iter().map(|x| x.to_string()).collect();
        parse_order_by(&items)
            .expect_err(&items.join(" | "))
            .message
    }

    #[test]
    fn parses_keys_and_directions() {
        let m = |k: &str, d| OrderKey {
            column: Column::Metric(k.into()),
            descending: d,
        };
        assert_eq!(parse1("metrics.acc").ok(), Some(m("acc", false)));
        assert_eq!(parse1("metrics.acc desc").ok(), Some(m("acc", true)));
        assert_eq!(parse1("metric.acc Asc").ok(), Some(m("acc", false)));
        assert_eq!(
            parse1("metrics.`train/loss` DESC").ok(),
            Some(m("train/loss", true))
        );
        assert_eq!(
            parse1("metrics.\"train/loss\"  DESC").ok(),
            Some(m("train/loss", true))
        );
        let created = parse1("created DESC").expect("created");
        assert_eq!(created.column, Column::Attr(Attr::StartTime));
        assert_eq!(
            parse1("tags.mlflow.runName").map(|k| k.column).ok(),
            Some(Column::Tag("mlflow.runName".into()))
        );
        assert_eq!(
            parse1("params.ключ").map(|k| k.column).ok(),
            Some(Column::Param("ключ".into()))
        );
        for a in [
            "run_id",
            "run_name",
            "status",
            "user_id",
            "artifact_uri",
            "start_time",
            "end_time",
        ] {
            assert!(parse1(a).is_ok(), "{a}");
        }
    }

    #[test]
    fn errors_follow_mlflow() {
        assert_eq!(
            msg(&["metrics.acc DOWN"]),
            "Invalid ordering key in order_by clause 'metrics.acc DOWN'."
        );
        assert!(
            msg(&["metrics.acc DESC, params.lr"])
                .contains("Could not be parsed. Give one key per item.")
        );
        assert!(msg(&["metrics.acc DESC DESC"]).contains("Could not be parsed"));
        assert!(msg(&["metrics.val/acc"]).contains("Could not be parsed"));
        assert!(msg(&[""]).contains("Could not be parsed"));
        assert!(msg(&["experiment_id"]).starts_with("Invalid attribute key 'experiment_id'"));
        assert!(msg(&["`run name`"]).starts_with("Invalid attribute key 'run name'"));
        assert!(msg(&["METRICS.acc"]).starts_with("Invalid entity type 'METRICS'"));
        assert_eq!(
            msg(&["dataset.name"]),
            "Invalid order_by entity type 'dataset'"
        );
        assert_eq!(
            msg(&["metrics.acc DESC", "metric.acc ASC"]),
            "`order_by` contains duplicate fields: ['metrics.acc DESC', 'metric.acc ASC']"
        );
        assert!(msg(&["created", "start_time DESC"]).contains("duplicate"));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "metrics.`train/loss` DESC",
            "params.lr ASC",
            "tags.mlflow.runName DESC",
            "start_time ASC",
            "tags.`my tag` ASC",
        ] {
            let k = parse1(s).expect(s);
            assert_eq!(k.to_string(), s);
            assert_eq!(parse1(&k.to_string()).ok(), Some(k));
        }
    }

    #[test]
    fn metrics_values_then_nan_then_missing_both_ways() {
        let runs = vec![
            run_with("a", 1, &[("acc", 0.5)], &[("bs", "32")]),
            run_with("b", 2, &[("acc", f64::NAN)], &[("bs", "128")]),
            run_with("c", 3, &[], &[("bs", "96")]),
            run_with("d", 4, &[("acc", 0.9)], &[]),
            run_with("e", 5, &[("acc", -0.0)], &[("bs", "64")]),
            run_with("f", 6, &[("acc", 0.0)], &[]),
        ];
        let order = |items: &[&str]| {
            let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            let keys = parse_order_by(&items).expect("valid");
            let mut rows: Vec<usize> = (0..runs.len()).collect();
            order_runs(&runs, &mut rows, &keys);
            rows.iter()
                .map(|&i| runs[i].run_id.clone())
                .collect::<Vec<_>>()
        };
        // -0.0 and 0.0 tie, so start_time DESC decides between e and f.
        assert_eq!(order(&["metrics.acc"]), ["f", "e", "a", "d", "b", "c"]);
        assert_eq!(order(&["metrics.acc DESC"]), ["d", "a", "f", "e", "b", "c"]);
        assert_eq!(order(&["params.bs DESC"]), ["c", "e", "a", "b", "f", "d"]);
        assert_eq!(order(&[]), ["f", "e", "d", "c", "b", "a"]);
    }
}
