//! Evaluation of a parsed filter against a run: MLflow's semantics (missing keys never match,
//! IEEE comparisons so a NaN metric matches only `!=`, LIKE/ILIKE with `%` and `_`).

use super::ast::{Cond, DatasetField, Expr, NumOp, Subject, Test, TextOp};
use crate::index::column::{Attr, Value};
use crate::model::{Run, Text};

impl Expr {
    pub(super) fn matches(&self, run: &Run) -> bool {
        match self {
            Expr::Cond(c) => c.matches(run),
            Expr::And(items) => items.iter().all(|e| e.matches(run)),
            Expr::Or(items) => items.iter().any(|e| e.matches(run)),
        }
    }
}

impl Cond {
    fn matches(&self, run: &Run) -> bool {
        match (&self.subject, &self.test) {
            (Subject::Metric(k), Test::Num(op, v)) => run
                .metrics
                .get(k.as_str())
                .is_some_and(|m| compare(*op, m.latest.value, *v)),
            (Subject::Attr(a), Test::Num(op, v)) => {
                let t = match a {
                    Attr::StartTime => run.start_time,
                    Attr::EndTime => run.end_time,
                    _ => None,
                };
                t.is_some_and(|t| compare(*op, t as f64, *v))
            }
            // mltui's extension: an unquoted number compares params and tags as numbers,
            // where the value parses as one (like Python's float(): spaces around, inf, nan).
            (Subject::Param(k), Test::Num(op, v)) => {
                number(run.params.get(k.as_str())).is_some_and(|x| compare(*op, x, *v))
            }
            (Subject::Tag(k), Test::Num(op, v)) => {
                number(run.tags.get(k.as_str())).is_some_and(|x| compare(*op, x, *v))
            }
            (Subject::Param(k), t) => text_matches(run.params.get(k.as_str()).map(Text::as_str), t),
            (Subject::Tag(k), t) => text_matches(run.tags.get(k.as_str()).map(Text::as_str), t),
            (Subject::Attr(a), t) => text_matches(attr_text(run, *a), t),
            // Any dataset input of the run may satisfy the condition; `context` only exists
            // on inputs that carry the mlflow.data.context tag.
            (Subject::Dataset(field), t) => run.datasets.iter().any(|d| {
                let v = match field {
                    DatasetField::Name => Some(d.name.as_str()),
                    DatasetField::Digest => Some(d.digest.as_str()),
                    DatasetField::Context => d.context.as_deref(),
                };
                v.is_some() && text_matches(v, t)
            }),
            (Subject::MetricAgg(k, a), Test::Num(op, v)) => {
                match crate::index::column::aggregate_value(run, k, *a) {
                    Value::Number(x) => compare(*op, x, *v),
                    Value::Int(x) => compare(*op, x as f64, *v),
                    _ => false,
                }
            }
            (Subject::Metric(_) | Subject::MetricAgg(..), _) => false,
        }
    }
}

fn number(v: Option<&Text>) -> Option<f64> {
    v?.trim().parse().ok()
}

fn attr_text(run: &Run, a: Attr) -> Option<&str> {
    Some(match a {
        Attr::RunId => &run.run_id,
        Attr::RunName => &run.run_name,
        Attr::Status => run.status.as_str(),
        Attr::User => &run.user_id,
        Attr::ArtifactUri => &run.artifact_uri,
        _ => return None,
    })
}

/// IEEE comparison, as Python and MLflow's SQL stores do it: NaN only satisfies `!=`.
fn compare(op: NumOp, lhs: f64, rhs: f64) -> bool {
    match op {
        NumOp::Eq => lhs == rhs,
        NumOp::Ne => lhs != rhs,
        NumOp::Lt => lhs < rhs,
        NumOp::Le => lhs <= rhs,
        NumOp::Gt => lhs > rhs,
        NumOp::Ge => lhs >= rhs,
    }
}

/// A string test on a value that may be missing; only `IS NULL` matches a missing one.
fn text_matches(v: Option<&str>, t: &Test) -> bool {
    match (t, v) {
        (Test::Null { negated }, v) => v.is_some() == *negated,
        (_, None) => false,
        (Test::Text(op, s), Some(v)) => match op {
            TextOp::Eq => v == s,
            TextOp::Ne => v != s,
            TextOp::Like => like(v, s, false),
            TextOp::ILike => like(v, s, true),
        },
        (Test::In { negated, values }, Some(v)) => values.iter().any(|x| x == v) != *negated,
        (Test::Num(..), Some(_)) => false,
    }
}

/// SQL LIKE: `%` matches any run of characters (newlines too), `_` exactly one character,
/// everything else itself; no escape character. `ci` folds case (Unicode-aware) for ILIKE.
pub(super) fn like(text: &str, pattern: &str, ci: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let same = |a: char, b: char| a == b || (ci && a.to_lowercase().eq(b.to_lowercase()));
    let (mut ti, mut pi) = (0, 0);
    // After a `%`: the pattern index past it and the text index it currently swallows to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '%' {
            star = Some((pi + 1, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '_' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '%')
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_wildcards() {
        let cases = [
            ("run-1", "run-%", true),
            ("run-1", "run-_", true),
            ("run-12", "run-_", false),
            ("run-", "run-%", true),
            ("run", "run-%", false),
            ("abc", "%", true),
            ("", "%", true),
            ("", "", true),
            ("", "_", false),
            ("abc", "a%c", true),
            ("abcbc", "%bc", true),
            ("abcbd", "%bc", false),
            ("a%c", "a%c", true),
            ("xyz", "%y%", true),
            ("xz", "%y%", false),
            ("aXb", "a_b", true),
            ("ab", "a%%b", true),
            ("mississippi", "%iss%ppi", true),
            ("line1\nline2", "%line2", true),
            ("line1\nline2", "line1_line2", true),
            ("実験-🚀", "実験-_", true),
            ("0.1", "0.1", true),
            ("0.1", "0_1", true),
        ];
        for (text, pat, want) in cases {
            assert_eq!(like(text, pat, false), want, "{text:?} LIKE {pat:?}");
        }
    }

    #[test]
    fn like_is_case_sensitive_and_ilike_is_not() {
        assert!(!like("Adam", "adam", false));
        assert!(like("Adam", "adam", true));
        assert!(like("ADAM", "%d_m", true));
        assert!(like("значение", "ЗНАЧ%", true));
        assert!(!like("значение", "ЗНАЧ%", false));
        assert!(!like("FINISHED", "finished", false));
        assert!(like("FINISHED", "finished", true));
    }
}
