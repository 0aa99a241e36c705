//! Which columns differ across a set of runs (the "diff only" views).

use super::column::{Column, Value};
use crate::model::Run;

/// True when `column` has the same value in every run of `runs` (a missing value differs
/// from any present one; NaN equals NaN here, since both show the same).
pub fn is_uniform(runs: &[&Run], column: &Column, now_ms: i64) -> bool {
    let mut values = runs.iter().map(|r| column.value(r, now_ms));
    let Some(first) = values.next() else {
        return true;
    };
    values.all(|v| same(&first, &v))
}

/// Value equality for diffing: numbers by bits so NaN == NaN and 0.0 != -0.0 is avoided.
pub fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// The subset of `columns` whose values vary across `runs`; attribute columns are kept.
pub fn varying_columns(runs: &[&Run], columns: &[Column], now_ms: i64) -> Vec<Column> {
    columns
        .iter()
        .filter(|c| matches!(c, Column::Attr(_)) || !is_uniform(runs, c, now_ms))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    #[test]
    fn uniform_and_varying() {
        let a = run_with(
            "a",
            1,
            &[("loss", 0.5), ("nan", f64::NAN)],
            &[("lr", "0.1"), ("opt", "adam")],
        );
        let b = run_with(
            "b",
            2,
            &[("loss", 0.4), ("nan", f64::NAN)],
            &[("lr", "0.1")],
        );
        let runs = [&a, &b];
        assert!(is_uniform(&runs, &Column::Param("lr".into()), 0));
        assert!(
            !is_uniform(&runs, &Column::Param("opt".into()), 0),
            "missing differs from present"
        );
        assert!(!is_uniform(&runs, &Column::Metric("loss".into()), 0));
        assert!(is_uniform(&runs, &Column::Metric("nan".into()), 0));
        let cols = vec![Column::Param("lr".into()), Column::Metric("loss".into())];
        assert_eq!(
            varying_columns(&runs, &cols, 0),
            vec![Column::Metric("loss".into())]
        );
    }
}
