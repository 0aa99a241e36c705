//! Sampling a metric history for drawing while it is read, in bounded memory whatever its
//! length and order: every point is kept up to [`EXACT_LIMIT`]; past that, the points are
//! folded into buckets of the step axis and of the time axis (first, last, lowest and highest
//! point of each), doubling the bucket width whenever there are too many buckets. The kept
//! points draw the same curve at any width up to thousands of columns, on either x axis.

use std::collections::HashMap;

use crate::model::MetricPoint;

/// Histories up to this many points are returned exactly.
pub const EXACT_LIMIT: usize = 200_000;
/// Buckets per axis once sampling: at most 4 points each, on two axes.
const BUCKETS: usize = 16_384;

/// Collects the points of one history (see the module documentation).
#[derive(Debug, Default)]
pub struct Sampler {
    exact: Vec<MetricPoint>,
    sampling: Option<(Buckets, Buckets)>,
}

impl Sampler {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, p: MetricPoint) {
        match &mut self.sampling {
            Some((by_step, by_time)) => {
                by_step.push(p);
                by_time.push(p);
            }
            None if self.exact.len() < EXACT_LIMIT => self.exact.push(p),
            None => {
                let mut by_step = Buckets::new(Axis::Step);
                let mut by_time = Buckets::new(Axis::Time);
                for q in std::mem::take(&mut self.exact).into_iter().chain([p]) {
                    by_step.push(q);
                    by_time.push(q);
                }
                self.sampling = Some((by_step, by_time));
            }
        }
    }

    /// The points: all of them (in the order read) when there were few enough, else the
    /// sample, sorted by step then time.
    pub fn finish(self) -> Vec<MetricPoint> {
        let Some((by_step, by_time)) = self.sampling else {
            return self.exact;
        };
        let mut out: Vec<MetricPoint> = by_step.points().chain(by_time.points()).collect();
        out.sort_by(|a, b| {
            (a.step, a.timestamp)
                .cmp(&(b.step, b.timestamp))
                .then(a.value.total_cmp(&b.value))
        });
        out.dedup_by(|a, b| {
            (a.step, a.timestamp, a.value.to_bits()) == (b.step, b.timestamp, b.value.to_bits())
        });
        out
    }
}

#[derive(Debug, Clone, Copy)]
enum Axis {
    Step,
    Time,
}

impl Axis {
    /// The position on this axis, then on the other (to order ties).
    fn key(self, p: &MetricPoint) -> (i64, i64) {
        match self {
            Axis::Step => (p.step, p.timestamp),
            Axis::Time => (p.timestamp, p.step),
        }
    }
}

/// The points of one bucket worth keeping.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    first: MetricPoint,
    last: MetricPoint,
    /// Lowest and highest non-NaN value (a NaN-only bucket keeps first and last only).
    low: Option<MetricPoint>,
    high: Option<MetricPoint>,
}

impl Bucket {
    fn new(p: MetricPoint) -> Self {
        let finite = (!p.value.is_nan()).then_some(p);
        Self {
            first: p,
            last: p,
            low: finite,
            high: finite,
        }
    }

    fn merge(&mut self, other: &Bucket, axis: Axis) {
        if axis.key(&other.first) < axis.key(&self.first) {
            self.first = other.first;
        }
        if axis.key(&other.last) > axis.key(&self.last) {
            self.last = other.last;
        }
        if let Some(o) = other.low {
            if self.low.is_none_or(|l| o.value < l.value) {
                self.low = Some(o);
            }
        }
        if let Some(o) = other.high {
            if self.high.is_none_or(|h| o.value > h.value) {
                self.high = Some(o);
            }
        }
    }
}

/// Buckets of one axis: bucket `i` holds positions `origin + i * 2^shift ..`.
#[derive(Debug)]
struct Buckets {
    axis: Axis,
    origin: Option<i64>,
    shift: u32,
    map: HashMap<i128, Bucket>,
}

impl Buckets {
    fn new(axis: Axis) -> Self {
        Self {
            axis,
            origin: None,
            shift: 0,
            map: HashMap::new(),
        }
    }

