//! Min, max and point count of a metric, gathered in parts (rowid slices, new rows since the
//! last refresh, a server's aggregate) and combined as SQL's MIN, MAX and COUNT would be.

use crate::model::MetricSummary;

/// The extremes of one run's metrics, by key.
pub(crate) type RunExtremes = Vec<(crate::model::Text, Extremes)>;

/// Min and max of the non-NaN values of one metric (as stored: ±f64::MAX for ±inf), and how
/// many rows it has.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Extremes {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub count: u64,
}

impl Extremes {
    /// Adds one row: its value, or `None` for NaN (or NULL), which only counts.
    pub fn add(&mut self, value: Option<f64>) {
        self.count += 1;
        if let Some(v) = value {
            self.min = Some(self.min.map_or(v, |m| m.min(v)));
            self.max = Some(self.max.map_or(v, |m| m.max(v)));
        }
    }

    /// Adds another part.
    pub fn combine(&mut self, other: Extremes) {
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.count += other.count;
    }

    /// Combines this part with what `sum` holds from other parts (or from its latest point
    /// only, when `count` is still unknown), as SQL's MIN, MAX and COUNT over all rows would.
    pub fn merge_into(self, sum: &mut MetricSummary) {
        let mut all = match sum.count {
            Some(count) => Extremes {
                min: non_nan(sum.min),
                max: non_nan(sum.max),
                count,
            },
            None => Extremes::default(),
        };
        all.combine(self.unclamped());
        all.set(sum);
    }

    /// Writes these extremes into `sum` (replacing what it had).
    pub fn set(self, sum: &mut MetricSummary) {
        sum.set_extent(self.extent());
    }

    /// The extremes a summary holds, if it knows them.
    pub fn of(sum: &MetricSummary) -> Option<Extremes> {
        Some(Extremes {
            min: non_nan(sum.min),
            max: non_nan(sum.max),
            count: sum.count?,
        })
    }

    /// What a summary takes of these extremes (see [`Extremes::set`]).
    pub fn extent(self) -> crate::model::MetricExtent {
        let u = self.unclamped();
        crate::model::MetricExtent {
            min: u.min.unwrap_or(f64::NAN),
            max: u.max.unwrap_or(f64::NAN),
            count: u.count,
        }
    }

    /// With ±f64::MAX read back as the infinities MLflow stored them for.
    fn unclamped(self) -> Extremes {
        Extremes {
            min: self.min.map(unclamp),
            max: self.max.map(unclamp),
            count: self.count,
        }
    }
}

fn non_nan(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// MLflow's SQL stores clamp ±inf to ±f64::MAX; show them as the infinities they were.
pub(crate) fn unclamp(v: f64) -> f64 {
    if v == f64::MAX {
        f64::INFINITY
    } else if v == -f64::MAX {
        f64::NEG_INFINITY
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MetricPoint;

    #[test]
    fn parts_combine_like_sql_aggregates() {
        let mut a = Extremes::default();
        a.add(Some(3.0));
        a.add(None);
        let mut b = Extremes::default();
        b.add(Some(f64::MAX));
        a.combine(b);
        assert_eq!((a.min, a.max, a.count), (Some(3.0), Some(f64::MAX), 3));
        let mut sum = MetricSummary::from_point(MetricPoint {
            step: 0,
            timestamp: 0,
            value: 1.0,
        });
        sum.count = None;
        a.merge_into(&mut sum);
        assert_eq!((sum.min, sum.max, sum.count), (3.0, f64::INFINITY, Some(3)));
        assert_eq!(Extremes::of(&sum).map(|e| e.count), Some(3));
    }
}
