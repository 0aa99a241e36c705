//! Group-by: runs folded into groups by the values of one or more columns (`params.optimizer`,
//! `params.lr`, `status`, ...), and aggregates over each group's runs, named
//! `agg(column)` — `mean(metrics.val/acc)`, `std(metrics.val/loss:min)` — so they never
//! collide with a per-run aggregate like `metrics.val/loss:mean`.
//!
//! Rules: runs missing a key value form their own group (the value is "missing"); NaN
//! values are left out of a group's aggregates (±inf stay in); `std` is the sample standard
//! deviation (n − 1), with no value for a group of one; `median` of an even count is the
//! mean of the two middle values.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use super::column::{Column, Value};
use crate::model::Run;
use crate::text;

/// An aggregate over the runs of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupAgg {
    Mean,
    Std,
    Min,
    Max,
    Median,
}

impl GroupAgg {
    pub const ALL: [GroupAgg; 5] = [
        GroupAgg::Mean,
        GroupAgg::Std,
        GroupAgg::Min,
        GroupAgg::Max,
        GroupAgg::Median,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupAgg::Mean => "mean",
            GroupAgg::Std => "std",
            GroupAgg::Min => "min",
            GroupAgg::Max => "max",
            GroupAgg::Median => "median",
        }
    }

    pub fn parse(s: &str) -> Option<GroupAgg> {
        GroupAgg::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }

    /// The next one in [`GroupAgg::ALL`] (for a key that cycles through them).
    pub fn next(self) -> GroupAgg {
        let i = GroupAgg::ALL.iter().position(|a| *a == self).unwrap_or(0);
        GroupAgg::ALL[(i + 1) % GroupAgg::ALL.len()]
    }

    /// This aggregate of `values` (NaN already left out); `None` without enough values.
    pub fn of(self, values: &[f64]) -> Option<f64> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        Some(match self {
            GroupAgg::Mean => values.iter().sum::<f64>() / n as f64,
            GroupAgg::Std => {
                if n < 2 {
                    return None;
                }
                let mean = values.iter().sum::<f64>() / n as f64;
                let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
                (ss / (n - 1) as f64).sqrt()
            }
            GroupAgg::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
            GroupAgg::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            GroupAgg::Median => {
                let mut v = values.to_vec();
                v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
                if n % 2 == 1 {
                    v[n / 2]
                } else {
                    (v[n / 2 - 1] + v[n / 2]) / 2.0
                }
            }
        })
    }
}

impl fmt::Display for GroupAgg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One group: its key (one value per group-by column, `None` for missing) and its runs
/// (indices into the run list, in the order they were given).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: Vec<Option<String>>,
    pub rows: Vec<usize>,
}

