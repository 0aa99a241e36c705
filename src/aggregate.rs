//! Per-run aggregates of one metric's history — `latest`, `min`, `max`, `first`, `mean`,
//! `count`, `min_step`, `max_step` and `@N` (the value at step N) — their spelling
//! (`metrics.val/loss:min`, `metrics.val/loss@1000`), and the one folding of points that
//! every store's faster path has to agree with.
//!
//! Rules, the same for every store:
//! - `min`, `max` and `mean` leave NaN values out (all NaN: NaN); ±inf count as values.
//! - `count` counts every logged point, NaN included.
//! - `first` is the point with the smallest step, then the earliest timestamp.
//! - `@N` is the point with the largest step ≤ N; within that step the latest timestamp
//!   wins (MLflow's `latest` rule restricted to steps ≤ N). No point at or before N: no value.
//! - `min_step` / `max_step` are the smallest step at which the min / max was reached
//!   (no value when every value is NaN).
//! - Ties at the same step and timestamp go to the larger value for `latest`-like picks and
//!   to the smaller one for `first`; a NaN never wins a tie. The result never depends on
//!   the order the store returns points in.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use crate::model::MetricPoint;

/// One aggregate of a metric's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Agg {
    /// The latest value (MLflow's own, what `metrics.KEY` means).
    Latest,
    Min,
    Max,
    First,
    Mean,
    Count,
    MinStep,
    MaxStep,
    /// The value at step N (the largest step ≤ N).
    At(i64),
}

impl Agg {
    /// The named aggregates, in the order pickers list them.
    pub const NAMED: [Agg; 8] = [
        Agg::Latest,
        Agg::Min,
        Agg::Max,
        Agg::First,
        Agg::Mean,
        Agg::Count,
        Agg::MinStep,
        Agg::MaxStep,
    ];

    /// The name after `:` (`min`), or `@N`.
    pub fn name(self) -> String {
        match self {
            Agg::At(n) => format!("@{n}"),
            named => named.word().to_string(),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Agg::Latest => "latest",
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::First => "first",
            Agg::Mean => "mean",
            Agg::Count => "count",
            Agg::MinStep => "min_step",
            Agg::MaxStep => "max_step",
            Agg::At(_) => "at",
        }
    }

    /// What follows the key in a column name: `:min`, `@1000`, nothing for `latest`.
    pub fn suffix(self) -> String {
        match self {
            Agg::Latest => String::new(),
            Agg::At(n) => format!("@{n}"),
            named => format!(":{}", named.word()),
        }
    }

    /// Parses a name after `:` (`min`, `max_step`, ...), case-insensitively.
    pub fn from_word(s: &str) -> Option<Agg> {
        Agg::NAMED
            .into_iter()
            .find(|a| a.word().eq_ignore_ascii_case(s.trim()))
    }

    /// True for aggregates whose values are whole numbers (a count or a step).
    pub fn is_integer(self) -> bool {
        matches!(self, Agg::Count | Agg::MinStep | Agg::MaxStep)
    }

    /// True for aggregates that are metric values (and compare as such: direction, units).
    pub fn is_value(self) -> bool {
        !self.is_integer()
    }
}

impl fmt::Display for Agg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Splits a metric key as written with an aggregate: `val/loss:min` → (`val/loss`, Min),
/// `loss@1000` → (`loss`, At(1000)), `loss` → (`loss`, Latest).
///
/// MLflow keys may contain `:` (never `@`), so only a last `:` followed by an aggregate
/// name splits; `x:min:latest` is the latest value of a metric named `x:min`.
pub fn split_key(spec: &str) -> (&str, Agg) {
    if let Some((key, n)) = spec.rsplit_once('@') {
        if let Some(n) = parse_step(n) {
            if !key.is_empty() {
                return (key, Agg::At(n));
            }
        }
    }
    if let Some((key, word)) = spec.rsplit_once(':') {
        if let Some(agg) = Agg::from_word(word) {
            if !key.is_empty() {
                return (key, agg);
            }
        }
    }
    (spec, Agg::Latest)
}

/// A step number: optional `-` and digits.
pub fn parse_step(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One aggregate of one metric: what a column or a load asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricAgg {
    pub key: String,
    pub agg: Agg,
}

impl MetricAgg {
    pub fn new(key: impl Into<String>, agg: Agg) -> Self {
        Self {
            key: key.into(),
            agg,
        }
    }
}

impl fmt::Display for MetricAgg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "metrics.{}{}", self.key, self.agg.suffix())
    }
}

/// Aggregates computed for one run, by metric key. A key's entry holds `(aggregate, value)`
/// pairs; `None` means the run has the metric but that aggregate has no value (no point at
/// or before step N; no min/max step because every value is NaN). An aggregate that is not
/// listed was not computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricAggs(BTreeMap<String, Vec<(Agg, Option<f64>)>>);

