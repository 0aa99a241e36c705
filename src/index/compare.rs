//! The transposed comparison of a few runs: one row per key (attributes, params, metrics,
//! tags), one column per run, with which rows differ and which run is best per metric.

use super::column::{Attr, Column, KeySets, Value};
use super::diff::same;
use crate::export::runs::cell;
use crate::export::{Cell, Table};
use crate::model::Run;

/// The group a comparison row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Attributes,
    Params,
    Metrics,
    Tags,
}

/// One row of a comparison.
#[derive(Debug, Clone)]
pub struct CompareRow {
    pub section: Section,
    pub column: Column,
    /// True when not every run has the same value.
    pub differs: bool,
    /// For metrics: the run (column position) with the best latest value.
    pub best: Option<usize>,
}

/// Attribute rows shown at the top of a comparison.
const ATTRS: [Attr; 8] = [
    Attr::RunName,
    Attr::RunId,
    Attr::ExperimentId,
    Attr::Status,
    Attr::User,
    Attr::StartTime,
    Attr::EndTime,
    Attr::Duration,
];

/// A comparison of runs.
#[derive(Debug)]
pub struct Comparison<'a> {
    pub runs: Vec<&'a Run>,
    pub rows: Vec<CompareRow>,
    now_ms: i64,
}

/// Whether smaller values of a metric are better, guessed from its name (loss, error, ...).
pub fn lower_is_better(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "loss",
        "err",
        "mse",
        "mae",
        "rmse",
        "perplexity",
        "ppl",
        "wer",
        "cer",
        "time",
        "latency",
        "cost",
    ]
    .iter()
    .any(|w| k.contains(w))
}

impl<'a> Comparison<'a> {
    pub fn new(runs: &[&'a Run], now_ms: i64) -> Self {
        let keys = KeySets::of(runs.iter().copied());
        let mut rows = Vec::new();
        let groups = [
            (
                Section::Attributes,
                ATTRS.iter().map(|a| Column::Attr(*a)).collect::<Vec<_>>(),
            ),
            (
                Section::Params,
                keys.params.into_iter().map(Column::Param).collect(),
            ),
            (
                Section::Metrics,
                keys.metrics.into_iter().map(Column::Metric).collect(),
            ),
            (
                Section::Tags,
                keys.tags.into_iter().map(Column::Tag).collect(),
            ),
        ];
        for (section, columns) in groups {
            for column in columns {
                let values: Vec<Value<'_>> = runs.iter().map(|r| column.value(r, now_ms)).collect();
                let differs = values.windows(2).any(|w| !same(&w[0], &w[1]));
                let best = match &column {
                    Column::Metric(k) if differs => best_of(&values, lower_is_better(k)),
                    _ => None,
                };
                rows.push(CompareRow {
                    section,
                    column,
                    differs,
                    best,
                });
            }
        }
        Self {
            runs: runs.to_vec(),
            rows,
            now_ms,
        }
    }

    /// The value of `row` for the run at `col`.
    pub fn value(&self, row: &CompareRow, col: usize) -> Value<'a> {
        self.runs
            .get(col)
            .map_or(Value::Missing, |r| row.column.value(r, self.now_ms))
    }

    /// Rows to show: all, or only those that differ (attributes naming the runs stay).
    pub fn visible_rows(&self, diff_only: bool) -> impl Iterator<Item = &CompareRow> {
        self.rows.iter().filter(move |r| {
            !diff_only || r.differs || matches!(r.column, Column::Attr(Attr::RunName | Attr::RunId))
        })
    }

    /// The comparison as a table: first column `key`, then one column per run (by run id).
    pub fn table(&self, diff_only: bool) -> Table {
        let mut headers = vec!["key".to_string()];
        headers.extend(self.runs.iter().map(|r| r.run_id.clone()));
        let mut t = Table::new(headers);
        for row in self.visible_rows(diff_only) {
            let mut cells = vec![Cell::Text(row.column.name().into_owned())];
            cells.extend((0..self.runs.len()).map(|i| cell(self.value(row, i))));
            t.rows.push(cells);
        }
        t
    }
}

/// The position of the best finite-or-infinite number; none unless two runs have one.
fn best_of(values: &[Value<'_>], lower: bool) -> Option<usize> {
    let numbers = values
        .iter()
        .filter(|v| matches!(v, Value::Number(x) if !x.is_nan()))
        .count();
    if numbers < 2 {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.iter().enumerate() {
        let Value::Number(x) = v else { continue };
        if x.is_nan() {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, b)) => {
                if lower {
                    *x < b
                } else {
                    *x > b
                }
            }
        };
        if better {
            best = Some((i, *x));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    #[test]
    fn rows_differ_best_and_diff_only() {
        let a = run_with(
            "a",
            1,
            &[("val/loss", 0.3), ("acc", 0.8)],
            &[("lr", "0.1"), ("bs", "32")],
        );
        let b = run_with(
            "b",
            2,
            &[("val/loss", 0.2), ("acc", f64::NAN)],
            &[("lr", "0.1"), ("bs", "64")],
        );
        let cmp = Comparison::new(&[&a, &b], 0);
        let find = |name: &str| {
            cmp.rows
                .iter()
                .find(|r| r.column.name() == name)
                .expect(name)
        };
        assert!(!find("params.lr").differs);
        assert!(find("params.bs").differs);
        assert_eq!(find("metrics.val/loss").best, Some(1), "lower loss wins");
        assert_eq!(
            find("metrics.acc").best,
            None,
            "NaN never wins, and one number has no contest"
        );
        let t = cmp.table(true);
        assert_eq!(t.headers, ["key", "a", "b"]);
        let keys: Vec<String> = t.rows.iter().map(|r| r[0].exact()).collect();
        assert!(
            keys.contains(&"params.bs".to_string()) && !keys.contains(&"params.lr".to_string())
        );
        assert!(
            keys.contains(&"run_id".to_string()),
            "run ids stay in diff-only"
        );
        assert_eq!(cmp.table(false).rows.len(), cmp.rows.len());
    }
}
