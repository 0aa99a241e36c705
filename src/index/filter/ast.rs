//! The parsed filter (`Expr`, `Cond`) and its canonical printing: entities spelled
//! `metrics.`/`params.`/`tags.`/`dataset.`, bare attributes, upper-case keywords, keys
//! backticked when they need it, so that parsing the printed text gives the same tree.

use std::fmt;

use crate::aggregate::Agg;
use crate::index::column::Attr;

/// A boolean combination of conditions. The parser flattens nested groups of the same kind,
/// so an `And` never directly holds an `And` and an `Or` never directly holds an `Or`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Cond(Cond),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// One comparison: what is compared and how.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cond {
    pub subject: Subject,
    pub test: Test,
}

impl Cond {
    /// False for mltui's extensions that MLflow refuses: a param or tag compared with a
    /// number, an aggregate of a metric other than its latest value.
    pub fn is_mlflow(&self) -> bool {
        !matches!(
            (&self.subject, &self.test),
            (Subject::Param(_) | Subject::Tag(_), Test::Num(..)) | (Subject::MetricAgg(..), _)
        )
    }
}

/// The left-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Subject {
    Metric(String),
    /// mltui extension: an aggregate of a metric's history (`metrics.loss:min`); never
    /// `Agg::Latest`, which is `Metric`.
    MetricAgg(String, Agg),
    Param(String),
    Tag(String),
    /// One of run_id, run_name, status, user_id, artifact_uri, start_time, end_time.
    Attr(Attr),
    Dataset(DatasetField),
}

/// The dataset input fields MLflow can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatasetField {
    Name,
    Digest,
    Context,
}

impl DatasetField {
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Digest => "digest",
            Self::Context => "context",
        }
    }
}

/// Numeric comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl NumOp {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// String comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextOp {
    Eq,
    Ne,
    Like,
    ILike,
}

impl TextOp {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Like => "LIKE",
            Self::ILike => "ILIKE",
        }
    }
}

/// The comparator and right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    Num(NumOp, f64),
    Text(TextOp, String),
    /// `IN (...)`, or `NOT IN (...)` when `negated`.
    In {
        negated: bool,
        values: Vec<String>,
    },
    /// `IS NULL`, or `IS NOT NULL` when `negated`.
    Null {
        negated: bool,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Cond(c) => write!(f, "{c}"),
            Expr::Or(items) => join(f, items, " OR ", false),
            Expr::And(items) => join(f, items, " AND ", true),
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str, paren_or: bool) -> fmt::Result {
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        match e {
            Expr::Or(_) if paren_or => write!(f, "({e})")?,
            _ => write!(f, "{e}")?,
        }
    }
    Ok(())
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.subject)?;
        match &self.test {
            Test::Num(op, v) => write!(f, "{} {}", op.symbol(), number(*v)),
            Test::Text(op, s) => write!(f, "{} {}", op.symbol(), string(s)),
            Test::In { negated, values } => {
                f.write_str(if *negated { "NOT IN (" } else { "IN (" })?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&string(v))?;
                }
                f.write_str(")")
            }
            Test::Null { negated } => f.write_str(if *negated { "IS NOT NULL" } else { "IS NULL" }),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Metric(k) => write!(f, "metrics.{}", key(k)),
            Subject::MetricAgg(k, a) => write!(f, "metrics.{}{}", key(k), a.suffix()),
            Subject::Param(k) => write!(f, "params.{}", key(k)),
            Subject::Tag(k) => write!(f, "tags.{}", key(k)),
            Subject::Attr(a) => f.write_str(a.name()),
            Subject::Dataset(d) => write!(f, "dataset.{}", d.name()),
        }
    }
}

/// A key as written after `metrics.`: bare when it is dot-separated words, else quoted.
pub(super) fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.split('.')
            .all(|seg| !seg.is_empty() && seg.chars().all(super::lexer::is_word_char));
    if bare {
        k.to_string()
    } else if !k.contains('`') {
        format!("`{k}`")
    } else {
        format!("\"{k}\"")
    }
}

/// A string value in quotes that do not occur in it.
fn string(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

/// A number the lexer reads back to the same `f64`: integers plainly, infinities as
/// `1e999` (which overflows to infinity, as in MLflow), the rest in Rust's shortest form.
fn number(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "1e999".into()
        } else {
            "-1e999".into()
        }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}