impl MetricAggs {
    /// The value of `agg` of `key`, if it was computed.
    pub fn get(&self, key: &str, agg: Agg) -> Option<Option<f64>> {
        self.0
            .get(key)?
            .iter()
            .find(|(a, _)| *a == agg)
            .map(|(_, v)| *v)
    }

    /// Records a computed value.
    pub fn set(&mut self, key: &str, agg: Agg, value: Option<f64>) {
        let list = match self.0.get_mut(key) {
            Some(l) => l,
            None => self.0.entry(key.to_string()).or_default(),
        };
        match list.iter_mut().find(|(a, _)| *a == agg) {
            Some(slot) => slot.1 = value,
            None => list.push((agg, value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every `(key, aggregate, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Agg, Option<f64>)> {
        self.0
            .iter()
            .flat_map(|(k, l)| l.iter().map(move |(a, v)| (k.as_str(), *a, *v)))
    }
}

/// Order of two points for `latest`-like picks: larger (step, timestamp), then the larger
/// value; NaN is below every number. `Greater` means `a` is later.
pub fn cmp_later(a: &MetricPoint, b: &MetricPoint) -> Ordering {
    (a.step, a.timestamp)
        .cmp(&(b.step, b.timestamp))
        .then_with(|| nan_low(a.value, b.value))
}

/// Order for `first`: smaller (step, timestamp), then the smaller value; NaN above every
/// number. `Less` means `a` comes first.
pub fn cmp_first(a: &MetricPoint, b: &MetricPoint) -> Ordering {
    (a.step, a.timestamp)
        .cmp(&(b.step, b.timestamp))
        .then_with(|| nan_high(a.value, b.value))
}

/// Compares values with NaN below everything (-0.0 ties 0.0).
fn nan_low(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Compares values with NaN above everything.
fn nan_high(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// The aggregates of one metric of one run, folded one point at a time (in any order) or
/// merged from parts (step ranges or row ranges read apart).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fold {
    pub count: u64,
    /// Smallest non-NaN value and the smallest step where it occurs.
    pub min: Option<(f64, i64)>,
    /// Largest non-NaN value and the smallest step where it occurs.
    pub max: Option<(f64, i64)>,
    /// Sum (compensated: `sum + sum_err`, Kahan–Babuška–Neumaier, as SQLite's `SUM`) and
    /// number of the finite values; numbers of +inf and -inf values.
    pub sum: f64,
    pub sum_err: f64,
    pub finite: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub first: Option<MetricPoint>,
    pub latest: Option<MetricPoint>,
    /// For each `@N` asked for: N and the latest point with step ≤ N so far.
    pub at: Vec<(i64, Option<MetricPoint>)>,
}

impl Fold {
    /// A fold that also tracks the value at each of `steps`.
    pub fn with_steps(steps: impl IntoIterator<Item = i64>) -> Self {
        Self {
            at: steps.into_iter().map(|n| (n, None)).collect(),
            ..Self::default()
        }
    }

    /// A fold that tracks what `aggs` need (the `@N` steps).
    pub fn for_aggs<'a>(aggs: impl IntoIterator<Item = &'a Agg>) -> Self {
        let mut steps: Vec<i64> = aggs
            .into_iter()
            .filter_map(|a| match a {
                Agg::At(n) => Some(*n),
                _ => None,
            })
            .collect();
        steps.sort_unstable();
        steps.dedup();
        Self::with_steps(steps)
    }

    /// Adds one point.
    pub fn push(&mut self, p: MetricPoint) {
        self.count += 1;
        let v = p.value;
        if !v.is_nan() {
            self.min = Some(match self.min {
                Some((m, s)) if m < v || (m == v && s <= p.step) => (m, s),
                _ => (v, p.step),
            });
            self.max = Some(match self.max {
                Some((m, s)) if m > v || (m == v && s <= p.step) => (m, s),
                _ => (v, p.step),
            });
            if v.is_finite() {
                self.add(v);
                self.finite += 1;
            } else if v > 0.0 {
                self.pos_inf += 1;
            } else {
                self.neg_inf += 1;
            }
        }
        if self
            .first
            .is_none_or(|f| cmp_first(&p, &f) == Ordering::Less)
        {
            self.first = Some(p);
        }
        if self
            .latest
            .is_none_or(|l| cmp_later(&p, &l) == Ordering::Greater)
        {
            self.latest = Some(p);
        }
        for (n, best) in &mut self.at {
            if p.step <= *n && best.is_none_or(|b| cmp_later(&p, &b) == Ordering::Greater) {
                *best = Some(p);
            }
        }
    }

    /// Adds a finite value to the compensated sum.
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() > v.abs() {
            self.sum_err += (self.sum - t) + v;
        } else {
            self.sum_err += (v - t) + self.sum;
        }
        self.sum = t;
    }

    /// Folds a whole series.
    pub fn of(points: &[MetricPoint], aggs: &[Agg]) -> Self {
        let mut f = Self::for_aggs(aggs);
        for p in points {
            f.push(*p);
        }
        f
    }

    /// Merges a fold of other points of the same metric (another step range or part).
    pub fn merge(&mut self, other: &Fold) {
        self.count += other.count;
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 || (b.0 == a.0 && b.1 < a.1) {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        };
        self.add(other.sum);
        self.add(other.sum_err);
        self.finite += other.finite;
        self.pos_inf += other.pos_inf;
        self.neg_inf += other.neg_inf;
        self.first = pick(self.first, other.first, |a, b| {
            cmp_first(a, b) == Ordering::Greater
        });
        self.latest = pick(self.latest, other.latest, |a, b| {
            cmp_later(a, b) == Ordering::Less
        });
        for (n, best) in &mut self.at {
            let theirs = other.at.iter().find(|(m, _)| m == n).and_then(|(_, p)| *p);
            *best = pick(*best, theirs, |a, b| cmp_later(a, b) == Ordering::Less);
        }
    }

    /// The mean of the non-NaN values: ±inf when infinities of one sign are among them,
    /// NaN with both signs or with no value at all.
    pub fn mean(&self) -> f64 {
        match (self.pos_inf > 0, self.neg_inf > 0) {
            (true, true) => f64::NAN,
            (true, false) => f64::INFINITY,
            (false, true) => f64::NEG_INFINITY,
            (false, false) if self.finite == 0 => f64::NAN,
            (false, false) => (self.sum + self.sum_err) / self.finite as f64,
        }
    }

    /// The value of `agg`; `None` when the metric has no points or that aggregate has no
    /// value. `@N` must have been asked for when the fold was made.
    pub fn value(&self, agg: Agg) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let or_nan = |x: Option<(f64, i64)>| Some(x.map_or(f64::NAN, |m| m.0));
        match agg {
            Agg::Latest => self.latest.map(|p| p.value),
            Agg::Min => or_nan(self.min),
            Agg::Max => or_nan(self.max),
            Agg::First => self.first.map(|p| p.value),
            Agg::Mean => Some(self.mean()),
            Agg::Count => Some(self.count as f64),
            Agg::MinStep => self.min.map(|m| m.1 as f64),
            Agg::MaxStep => self.max.map(|m| m.1 as f64),
            Agg::At(n) => self
                .at
                .iter()
                .find(|(m, _)| *m == n)
                .and_then(|(_, p)| p.map(|p| p.value)),
        }
    }
}

/// `a` unless it is missing or `replace(a, b)` says `b` wins.
fn pick(
    a: Option<MetricPoint>,
    b: Option<MetricPoint>,
    replace: impl Fn(&MetricPoint, &MetricPoint) -> bool,
) -> Option<MetricPoint> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if replace(&x, &y) { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// The value of `agg` over `points` (in any order), the plain way: `None` for an empty
/// series or an aggregate without a value.
pub fn compute(points: &[MetricPoint], agg: Agg) -> Option<f64> {
    Fold::of(points, &[agg]).value(agg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(step: i64, timestamp: i64, value: f64) -> MetricPoint {
        MetricPoint {
            step,
            timestamp,
            value,
        }
    }

    #[test]
    fn spelling_splits_only_on_aggregate_suffixes() {
        assert_eq!(split_key("val/loss:min"), ("val/loss", Agg::Min));
        assert_eq!(split_key("val/loss:MAX_STEP"), ("val/loss", Agg::MaxStep));
        assert_eq!(split_key("loss@1000"), ("loss", Agg::At(1000)));
        assert_eq!(split_key("loss@-5"), ("loss", Agg::At(-5)));
        assert_eq!(split_key("a:b"), ("a:b", Agg::Latest));
        assert_eq!(split_key("x:min:latest"), ("x:min", Agg::Latest));
        assert_eq!(split_key("x:min:min"), ("x:min", Agg::Min));
        assert_eq!(split_key("loss@"), ("loss@", Agg::Latest));
        assert_eq!(split_key("loss@1e3"), ("loss@1e3", Agg::Latest));
        assert_eq!(split_key(":min"), (":min", Agg::Latest));
        for a in Agg::NAMED.into_iter().chain([Agg::At(7), Agg::At(-2)]) {
            let spelled = format!("k{}", a.suffix());
            assert_eq!(split_key(&spelled), ("k", a), "{spelled}");
        }
    }

    #[test]
    fn aggregates_of_a_plain_series() {
        let s = [p(0, 10, 3.0), p(1, 20, 1.0), p(2, 30, 5.0), p(3, 40, 1.0)];
        let v = |a| compute(&s, a);
        assert_eq!(v(Agg::Min), Some(1.0));
        assert_eq!(v(Agg::MinStep), Some(1.0), "first step reaching the min");
        assert_eq!(v(Agg::Max), Some(5.0));
        assert_eq!(v(Agg::MaxStep), Some(2.0));
        assert_eq!(v(Agg::First), Some(3.0));
        assert_eq!(v(Agg::Latest), Some(1.0));
        assert_eq!(v(Agg::Mean), Some(2.5));
        assert_eq!(v(Agg::Count), Some(4.0));
        assert_eq!(v(Agg::At(2)), Some(5.0));
        assert_eq!(v(Agg::At(100)), Some(1.0));
        assert_eq!(v(Agg::At(-1)), None);
        assert_eq!(compute(&[], Agg::Count), None);
    }

    #[test]
    fn nan_and_infinities() {
        let s = [p(0, 1, f64::NAN), p(1, 2, f64::INFINITY), p(2, 3, 2.0)];
        assert_eq!(compute(&s, Agg::Mean), Some(f64::INFINITY));
        assert_eq!(compute(&s, Agg::Max), Some(f64::INFINITY));
        assert_eq!(compute(&s, Agg::Min), Some(2.0));
        assert_eq!(compute(&s, Agg::Count), Some(3.0));
        assert!(compute(&s, Agg::First).is_some_and(f64::is_nan));
        let both = [p(0, 1, f64::INFINITY), p(1, 2, f64::NEG_INFINITY)];
        assert!(compute(&both, Agg::Mean).is_some_and(f64::is_nan));
        let nan = [p(0, 1, f64::NAN), p(1, 1, f64::NAN)];
        assert!(compute(&nan, Agg::Min).is_some_and(f64::is_nan));
        assert!(compute(&nan, Agg::Mean).is_some_and(f64::is_nan));
        assert_eq!(compute(&nan, Agg::MinStep), None);
        assert_eq!(compute(&nan, Agg::Count), Some(2.0));
    }

    #[test]
    fn ties_do_not_depend_on_order() {
        let a = [p(1, 5, f64::NAN), p(1, 5, 2.0), p(1, 5, 1.0), p(0, 9, 7.0)];
        let mut b = a;
        b.reverse();
        for agg in [Agg::First, Agg::Latest, Agg::At(1), Agg::At(0)] {
            let (x, y) = (compute(&a, agg), compute(&b, agg));
            assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits), "{agg}");
        }
        assert_eq!(
            compute(&a, Agg::At(1)),
            Some(2.0),
            "larger value wins a tie"
        );
        assert_eq!(compute(&a, Agg::First), Some(7.0));
        let c = [p(0, 5, f64::NAN), p(0, 5, 2.0), p(0, 5, 1.0)];
        assert_eq!(
            compute(&c, Agg::First),
            Some(1.0),
            "smaller value wins, NaN never"
        );
        // Within a step the latest timestamp wins, whatever the value.
        let d = [p(3, 9, 1.0), p(3, 10, 0.5), p(4, 1, 9.0)];
        assert_eq!(compute(&d, Agg::At(3)), Some(0.5));
    }

    #[test]
    fn merged_parts_equal_one_fold() {
        let pts: Vec<MetricPoint> = (0..50)
            .map(|i| p(i % 17, i * 3 % 11, ((i * 7919) % 13) as f64 - 6.0))
            .collect();
        let aggs = [Agg::At(5), Agg::At(100)];
        let whole = Fold::of(&pts, &aggs);
        for cut in [0, 1, 20, 49, 50] {
            let mut left = Fold::of(&pts[..cut], &aggs);
            left.merge(&Fold::of(&pts[cut..], &aggs));
            assert_eq!(left, whole, "cut at {cut}");
        }
    }

    #[test]
    fn computed_values_are_kept_per_key() {
        let mut m = MetricAggs::default();
        assert_eq!(m.get("a", Agg::Min), None);
        m.set("a", Agg::Min, Some(1.0));
        m.set("a", Agg::At(3), None);
        m.set("a", Agg::Min, Some(0.5));
        assert_eq!(m.get("a", Agg::Min), Some(Some(0.5)));
        assert_eq!(m.get("a", Agg::At(3)), Some(None));
        assert_eq!(m.get("b", Agg::Min), None);
        assert_eq!(m.iter().count(), 2);
    }
}
