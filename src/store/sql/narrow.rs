//! Narrowing runs in SQL with a filter: the conditions of an MLflow filter that SQL can test
//! without ever leaving out a run mltui's own evaluation keeps. The result may keep more
//! runs than the filter matches (conditions SQL cannot test exactly are dropped or widened);
//! callers always apply the whole filter afterwards.

use super::{Arg, Dialect, Schema};
use crate::index::column::Attr;
use crate::index::filter::ast::{Cond, NumOp, Subject, Test, TextOp};

/// SQL conditions on the `runs` table, written against an alias placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Narrowing {
    conds: Vec<String>,
    pub args: Vec<Arg>,
}

/// Marks where the alias of `runs` goes.
const ALIAS: &str = "{a}";

impl Narrowing {
    /// The conditions `AND`ed, for `runs` aliased `alias`.
    pub fn sql(&self, alias: &str) -> String {
        format!("({})", self.conds.join(" AND ").replace(ALIAS, alias))
    }
}

/// The narrowing for MLflow filter `filter`, or `None` when nothing in it narrows exactly
/// (or it does not parse: the caller reports that).
pub(crate) fn translate(
    filter: &str,
    dialect: Dialect,
    schema: &Schema,
    _alias: &str,
) -> Option<Narrowing> {
    let filter = crate::index::parse_filter(filter).ok()?;
    let mut n = Narrowing {
        conds: Vec::new(),
        args: Vec::new(),
    };
    for cond in filter.conjuncts() {
        if let Some((sql, args)) = condition(cond, dialect, schema) {
            n.conds.push(sql);
            n.args.extend(args);
        }
    }
    (!n.conds.is_empty()).then_some(n)
}

fn num_op(op: NumOp) -> &'static str {
    match op {
        NumOp::Eq => "=",
        NumOp::Ne => "<>",
        NumOp::Lt => "<",
        NumOp::Le => "<=",
        NumOp::Gt => ">",
        NumOp::Ge => ">=",
    }
}

/// One condition as SQL that is true for (at least) every run it is true for.
fn condition(cond: &Cond, d: Dialect, s: &Schema) -> Option<(String, Vec<Arg>)> {
    match (&cond.subject, &cond.test) {
        (Subject::Metric(key), Test::Num(op, v)) => {
            if !v.is_finite() || !s.has_table("latest_metrics") {
                return None;
            }
            let nan = if s.has_column("latest_metrics", "is_nan") {
                "lm.is_nan"
            } else {
                "1 = 0"
            };
            // NaN and the stored stand-ins for ±inf always stay in: their comparisons in
            // SQL would not be the IEEE ones mltui makes.
            let sql = format!(
                "EXISTS (SELECT 1 FROM latest_metrics lm WHERE lm.run_uuid = {ALIAS}.run_uuid \
                 AND lm.\"key\" = ? AND ({nan} OR lm.value >= ? OR lm.value <= ? \
                 OR lm.value {} ?))",
                num_op(*op)
            );
            Some((
                sql,
                vec![
                    Arg::Text(key.clone()),
                    Arg::Real(f64::MAX),
                    Arg::Real(-f64::MAX),
                    Arg::Real(*v),
                ],
            ))
        }
        (Subject::Param(key), test) => keyed("params", key, test, d, s),
        (Subject::Tag(key), test) => keyed("tags", key, test, d, s),
        (Subject::Attr(a), Test::Num(op, v)) => {
            let col = match a {
                Attr::StartTime => "start_time",
                Attr::EndTime if s.has_column("runs", "end_time") => "end_time",
                _ => return None,
            };
            // Integral bounds only: the column is an integer.
            if v.fract() != 0.0 || v.abs() >= 9.0e15 {
                return None;
            }
            Some((
                format!("{ALIAS}.{col} {} ?", num_op(*op)),
                vec![Arg::Int(*v as i64)],
            ))
        }
        (Subject::Attr(a), test) => {
            let col = match a {
                Attr::RunId => "run_uuid",
                Attr::RunName => "name",
                Attr::Status => "status",
                Attr::User => "user_id",
                Attr::ArtifactUri => "artifact_uri",
                _ => return None,
            };
            if !s.has_column("runs", col) {
                return None;
            }
            let column = format!("{ALIAS}.{col}");
            // A missing value reads as "" (and a run without a name takes its
            // mlflow.runName tag), so those rows always stay in.
            let loose = if col == "run_uuid" {
                String::new()
            } else {
                format!("{column} IS NULL OR {column} = '' OR ")
            };
            let (test_sql, args) = text_test(&column, test, d)?;
            Some((format!("({loose}{test_sql})"), args))
        }
        _ => None,
    }
}