    fn index(&self, pos: i64) -> i128 {
        let origin = self.origin.unwrap_or(pos);
        (i128::from(pos) - i128::from(origin)) >> self.shift
    }

    fn push(&mut self, p: MetricPoint) {
        let pos = self.axis.key(&p).0;
        self.origin.get_or_insert(pos);
        let i = self.index(pos);
        let axis = self.axis;
        self.map
            .entry(i)
            .and_modify(|b| b.merge(&Bucket::new(p), axis))
            .or_insert_with(|| Bucket::new(p));
        while self.map.len() > BUCKETS {
            self.widen();
        }
    }

    /// Doubles the bucket width, merging neighbours.
    fn widen(&mut self) {
        self.shift += 1;
        let axis = self.axis;
        let mut wider: HashMap<i128, Bucket> = HashMap::with_capacity(self.map.len() / 2 + 1);
        for (i, b) in self.map.drain() {
            wider
                .entry(i >> 1)
                .and_modify(|w| w.merge(&b, axis))
                .or_insert(b);
        }
        self.map = wider;
    }

    fn points(&self) -> impl Iterator<Item = MetricPoint> + '_ {
        self.map
            .values()
            .flat_map(|b| [Some(b.first), Some(b.last), b.low, b.high])
            .flatten()
    }
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
    fn short_histories_are_exact_and_in_order() {
        let mut s = Sampler::new();
        for i in (0..1000).rev() {
            s.push(p(i, i, i as f64));
        }
        let got = s.finish();
        assert_eq!(got.len(), 1000);
        assert_eq!(got[0].step, 999, "the order read is kept");
    }

    #[test]
    fn long_histories_keep_their_shape_in_bounded_size() {
        let n = 2_000_000i64;
        let mut s = Sampler::new();
        // Logged out of order (two halves swapped), with spikes and NaNs.
        let order = (n / 2..n).chain(0..n / 2);
        for i in order {
            let v = match i {
                777_777 => 1e9,
                1_234_567 => -1e9,
                i if i % 1000 == 0 => f64::NAN,
                i => (i % 100) as f64,
            };
            s.push(p(i, 1_700_000_000_000 + 10 * i, v));
        }
        let got = s.finish();
        assert!(got.len() <= 8 * BUCKETS, "{}", got.len());
        assert!(got.len() > BUCKETS, "{}", got.len());
        assert_eq!(got.first().map(|q| q.step), Some(0));
        assert_eq!(got.last().map(|q| q.step), Some(n - 1));
        assert!(got.iter().any(|q| q.value == 1e9) && got.iter().any(|q| q.value == -1e9));
        assert!(got.windows(2).all(|w| w[0].step <= w[1].step), "sorted");
        // Every stretch of the steps is represented.
        let gap = got.windows(2).map(|w| w[1].step - w[0].step).max();
        assert!(gap.is_some_and(|g| g < n / 4000), "{gap:?}");
    }

    #[test]
    fn one_step_many_times_still_spreads_over_time() {
        // Logged without steps: every point at step 0, times increasing.
        let mut s = Sampler::new();
        for i in 0..500_000i64 {
            s.push(p(0, i, (i % 7) as f64));
        }
        let got = s.finish();
        assert!(
            got.len() > BUCKETS && got.len() <= 8 * BUCKETS,
            "{}",
            got.len()
        );
        assert_eq!(got.first().map(|q| q.timestamp), Some(0));
        assert_eq!(got.last().map(|q| q.timestamp), Some(499_999));
    }

    #[test]
    fn extreme_positions_do_not_overflow() {
        let mut s = Sampler::new();
        for i in 0..(EXACT_LIMIT as i64 + 10) {
            let step = if i % 2 == 0 {
                i64::MIN + i
            } else {
                i64::MAX - i
            };
            s.push(p(step, !step, 1.0));
        }
        let got = s.finish();
        assert!(got.iter().any(|q| q.step == i64::MIN));
        assert!(got.iter().any(|q| q.step == i64::MAX - 1));
    }
}