impl Group {
    /// The key as one line of text: `adam · 0.01`, `-` for a missing value.
    pub fn label(&self) -> String {
        self.key
            .iter()
            .map(|k| {
                k.as_deref()
                    .map_or("-".to_string(), |s| text::sanitize(s).into_owned())
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The text a grouping compares: the value as exported (exact), `None` when missing.
pub fn key_text(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Missing => None,
        Value::Text(s) => Some(s.to_string()),
        Value::Number(n) => Some(text::float_exact(*n)),
        Value::Time(t) => Some(text::time_iso(*t)),
        Value::Duration(d) | Value::Int(d) => Some(d.to_string()),
    }
}

/// Groups `rows` (indices into `runs`) by the values of `by`. Groups come sorted by key:
/// each value ascending (numbers as numbers when both parse), missing last.
pub fn group_rows(runs: &[Run], rows: &[usize], by: &[Column], now_ms: i64) -> Vec<Group> {
    // Keys borrow from the runs while grouping (no allocation per run); each group's key
    // becomes text once.
    let mut index: HashMap<Vec<KeyPart<'_>>, usize> = HashMap::new();
    let mut firsts: Vec<(Vec<KeyPart<'_>>, Vec<usize>)> = Vec::new();
    let mut key: Vec<KeyPart<'_>> = Vec::with_capacity(by.len());
    for &r in rows {
        key.clear();
        key.extend(by.iter().map(|c| KeyPart::of(c.value(&runs[r], now_ms))));
        match index.get(&key) {
            Some(&g) => firsts[g].1.push(r),
            None => {
                index.insert(key.clone(), firsts.len());
                firsts.push((key.clone(), vec![r]));
            }
        }
    }
    let mut groups: Vec<Group> = firsts
        .into_iter()
        .map(|(key, rows)| Group {
            key: key.into_iter().map(KeyPart::text).collect(),
            rows,
        })
        .collect();
    groups.sort_by(|a, b| cmp_keys(&a.key, &b.key));
    groups
}

/// A group key value, borrowed: equal exactly when [`key_text`] is equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyPart<'a> {
    Missing,
    Text(&'a str),
    /// A number's bits (`-0.0` and all NaNs folded, as their text is).
    Number(u64),
    Time(i64),
    Whole(i64),
}

impl<'a> KeyPart<'a> {
    fn of(v: Value<'a>) -> Self {
        match v {
            Value::Missing => KeyPart::Missing,
            Value::Text(s) => KeyPart::Text(s),
            Value::Number(n) => KeyPart::Number(if n.is_nan() {
                f64::NAN.to_bits()
            } else if n == 0.0 {
                0f64.to_bits()
            } else {
                n.to_bits()
            }),
            Value::Time(t) => KeyPart::Time(t),
            Value::Duration(d) | Value::Int(d) => KeyPart::Whole(d),
        }
    }

    fn text(self) -> Option<String> {
        key_text(&match self {
            KeyPart::Missing => Value::Missing,
            KeyPart::Text(s) => Value::Text(s),
            KeyPart::Number(b) => Value::Number(f64::from_bits(b)),
            KeyPart::Time(t) => Value::Time(t),
            KeyPart::Whole(d) => Value::Int(d),
        })
    }
}

/// Orders group keys value by value: numbers numerically (when both parse), else as text;
/// missing last.
pub fn cmp_keys(a: &[Option<String>], b: &[Option<String>]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => match (x.trim().parse::<f64>(), y.trim().parse::<f64>()) {
                (Ok(p), Ok(q)) if !p.is_nan() && !q.is_nan() => {
                    p.partial_cmp(&q).unwrap_or(Ordering::Equal).then(x.cmp(y))
                }
                _ => x.cmp(y),
            },
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The numeric values of `column` over `rows`, NaN and missing left out.
pub fn numbers(runs: &[Run], rows: &[usize], column: &Column, now_ms: i64) -> Vec<f64> {
    rows.iter()
        .filter_map(|&r| match column.value(&runs[r], now_ms) {
            Value::Number(v) if !v.is_nan() => Some(v),
            Value::Int(i) | Value::Duration(i) => Some(i as f64),
            _ => None,
        })
        .collect()
}

/// The value every run of `rows` has for `column`, when they all agree (missing if not).
pub fn common_value<'r>(
    runs: &'r [Run],
    rows: &[usize],
    column: &Column,
    now_ms: i64,
) -> Value<'r> {
    let mut out: Option<Value<'r>> = None;
    for &r in rows {
        let v = column.value(&runs[r], now_ms);
        match &out {
            None => out = Some(v),
            Some(seen) if *seen == v => {}
            Some(_) => return Value::Missing,
        }
    }
    out.unwrap_or(Value::Missing)
}

/// A column of a table of groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupColumn {
    /// One of the group-by columns: the group's value.
    Key(Column),
    /// How many runs the group has.
    Runs,
    /// An aggregate of a numeric column over the group's runs: `mean(metrics.val/acc)`.
    Agg(GroupAgg, Column),
    /// A column that is not aggregated: the value when all runs of the group agree.
    Common(Column),
}

impl GroupColumn {
    /// The column's name in headers: `params.optimizer`, `runs`, `mean(metrics.val/acc)`.
    pub fn name(&self) -> String {
        match self {
            GroupColumn::Key(c) | GroupColumn::Common(c) => c.name().into_owned(),
            GroupColumn::Runs => "runs".into(),
            GroupColumn::Agg(a, c) => format!("{}({})", a.name(), c.name()),
        }
    }

    /// Parses `runs`, `agg(column)` or a plain column (a key when it is one of `by`, else a
    /// common value).
    pub fn parse(s: &str, by: &[Column]) -> Option<GroupColumn> {
        let s = s.trim();
        if s == "runs" {
            return Some(GroupColumn::Runs);
        }
        if let Some((agg, rest)) = s.split_once('(') {
            if let (Some(agg), Some(inner)) = (GroupAgg::parse(agg), rest.strip_suffix(')')) {
                return Some(GroupColumn::Agg(agg, Column::parse(inner)?));
            }
        }
        let c = Column::parse(s)?;
        Some(if by.contains(&c) {
            GroupColumn::Key(c)
        } else {
            GroupColumn::Common(c)
        })
    }

    /// This column's value for `group`.
    pub fn value<'r>(
        &self,
        g: &'r Group,
        runs: &'r [Run],
        by: &[Column],
        now_ms: i64,
    ) -> Value<'r> {
        match self {
            GroupColumn::Key(c) => match by.iter().position(|b| b == c) {
                Some(i) => g.key[i].as_deref().map_or(Value::Missing, Value::Text),
                None => common_value(runs, &g.rows, c, now_ms),
            },
            GroupColumn::Runs => Value::Int(g.rows.len() as i64),
            GroupColumn::Agg(a, c) => a
                .of(&numbers(runs, &g.rows, c, now_ms))
                .map_or(Value::Missing, Value::Number),
            GroupColumn::Common(c) => common_value(runs, &g.rows, c, now_ms),
        }
    }
}