/// A condition on a param or tag: the key must exist (except for `IS NULL`) and its value
/// pass the test where SQL tests it exactly.
fn keyed(
    table: &str,
    key: &str,
    test: &Test,
    d: Dialect,
    s: &Schema,
) -> Option<(String, Vec<Arg>)> {
    if !s.has_table(table) {
        return None;
    }
    let exists = format!(
        "EXISTS (SELECT 1 FROM {table} k WHERE k.run_uuid = {ALIAS}.run_uuid AND k.\"key\" = ?"
    );
    let key_arg = Arg::Text(key.to_string());
    match test {
        Test::Null { negated: false } => {
            // MySQL would find 'LR' for 'lr': no key looks absent there that is not.
            d.exact_text()
                .then(|| (format!("NOT {exists})"), vec![key_arg]))
        }
        Test::Null { negated: true } => Some((format!("{exists})"), vec![key_arg])),
        Test::Num(..) => None,
        _ => {
            // NULL values read as "", BLOBs as their bytes: such rows always stay in.
            let blob = if d == Dialect::Sqlite {
                " OR typeof(k.value) = 'blob'"
            } else {
                ""
            };
            let mut args = vec![key_arg];
            match text_test("k.value", test, d) {
                Some((t, more)) => {
                    args.extend(more);
                    Some((
                        format!("{exists} AND (k.value IS NULL{blob} OR {t}))"),
                        args,
                    ))
                }
                // The value cannot be tested, but the key must be there.
                None => Some((format!("{exists})"), args)),
            }
        }
    }
}

/// A text test of `column`, when SQL performs it exactly (or more loosely).
fn text_test(column: &str, test: &Test, d: Dialect) -> Option<(String, Vec<Arg>)> {
    // Values decoded with replacement characters cannot be matched in SQL.
    let fine = |v: &str| !v.contains('\u{fffd}');
    match test {
        Test::Text(TextOp::Eq, v) if fine(v) => {
            Some((format!("{column} = ?"), vec![Arg::Text(v.clone())]))
        }
        Test::Text(TextOp::Ne, v) if fine(v) && d.exact_text() => {
            Some((format!("{column} <> ?"), vec![Arg::Text(v.clone())]))
        }
        Test::Text(TextOp::Like, v) if fine(v) => d
            .like()
            .map(|like| (format!("{column} {like}"), vec![Arg::Text(v.clone())])),
        Test::In { negated, values }
            if values.iter().all(|v| fine(v))
                && !values.is_empty()
                && (!negated || d.exact_text()) =>
        {
            let marks = vec!["?"; values.len()].join(", ");
            let not = if *negated { "NOT " } else { "" };
            Some((
                format!("{column} {not}IN ({marks})"),
                values.iter().map(|v| Arg::Text(v.clone())).collect(),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::of(&[
            (
                "runs",
                &["run_uuid", "name", "status", "start_time", "user_id"],
            ),
            ("params", &["run_uuid", "key", "value"]),
            ("tags", &["run_uuid", "key", "value"]),
            ("latest_metrics", &["run_uuid", "key", "value", "is_nan"]),
        ])
    }

    #[test]
    fn exact_conditions_narrow_and_the_rest_is_left_out() {
        let s = schema();
        let n = translate(
            "metrics.acc > 0.9 AND params.opt = 'adam' AND tags.t ILIKE '%x%'",
            Dialect::Postgres,
            &s,
            "r",
        )
        .expect("narrows");
        let sql = n.sql("r");
        assert!(sql.contains("lm.value > ?"), "{sql}");
        assert!(sql.contains("k.value = ?"), "{sql}");
        assert_eq!(
            sql.matches("EXISTS").count(),
            3,
            "ILIKE keeps the key test: {sql}"
        );
        assert_eq!(n.args.len(), 4 + 2 + 1);
        assert!(!sql.contains("{a}"));
    }

    #[test]
    fn inexact_comparisons_are_not_narrowed() {
        let s = schema();
        // OR is mltui's extension: nothing at the top level narrows.
        assert!(translate("params.a = 'x' OR params.b = 'y'", Dialect::Sqlite, &s, "r").is_none());
        // Infinite constants and MySQL's case-insensitive inequality.
        assert!(translate("metrics.m > 1e999", Dialect::Sqlite, &s, "r").is_none());
        let n = translate("params.a != 'x'", Dialect::Mysql, &s, "r").expect("key test");
        assert!(!n.sql("r").contains("<>"));
        assert!(translate("params.a IS NULL", Dialect::Mysql, &s, "r").is_none());
        assert!(translate("attributes.start_time > 1.5", Dialect::Sqlite, &s, "r").is_none());
    }
}
