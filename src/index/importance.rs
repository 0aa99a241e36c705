//! Parameter importance for a target metric column (any aggregate, e.g.
//! `metrics.val/acc:max`), over a set of runs:
//!
//! - **Spearman's rank correlation** between a numeric param and the target (ties get
//!   their average rank, as scipy and pandas do), over the runs that have both.
//! - **Split importance**: how much choosing the param's best value improves the target
//!   over the mean of all runs. The runs are split one level deep — by value for a
//!   categorical param or one with few values, else at the best threshold of a numeric
//!   one — and the best side (by the target's goal, each side with at least
//!   [`min_side`] runs) is compared with the overall mean. In the target's units, never
//!   negative.

use std::collections::BTreeMap;

use super::column::{Column, Value};
use crate::model::Run;

/// Whether larger or smaller values of the target are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    Max,
    Min,
}

impl Goal {
    /// Better means larger for `Max`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Goal::Max => a > b,
            Goal::Min => a < b,
        }
    }

    /// The goal a metric column's name suggests (`loss`, `error`, ... are minimised; any
    /// other metric maximised; steps and counts of a metric follow their metric).
    pub fn guess(target: &Column) -> Goal {
        match target.metric_parts() {
            Some((k, _)) => Goal::of(super::direction::infer(k)),
            None => Goal::Max,
        }
    }

    /// The goal of a better direction (unknown: larger is better).
    pub fn of(d: super::direction::Direction) -> Goal {
        match d {
            super::direction::Direction::Lower => Goal::Min,
            _ => Goal::Max,
        }
    }
}

/// How a param's values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Every value parses as a finite number.
    Numeric,
    Categorical,
}

/// One param's importance for the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    pub param: String,
    pub kind: ParamKind,
    /// Runs with both the param and a finite target value.
    pub runs: usize,
    /// Distinct values of the param among them.
    pub values: usize,
    /// Spearman's rho (numeric params with at least 3 runs and some spread only).
    pub spearman: Option<f64>,
    /// The improvement of the best split side's mean over the overall mean (≥ 0).
    pub importance: f64,
    /// The best side: a value (`adam`), or a range (`<= 0.01`, `> 0.01`).
    pub best: String,
    /// The target's mean over the best side.
    pub best_mean: f64,
}

/// Smallest number of runs a split side needs, out of `n`.
pub fn min_side(n: usize) -> usize {
    if n >= 10 { (n / 10).max(2) } else { 1 }
}

/// Params with at most this many distinct numeric values are split by value.
const SPLIT_BY_VALUE: usize = 10;

/// The importance of every param of `rows` (indices into `runs`) for `target`, most
/// important first (then by |rho|, then by name).
pub fn importance(
    runs: &[Run],
    rows: &[usize],
    target: &Column,
    goal: Goal,
    now_ms: i64,
) -> Vec<Importance> {
    let ys: Vec<Option<f64>> = rows
        .iter()
        .map(|&r| match target.value(&runs[r], now_ms) {
            Value::Number(v) if v.is_finite() => Some(v),
            Value::Int(i) => Some(i as f64),
            _ => None,
        })
        .collect();
    let mut params: BTreeMap<&str, Vec<(&str, f64)>> = BTreeMap::new();
    for (&r, y) in rows.iter().zip(&ys) {
        let Some(y) = *y else { continue };
        for (k, v) in &runs[r].params {
            params.entry(k).or_default().push((v.as_str(), y));
        }
    }
    let mut out: Vec<Importance> = params
        .into_iter()
        .map(|(name, pairs)| of_param(name, &pairs, goal))
        .collect();
    out.sort_by(|a, b| {
        b.importance
            .total_cmp(&a.importance)
            .then_with(|| {
                let r = |i: &Importance| i.spearman.map_or(-1.0, f64::abs);
                r(b).total_cmp(&r(a))
            })
            .then_with(|| a.param.cmp(&b.param))
    });
    out
}

