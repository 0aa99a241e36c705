//! MLflow's run-search language: `parse_filter` and `Filter::matches` for `filter_string`,
//! `parse_order_by` and `order_runs` for `order_by`, with MLflow's error messages.
//!
//! The grammar is MLflow's (`metrics.acc > 0.9 AND params.opt = 'adam'`, see README.md)
//! plus two mltui extensions: `OR` and parentheses, with `AND` binding tighter than `OR`;
//! and params and tags compared with unquoted numbers by `<`, `<=`, `>`, `>=` as numbers.

pub(crate) mod ast;
mod check;
mod eval;
mod lexer;
mod order;
mod parser;

use std::fmt;
use std::str::FromStr;

use crate::model::Run;

pub use order::{OrderKey, order_runs, parse_order_by};

/// A parsed filter. The default (and the parse of an empty string) matches every run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    expr: Option<ast::Expr>,
}

/// Why a filter or order-by string was refused: where (a char offset into the string) and
/// what, in MLflow's words where MLflow has words for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

/// Parses an MLflow filter string (plus `OR` and parentheses). An empty or all-whitespace
/// string gives the match-all filter. Never panics; anything invalid is an error.
pub fn parse_filter(s: &str) -> Result<Filter, FilterError> {
    Ok(Filter {
        expr: parser::parse(s)?,
    })
}

impl Filter {
    /// True when `run` satisfies the filter.
    pub fn matches(&self, run: &Run) -> bool {
        self.expr.as_ref().is_none_or(|e| e.matches(run))
    }

    /// True for the filter that matches every run (the empty filter).
    pub fn is_match_all(&self) -> bool {
        self.expr.is_none()
    }

    /// The top-level `AND`ed conditions (all of them when there is no `OR` at the top), for
    /// stores that narrow runs themselves.
    pub(crate) fn conjuncts(&self) -> Vec<&ast::Cond> {
        match &self.expr {
            Some(ast::Expr::Cond(c)) => vec![c],
            Some(ast::Expr::And(items)) => items
                .iter()
                .filter_map(|e| match e {
                    ast::Expr::Cond(c) => Some(c),
                    _ => None,
                })
                .collect(),
            Some(ast::Expr::Or(_)) | None => Vec::new(),
        }
    }

    /// The part of this filter that MLflow itself can evaluate: the top-level `AND`ed
    /// conditions outside any `OR`, except mltui's numeric params and tags. It matches
    /// every run this filter matches (and maybe more), so a server can narrow runs with it
    /// and mltui finishes the rest locally. The match-all filter when nothing qualifies.
    pub fn mlflow_part(&self) -> Filter {
        let mlflow = |e: &ast::Expr| matches!(e, ast::Expr::Cond(c) if c.is_mlflow());
        let expr = match &self.expr {
            Some(e) if mlflow(e) => Some(e.clone()),
            Some(ast::Expr::And(items)) => {
                let conds: Vec<ast::Expr> = items.iter().filter(|e| mlflow(e)).cloned().collect();
                match conds.len() {
                    0 => None,
                    1 => conds.into_iter().next(),
                    _ => Some(ast::Expr::And(conds)),
                }
            }
            Some(_) | None => None,
        };
        Filter { expr }
    }
}

impl Filter {
    /// The metric aggregates (other than latest values) the filter compares, so that a
    /// load can compute them before the filter is applied.
    pub fn metric_aggs(&self) -> Vec<crate::aggregate::MetricAgg> {
        fn walk(e: &ast::Expr, out: &mut Vec<crate::aggregate::MetricAgg>) {
            match e {
                ast::Expr::Cond(c) => {
                    if let ast::Subject::MetricAgg(k, a) = &c.subject {
                        let m = crate::aggregate::MetricAgg::new(k.clone(), *a);
                        if !out.contains(&m) {
                            out.push(m);
                        }
                    }
                }
                ast::Expr::And(items) | ast::Expr::Or(items) => {
                    items.iter().for_each(|i| walk(i, out))
                }
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, &mut out);
        }
        out
    }

    /// The metric, param and tag columns the filter names, in order, without repeats (to
    /// tell the user about keys no run has).
    pub fn columns(&self) -> Vec<crate::index::Column> {
        use crate::index::Column;
        fn walk(e: &ast::Expr, out: &mut Vec<Column>) {
            match e {
                ast::Expr::Cond(c) => {
                    let col = match &c.subject {
                        ast::Subject::Metric(k) => Column::Metric(k.clone()),
                        ast::Subject::MetricAgg(k, a) => Column::MetricAgg(k.clone(), *a),
                        ast::Subject::Param(k) => Column::Param(k.clone()),
                        ast::Subject::Tag(k) => Column::Tag(k.clone()),
                        _ => return,
                    };
                    if !out.contains(&col) {
                        out.push(col);
                    }
                }
                ast::Expr::And(items) | ast::Expr::Or(items) => {
                    items.iter().for_each(|i| walk(i, out));
                }
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expr {
            walk(e, &mut out);
        }
        out
    }
}

/// A key as written in a filter after `metrics.` (or `params.`, `tags.`): bare when it is
/// dot-separated words, else in backticks (``metrics.`val/acc` ``).
pub fn quote_key(key: &str) -> String {
    ast::key(key)
}

/// Canonical text: `parse_filter(&f.to_string()) == Ok(f)`. Empty for the match-all filter.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.expr {
            Some(e) => write!(f, "{e}"),
            None => Ok(()),
        }
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_filter(s)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_agg;
#[cfg(test)]
mod tests_match;