/// The columns of a table of groups: the keys, `runs`, then for every column of `shown`
/// that is not a key, `agg(column)` for each of `aggs` when it is numeric, else its common
/// value.
pub fn group_columns(by: &[Column], shown: &[Column], aggs: &[GroupAgg]) -> Vec<GroupColumn> {
    let mut out: Vec<GroupColumn> = by.iter().cloned().map(GroupColumn::Key).collect();
    out.push(GroupColumn::Runs);
    for c in shown.iter().filter(|c| !by.contains(c)) {
        if c.is_numeric() {
            out.extend(aggs.iter().map(|a| GroupColumn::Agg(*a, c.clone())));
        } else {
            out.push(GroupColumn::Common(c.clone()));
        }
    }
    out
}

/// Sorts groups by `column`: values in the direction asked, missing last; ties keep their
/// order (groups come sorted by key from [`group_rows`]).
pub fn sort_groups(
    groups: &mut [Group],
    column: &GroupColumn,
    descending: bool,
    runs: &[Run],
    by: &[Column],
    now_ms: i64,
) {
    let mut keyed: Vec<(Option<SortVal>, usize)> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (SortVal::of(&column.value(g, runs, by, now_ms)), i))
        .collect();
    keyed.sort_by(|(a, ia), (b, ib)| {
        let o = match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = x.cmp(y);
                if descending { o.reverse() } else { o }
            }
        };
        o.then(ia.cmp(ib))
    });
    let order: Vec<Group> = keyed.iter().map(|(_, i)| groups[*i].clone()).collect();
    groups.clone_from_slice(&order);
}

/// A comparable group value: numbers before text, NaN as missing.
#[derive(Debug, Clone, PartialEq)]
enum SortVal {
    Num(f64),
    Text(String),
}

impl SortVal {
    fn of(v: &Value<'_>) -> Option<SortVal> {
        match v {
            Value::Number(n) if n.is_nan() => None,
            Value::Number(n) => Some(SortVal::Num(*n)),
            Value::Int(i) | Value::Duration(i) | Value::Time(i) => Some(SortVal::Num(*i as f64)),
            Value::Text(s) => Some(match s.trim().parse::<f64>() {
                Ok(n) if !n.is_nan() => SortVal::Num(n),
                _ => SortVal::Text(s.to_string()),
            }),
            Value::Missing => None,
        }
    }