fn of_param(name: &str, pairs: &[(&str, f64)], goal: Goal) -> Importance {
    let nums: Option<Vec<f64>> = pairs
        .iter()
        .map(|(v, _)| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let n = pairs.len();
    let mean = ys.iter().sum::<f64>() / n.max(1) as f64;
    let kind = if nums.is_some() {
        ParamKind::Numeric
    } else {
        ParamKind::Categorical
    };
    let spearman = nums.as_ref().and_then(|xs| spearman(xs, &ys));
    let min = min_side(n);
    // Candidate sides: (label, mean, size).
    let mut sides: Vec<(String, f64, usize)> = Vec::new();
    let distinct: usize;
    match &nums {
        Some(xs) => {
            let mut sorted: Vec<(f64, f64, &str)> = xs
                .iter()
                .zip(pairs)
                .map(|(x, (t, y))| (*x, *y, *t))
                .collect();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut values: Vec<f64> = sorted.iter().map(|s| s.0).collect();
            values.dedup();
            distinct = values.len();
            if distinct <= SPLIT_BY_VALUE {
                let mut by: BTreeMap<u64, (String, f64, usize)> = BTreeMap::new();
                for (x, y, t) in &sorted {
                    let e = by
                        .entry(order_bits(*x))
                        .or_insert_with(|| (t.to_string(), 0.0, 0));
                    e.1 += y;
                    e.2 += 1;
                }
                sides.extend(by.into_values().map(|(t, s, c)| (t, s / c as f64, c)));
            } else {
                // Every threshold between two distinct values, with prefix and suffix sums.
                let mut suffix = vec![0.0; n + 1];
                for i in (0..n).rev() {
                    suffix[i] = suffix[i + 1] + sorted[i].1;
                }
                let mut sum = 0.0;
                for i in 0..n - 1 {
                    sum += sorted[i].1;
                    if sorted[i].0 == sorted[i + 1].0 {
                        continue;
                    }
                    let (left, right) = (i + 1, n - i - 1);
                    let label = fmt_num(sorted[i].0);
                    sides.push((format!("<= {label}"), sum / left as f64, left));
                    sides.push((format!("> {label}"), suffix[i + 1] / right as f64, right));
                }
            }
        }
        None => {
            let mut by: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
            for (v, y) in pairs {
                let e = by.entry(v).or_default();
                e.0 += y;
                e.1 += 1;
            }
            distinct = by.len();
            sides.extend(
                by.into_iter()
                    .map(|(v, (s, c))| (v.to_string(), s / c as f64, c)),
            );
        }
    }
    let best = sides
        .into_iter()
        .filter(|s| s.2 >= min)
        .reduce(|a, b| if goal.better(b.1, a.1) { b } else { a });
    let (best, best_mean) = match best {
        Some((label, m, _)) if distinct >= 2 => (label, m),
        _ => (String::new(), mean),
    };
    let gain = match goal {
        Goal::Max => best_mean - mean,
        Goal::Min => mean - best_mean,
    };
    Importance {
        param: name.to_string(),
        kind,
        runs: n,
        values: distinct,
        spearman,
        importance: gain.max(0.0),
        best,
        best_mean,
    }
}

/// Sorts like the number (for map keys).
fn order_bits(x: f64) -> u64 {
    let b = (if x == 0.0 { 0.0 } else { x }).to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

fn fmt_num(x: f64) -> String {
    crate::text::float_short(x)
}

/// Ranks from 1, ties sharing their average rank.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = avg;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rho: Pearson's correlation of the ranks. `None` with fewer than 3 pairs or
/// when either side is constant.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), [2.0, 3.5, 3.5, 1.0]);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[3.0, 2.0, 1.0]), None);
        assert_eq!(spearman(&[1.0, 2.0], &[3.0, 2.0]), None);
        // Monotone, not linear: still 1.
        let r = spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(r, Some(1.0));
    }

    #[test]
    fn the_param_that_decides_the_metric_ranks_first() {
        let mut runs = Vec::new();
        for (i, (opt, lr)) in [
            ("adam", "0.1"),
            ("adam", "0.01"),
            ("sgd", "0.1"),
            ("sgd", "0.01"),
            ("adam", "0.001"),
            ("sgd", "0.001"),
        ]
        .iter()
        .enumerate()
        {
            let acc = if *opt == "adam" { 0.9 } else { 0.6 } + i as f64 * 0.001;
            runs.push(run_with(
                &format!("r{i}"),
                i as i64,
                &[("acc", acc), ("loss", 1.0 - acc)],
                &[("opt", opt), ("lr", lr)],
            ));
        }
        let rows: Vec<usize> = (0..runs.len()).collect();
        let t = Column::Metric("acc".into());
        assert_eq!(Goal::guess(&t), Goal::Max);
        let imp = importance(&runs, &rows, &t, Goal::Max, 0);
        assert_eq!(imp[0].param, "opt");
        assert_eq!(imp[0].kind, ParamKind::Categorical);
        assert_eq!(imp[0].best, "adam");
        assert!((imp[0].importance - 0.15).abs() < 0.01, "{imp:?}");
        assert_eq!(imp[0].spearman, None);
        assert_eq!(imp[1].param, "lr");
        assert_eq!(imp[1].kind, ParamKind::Numeric);
        assert_eq!(imp[1].values, 3);
        // For the loss the same param wins, with the goal reversed.
        let loss = Column::Metric("loss".into());
        assert_eq!(Goal::guess(&loss), Goal::Min);
        let imp = importance(&runs, &rows, &loss, Goal::Min, 0);
        assert_eq!(
            (imp[0].param.as_str(), imp[0].best.as_str()),
            ("opt", "adam")
        );
    }

    #[test]
    fn many_numeric_values_split_at_a_threshold() {
        let runs: Vec<Run> = (0..40)
            .map(|i| {
                let lr = 10f64.powf(-4.0 + i as f64 / 10.0);
                let acc = if lr > 0.01 { 0.9 } else { 0.5 };
                run_with(
                    &format!("r{i}"),
                    i,
                    &[("acc", acc)],
                    &[("lr", &lr.to_string())],
                )
            })
            .collect();
        let rows: Vec<usize> = (0..runs.len()).collect();
        let imp = importance(&runs, &rows, &Column::Metric("acc".into()), Goal::Max, 0);
        assert_eq!(imp[0].values, 40);
        assert!(imp[0].best.starts_with("> 0.01"), "{:?}", imp[0]);
        assert!((imp[0].best_mean - 0.9).abs() < 1e-12);
        assert!(imp[0].spearman.is_some_and(|r| r > 0.8));
    }
}
