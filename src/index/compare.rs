//! The transposed comparison of a few runs: one row per key (attributes, params, metrics,
//! tags), one column per run, with which rows differ and which run is best per metric.

use super::column::{Attr, Column, KeySets, Value};
use super::diff::same;
use super::direction::{self, Direction};
use crate::export::runs::cell;
use crate::export::{Cell, Table};
use crate::model::Run;

/// The group a comparison row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// True when the values differ but read the same in short form (durations a few
    /// milliseconds apart, metrics equal to six digits): they are shown in full.
    pub precise: bool,
    /// For metrics: which way is better (inferred from the name, or set by the user).
    pub direction: Direction,
    /// For metrics with a known direction: the run (column position) with the best value.
    pub best: Option<usize>,
}

impl CompareRow {
    /// Whether the row shows: always, or with `diff_only` when it differs (the attributes
    /// naming the runs always show).
    pub fn shown(&self, diff_only: bool) -> bool {
        !diff_only
            || self.differs
            || matches!(self.column, Column::Attr(Attr::RunName | Attr::RunId))
    }
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

impl<'a> Comparison<'a> {
    /// A comparison with metric directions inferred from their names.
    pub fn new(runs: &[&'a Run], now_ms: i64) -> Self {
        Self::with_directions(runs, now_ms, &direction::infer)
    }

    /// A comparison where `direction` says which way each metric is better.
    pub fn with_directions(
        runs: &[&'a Run],
        now_ms: i64,
        direction: &dyn Fn(&str) -> Direction,
    ) -> Self {
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
                let precise = differs && reads_the_same(&values);
                let direction = match &column {
                    Column::Metric(k) => direction(k),
                    _ => Direction::Unknown,
                };
                let best = match direction {
                    Direction::Unknown => None,
                    _ if !differs => None,
                    d => best_of(&values, d == Direction::Lower),
                };
                rows.push(CompareRow {
                    section,
                    column,
                    differs,
                    precise,
                    direction,
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
        self.rows.iter().filter(move |r| r.shown(diff_only))
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

    /// A table of `rows` for people: runs headed by name (with a short id where names
    /// repeat or are empty), and, with a baseline, a `NAME Δ` column after each other run
    /// holding the difference of numeric values from the baseline's.
    pub fn table_for_people<'r>(
        &self,
        rows: impl IntoIterator<Item = &'r CompareRow>,
        baseline: Option<usize>,
    ) -> Table {
        let names = run_labels(&self.runs);
        let mut headers = vec!["key".to_string()];
        for (i, name) in names.iter().enumerate() {
            headers.push(name.clone());
            if baseline.is_some_and(|b| b != i) {
                headers.push(format!("{name} Δ"));
            }
        }
        let mut t = Table::new(headers);
        for row in rows {
            let mut cells = vec![Cell::Text(row.column.name().into_owned())];
            for i in 0..self.runs.len() {
                let v = self.value(row, i);
                cells.push(cell(v.clone()));
                if let Some(b) = baseline.filter(|b| *b != i) {
                    let d = delta(&self.value(row, b), &v);
                    cells.push(d.map_or(Cell::Missing, Cell::Number));
                }
            }
            t.rows.push(cells);
        }
        t
    }
}

/// `value - base` for two finite numbers.
pub fn delta(base: &Value<'_>, value: &Value<'_>) -> Option<f64> {
    match (base, value) {
        (Value::Number(b), Value::Number(x)) if b.is_finite() && x.is_finite() => Some(x - b),
        _ => None,
    }
}

/// Names for runs as column headers: the run name, with the first 8 characters of the id
/// where two runs share a name, and the id alone where the name is empty.
pub fn run_labels(runs: &[&Run]) -> Vec<String> {
    runs.iter()
        .map(|r| {
            let short: String = r.run_id.chars().take(8).collect();
            let repeated = runs.iter().filter(|o| o.run_name == r.run_name).count() > 1;
            if r.run_name.is_empty() {
                short
            } else if repeated {
                format!("{} ({short})", r.run_name)
            } else {
                r.run_name.clone()
            }
        })
        .collect()
}

/// True when every run has a value and they all read the same in short form.
fn reads_the_same(values: &[Value<'_>]) -> bool {
    // Text reads as it is: different text never reads the same.
    if values
        .iter()
        .any(|v| matches!(v, Value::Missing | Value::Text(_)))
    {
        return false;
    }
    let mut texts = values.iter().map(|v| v.text(false));
    let Some(first) = texts.next() else {
        return false;
    };
    texts.all(|t| t == first)
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
    use std::collections::HashMap;

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

    #[test]
    fn best_only_where_the_direction_is_known() {
        let a = run_with(
            "a",
            1,
            &[("lr", 0.1), ("gpu/mem_gb", 3.0), ("val/acc", 0.8)],
            &[],
        );
        let b = run_with(
            "b",
            2,
            &[("lr", 0.3), ("gpu/mem_gb", 5.0), ("val/acc", 0.9)],
            &[],
        );
        let cmp = Comparison::new(&[&a, &b], 0);
        let row = |n: &str| cmp.rows.iter().find(|r| r.column.name() == n).expect(n);
        assert_eq!(row("metrics.lr").best, None, "lr has no better direction");
        assert_eq!(row("metrics.gpu/mem_gb").best, None);
        assert_eq!(row("metrics.val/acc").best, Some(1));
        // The user's direction wins over the name.
        let mut dirs = HashMap::new();
        dirs.insert("lr".to_string(), Direction::Lower);
        dirs.insert("val/acc".to_string(), Direction::Unknown);
        let cmp = Comparison::with_directions(&[&a, &b], 0, &|k| {
            dirs.get(k).copied().unwrap_or_else(|| direction::infer(k))
        });
        let row = |n: &str| cmp.rows.iter().find(|r| r.column.name() == n).expect(n);
        assert_eq!(row("metrics.lr").best, Some(0));
        assert_eq!(row("metrics.val/acc").best, None);
    }

    #[test]
    fn values_that_read_the_same_are_shown_precisely() {
        let mut a = run_with("a", 1_000, &[("m", 0.123_456_71)], &[]);
        let mut b = run_with("b", 1_000, &[("m", 0.123_456_72)], &[]);
        a.end_time = Some(1_000 + 359_123);
        b.end_time = Some(1_000 + 359_124);
        let cmp = Comparison::new(&[&a, &b], 0);
        let row = |n: &str| cmp.rows.iter().find(|r| r.column.name() == n).expect(n);
        for name in ["duration", "end_time", "metrics.m"] {
            let r = row(name);
            assert!(r.differs && r.precise, "{name}");
            let (x, y) = (cmp.value(r, 0).text(true), cmp.value(r, 1).text(true));
            assert_ne!(x, y, "{name}: precise texts tell them apart");
        }
        assert!(!row("run_name").precise, "names read differently already");
    }

    #[test]
    fn table_for_people_names_runs_and_adds_deltas() {
        let a = run_with("aaaaaaaaaa1", 1, &[("loss", 0.5)], &[]);
        let mut b = run_with("bbbbbbbbbb2", 2, &[("loss", 0.25)], &[]);
        let mut c = run_with("cccccccccc3", 3, &[("loss", 1.0)], &[]);
        b.run_name = "same".into();
        c.run_name = "same".into();
        let cmp = Comparison::new(&[&a, &b, &c], 0);
        let rows: Vec<&CompareRow> = cmp
            .rows
            .iter()
            .filter(|r| r.column.name() == "metrics.loss")
            .collect();
        let t = cmp.table_for_people(rows, Some(0));
        assert_eq!(
            t.headers,
            [
                "key",
                "name-aaaaaaaaaa1",
                "same (bbbbbbbb)",
                "same (bbbbbbbb) Δ",
                "same (cccccccc)",
                "same (cccccccc) Δ"
            ]
        );
        let cells: Vec<String> = t.rows[0].iter().map(|c| c.exact()).collect();
        assert_eq!(
            cells,
            ["metrics.loss", "0.5", "0.25", "-0.25", "1.0", "0.5"]
        );
    }
}