    fn cmp(&self, other: &SortVal) -> Ordering {
        match (self, other) {
            (SortVal::Num(a), SortVal::Num(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (SortVal::Text(a), SortVal::Text(b)) => a.cmp(b),
            (SortVal::Num(_), SortVal::Text(_)) => Ordering::Less,
            (SortVal::Text(_), SortVal::Num(_)) => Ordering::Greater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    fn runs() -> Vec<Run> {
        vec![
            run_with("a", 1, &[("acc", 0.9)], &[("opt", "adam"), ("lr", "0.1")]),
            run_with("b", 2, &[("acc", 0.7)], &[("opt", "adam"), ("lr", "0.01")]),
            run_with("c", 3, &[("acc", 0.5)], &[("opt", "sgd"), ("lr", "0.1")]),
            run_with("d", 4, &[("acc", f64::NAN)], &[("lr", "0.1")]),
            run_with("e", 5, &[], &[("opt", "sgd"), ("lr", "1e-3")]),
        ]
    }

    #[test]
    fn groups_by_one_and_two_keys_with_missing_last() {
        let runs = runs();
        let rows: Vec<usize> = (0..runs.len()).collect();
        let opt = Column::Param("opt".into());
        let lr = Column::Param("lr".into());
        let g = group_rows(&runs, &rows, std::slice::from_ref(&opt), 0);
        let keys: Vec<_> = g.iter().map(|g| (g.label(), g.rows.clone())).collect();
        assert_eq!(
            keys,
            [
                ("adam".into(), vec![0, 1]),
                ("sgd".into(), vec![2, 4]),
                ("-".into(), vec![3])
            ]
        );
        let g = group_rows(&runs, &rows, &[lr, opt], 0);
        let labels: Vec<String> = g.iter().map(Group::label).collect();
        assert_eq!(
            labels,
            [
                "1e-3 · sgd",
                "0.01 · adam",
                "0.1 · adam",
                "0.1 · sgd",
                "0.1 · -"
            ],
            "numbers in order, not as text"
        );
    }

    #[test]
    fn aggregates_follow_the_rules() {
        assert_eq!(GroupAgg::Mean.of(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(GroupAgg::Std.of(&[1.0, 3.0]), Some(2f64.sqrt()));
        assert_eq!(GroupAgg::Std.of(&[1.0]), None, "a group of one");
        assert_eq!(GroupAgg::Median.of(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(GroupAgg::Median.of(&[4.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(GroupAgg::Min.of(&[]), None);
        let runs = runs();
        let col = |s: &str| GroupColumn::parse(s, &[Column::Param("opt".into())]).expect(s);
        let g = Group {
            key: vec![None],
            rows: vec![0, 3],
        };
        let by = [Column::Param("opt".into())];
        assert_eq!(
            col("mean(metrics.acc)").value(&g, &runs, &by, 0),
            Value::Number(0.9),
            "NaN left out"
        );
        assert_eq!(
            col("std(metrics.acc)").value(&g, &runs, &by, 0),
            Value::Missing
        );
        assert_eq!(col("runs").value(&g, &runs, &by, 0), Value::Int(2));
        assert_eq!(
            col("params.lr").value(&g, &runs, &by, 0),
            Value::Text("0.1")
        );
        assert_eq!(col("params.opt").value(&g, &runs, &by, 0), Value::Missing);
        assert_eq!(col("mean(metrics.acc:max)").name(), "mean(metrics.acc:max)");
        assert_eq!(GroupColumn::parse("avg(metrics.acc)", &by), None);
    }

    #[test]
    fn columns_and_sorting_of_groups() {
        let runs = runs();
        let rows: Vec<usize> = (0..runs.len()).collect();
        let by = [Column::Param("opt".into())];
        let cols = group_columns(
            &by,
            &[
                Column::Param("opt".into()),
                Column::Metric("acc".into()),
                Column::Param("lr".into()),
            ],
            &[GroupAgg::Mean, GroupAgg::Std],
        );
        let names: Vec<String> = cols.iter().map(GroupColumn::name).collect();
        assert_eq!(
            names,
            [
                "params.opt",
                "runs",
                "mean(metrics.acc)",
                "std(metrics.acc)",
                "params.lr"
            ]
        );
        let mut g = group_rows(&runs, &rows, &by, 0);
        sort_groups(&mut g, &cols[2], true, &runs, &by, 0);
        let labels: Vec<String> = g.iter().map(Group::label).collect();
        assert_eq!(labels, ["adam", "sgd", "-"]);
        sort_groups(&mut g, &cols[2], false, &runs, &by, 0);
        let labels: Vec<String> = g.iter().map(Group::label).collect();
        assert_eq!(
            labels,
            ["sgd", "adam", "-"],
            "no value sorts last both ways"
        );
    }
}
