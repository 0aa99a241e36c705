//! Sorting rows of runs by one or more columns. Missing values and NaN always sort last, in
//! both directions; ties fall back to MLflow's default order (start_time DESC, run_id ASC).

use std::cmp::Ordering;

use super::column::{Attr, Column, Value};
use crate::model::Run;

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub column: Column,
    pub descending: bool,
}

impl SortKey {
    pub fn asc(column: Column) -> Self {
        Self {
            column,
            descending: false,
        }
    }

    pub fn desc(column: Column) -> Self {
        Self {
            column,
            descending: true,
        }
    }
}

/// How text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextOrder {
    /// Byte-wise, as MLflow orders params and tags (`"128" < "32"`).
    #[default]
    Lexical,
    /// Numbers inside text compare as numbers when both values parse (`"32" < "128"`).
    Numeric,
}

/// A precomputed sort value: cheap to compare many times.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Key<'a> {
    Num(f64),
    Text(&'a str),
    Nan,
    Missing,
}

impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Num(_) | Key::Text(_) => 0,
            Key::Nan => 1,
            Key::Missing => 2,
        }
    }
}

fn key_of<'a>(run: &'a Run, column: &Column, text: TextOrder, now_ms: i64) -> Key<'a> {
    match column.value(run, now_ms) {
        Value::Missing => Key::Missing,
        Value::Number(v) if v.is_nan() => Key::Nan,
        Value::Number(v) => Key::Num(v),
        Value::Time(t) | Value::Duration(t) => Key::Num(t as f64),
        Value::Text(s) => match text {
            TextOrder::Numeric => match s.trim().parse::<f64>() {
                Ok(v) if !v.is_nan() => Key::Num(v),
                _ => Key::Text(s),
            },
            TextOrder::Lexical => Key::Text(s),
        },
    }
}

fn cmp_keys(a: &Key<'_>, b: &Key<'_>, descending: bool) -> Ordering {
    let by_rank = a.rank().cmp(&b.rank());
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    let ord = match (a, b) {
        // Never NaN here (NaN is `Key::Nan`); -0.0 ties 0.0 as in MLflow's stores.
        (Key::Num(x), Key::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        // Numbers before text when a column mixes them.
        (Key::Num(_), Key::Text(_)) => Ordering::Less,
        (Key::Text(_), Key::Num(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    };
    if descending { ord.reverse() } else { ord }
}

/// Sorts `rows` (indices into `runs`) by `keys`, then by MLflow's default order.
pub fn sort_rows(runs: &[Run], rows: &mut [usize], keys: &[SortKey], text: TextOrder, now_ms: i64) {
    let mut all: Vec<SortKey> = keys.to_vec();
    all.push(SortKey::desc(Column::Attr(Attr::StartTime)));
    all.push(SortKey::asc(Column::Attr(Attr::RunId)));
    // Decorate: one key vector per sort key, indexed by row position.
    let decorated: Vec<Vec<Key<'_>>> = all
        .iter()
        .map(|k| {
            rows.iter()
                .map(|&r| key_of(&runs[r], &k.column, text, now_ms))
                .collect()
        })
        .collect();
    let mut perm: Vec<usize> = (0..rows.len()).collect();
    perm.sort_by(|&a, &b| {
        for (k, vals) in all.iter().zip(&decorated) {
            let o = cmp_keys(&vals[a], &vals[b], k.descending);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let sorted: Vec<usize> = perm.iter().map(|&i| rows[i]).collect();
    rows.copy_from_slice(&sorted);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    fn order(runs: &[Run], keys: &[SortKey], text: TextOrder) -> Vec<String> {
        let mut rows: Vec<usize> = (0..runs.len()).collect();
        sort_rows(runs, &mut rows, keys, text, 0);
        rows.iter().map(|&i| runs[i].run_id.clone()).collect()
    }

    #[test]
    fn nan_and_missing_sort_last_in_both_directions() {
        let runs = vec![
            run_with("a", 1, &[("acc", 0.5)], &[]),
            run_with("b", 2, &[("acc", f64::NAN)], &[]),
            run_with("c", 3, &[], &[]),
            run_with("d", 4, &[("acc", 0.9)], &[]),
            run_with("e", 5, &[("acc", -1.0)], &[]),
        ];
        let col = Column::Metric("acc".into());
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Lexical),
            ["e", "a", "d", "b", "c"]
        );
        assert_eq!(
            order(&runs, &[SortKey::desc(col)], TextOrder::Lexical),
            ["d", "a", "e", "b", "c"]
        );
    }

    #[test]
    fn default_tie_break_is_start_time_desc_then_run_id() {
        let runs = vec![
            run_with("b", 1, &[], &[]),
            run_with("a", 1, &[], &[]),
            run_with("c", 2, &[], &[]),
        ];
        assert_eq!(order(&runs, &[], TextOrder::Lexical), ["c", "a", "b"]);
    }

    #[test]
    fn params_sort_as_strings_or_numbers_by_choice() {
        let runs = vec![
            run_with("a", 1, &[], &[("bs", "32")]),
            run_with("b", 2, &[], &[("bs", "128")]),
            run_with("c", 3, &[], &[("bs", "64")]),
        ];
        let col = Column::Param("bs".into());
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Lexical),
            ["b", "a", "c"]
        );
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Numeric),
            ["a", "c", "b"]
        );
        let secondary = [SortKey::asc(Column::Attr(Attr::Status)), SortKey::desc(col)];
        assert_eq!(
            order(&runs, &secondary, TextOrder::Numeric),
            ["b", "c", "a"]
        );
    }
}
