//! Grouped curves: for a group of runs, the mean of one metric at each step over the
//! group's runs, with a band around it — min to max, or mean ± one (sample) standard
//! deviation. At each step, each run counts with its value at that step (the latest
//! timestamp within the step); NaN and ±inf are left out.

use std::collections::BTreeMap;

use super::{ChartOptions, Series, smooth};
use crate::model::MetricPoint;

/// What the band around the mean shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BandKind {
    /// From the smallest to the largest value of the group's runs.
    #[default]
    MinMax,
    /// Mean ± one sample standard deviation (none where only one run has the step).
    Std,
}

impl BandKind {
    pub fn toggle(self) -> Self {
        match self {
            BandKind::MinMax => BandKind::Std,
            BandKind::Std => BandKind::MinMax,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BandKind::MinMax => "min–max",
            BandKind::Std => "±std",
        }
    }
}

/// One group's curve and band, ready to draw (x = step; y in log10 with a log scale).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub label: String,
    pub runs: usize,
    /// The mean curve (smoothed when smoothing is on), as a series for the line drawing
    /// and the legend.
    pub mean: Series,
    /// Lower and upper edge at the same x as `mean.main()`.
    pub lo: Vec<(f64, f64)>,
    pub hi: Vec<(f64, f64)>,
}

/// The band of a group whose runs' histories are `histories`.
pub fn band(
    label: &str,
    key: &str,
    histories: &[&[MetricPoint]],
    kind: BandKind,
    opts: &ChartOptions,
) -> Band {
    // step -> values of the runs at that step.
    let mut at: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    let mut nonfinite = 0;
    for h in histories {
        let mut last: BTreeMap<i64, MetricPoint> = BTreeMap::new();
        for p in h.iter() {
            match last.get(&p.step) {
                Some(q) if (q.timestamp, q.value) >= (p.timestamp, p.value) => {}
                _ => {
                    last.insert(p.step, *p);
                }
            }
        }
        for (step, p) in last {
            if p.value.is_finite() {
                at.entry(step).or_default().push(p.value);
            } else {
                nonfinite += 1;
            }
        }
    }
    let mut xs = Vec::with_capacity(at.len());
    let (mut mean, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
    for (step, vals) in &at {
        let n = vals.len() as f64;
        let m = vals.iter().sum::<f64>() / n;
        let (l, h) = match kind {
            BandKind::MinMax => (
                vals.iter().copied().fold(f64::INFINITY, f64::min),
                vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            BandKind::Std if vals.len() >= 2 => {
                let sd = (vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt();
                (m - sd, m + sd)
            }
            BandKind::Std => (m, m),
        };
        xs.push(*step as f64);
        mean.push(m);
        lo.push(l);
        hi.push(h);
    }
    let smoothed = |ys: &[f64]| {
        if opts.smoothing > 0.0 {
            smooth::ema_debiased(ys, opts.smoothing)
        } else {
            ys.to_vec()
        }
    };
    let pair = |ys: Vec<f64>| -> Vec<(f64, f64)> { xs.iter().copied().zip(ys).collect() };
    let (mean_s, lo_s, hi_s) = (smoothed(&mean), smoothed(&lo), smoothed(&hi));
    let (raw, main, lo, hi, nonpositive) = if opts.log_y {
        // Points whose mean is not positive are left out; a lower edge ≤ 0 is drawn at
        // the mean's decade below (the band reaches the axis).
        let keep = |i: usize| mean_s[i] > 0.0;
        let log = |v: f64, floor: f64| if v > 0.0 { v.log10() } else { floor };
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
        for i in 0..xs.len() {
            if !keep(i) || mean[i] <= 0.0 {
                out.4 += 1;
                continue;
            }
            let m = mean_s[i].log10();
            out.0.push((xs[i], mean[i].log10()));
            out.1.push((xs[i], m));
            out.2.push((xs[i], log(lo_s[i], m - 1.0)));
            out.3.push((xs[i], log(hi_s[i], m)));
        }
        out
    } else {
        (pair(mean.clone()), pair(mean_s), pair(lo_s), pair(hi_s), 0)
    };
    let smoothed_curve = (opts.smoothing > 0.0).then_some(main);
    Band {
        label: label.to_string(),
        runs: histories.len(),
        mean: Series {
            run_id: label.to_string(),
            key: key.to_string(),
            raw,
            smoothed: smoothed_curve,
            nonfinite,
            nonpositive,
        },
        lo,
        hi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(i64, f64)]) -> Vec<MetricPoint> {
        v.iter()
            .map(|&(step, value)| MetricPoint {
                step,
                timestamp: step * 10,
                value,
            })
            .collect()
    }

    #[test]
    fn mean_and_band_over_runs_at_each_step() {
        let a = pts(&[(0, 1.0), (1, 2.0), (2, 3.0)]);
        let b = pts(&[(0, 3.0), (1, 4.0)]);
        let mut c = pts(&[(0, f64::NAN), (1, 6.0)]);
        // The same step logged again later wins.
        c.push(MetricPoint {
            step: 1,
            timestamp: 99,
            value: 0.0,
        });
        let opts = ChartOptions::default();
        let b1 = band("g", "m", &[&a, &b, &c], BandKind::MinMax, &opts);
        assert_eq!(b1.runs, 3);
        assert_eq!(b1.mean.raw, vec![(0.0, 2.0), (1.0, 2.0), (2.0, 3.0)]);
        assert_eq!(b1.lo, vec![(0.0, 1.0), (1.0, 0.0), (2.0, 3.0)]);
        assert_eq!(b1.hi, vec![(0.0, 3.0), (1.0, 4.0), (2.0, 3.0)]);
        assert_eq!(b1.mean.nonfinite, 1);
        let s = band("g", "m", &[&a, &b], BandKind::Std, &opts);
        let sd = 2f64.sqrt();
        assert_eq!(s.lo[0], (0.0, 2.0 - sd));
        assert_eq!(s.hi[2], (2.0, 3.0), "one run: no spread");
    }

    #[test]
    fn log_scale_and_smoothing() {
        let a = pts(&[(0, 10.0), (1, 100.0), (2, -1.0)]);
        let opts = ChartOptions {
            log_y: true,
            ..ChartOptions::default()
        };
        let b = band("g", "m", &[&a], BandKind::MinMax, &opts);
        assert_eq!(b.mean.raw, vec![(0.0, 1.0), (1.0, 2.0)]);
        assert_eq!(b.mean.nonpositive, 1);
        let opts = ChartOptions {
            smoothing: 0.5,
            ..ChartOptions::default()
        };
        let b = band("g", "m", &[&a], BandKind::MinMax, &opts);
        assert!(b.mean.smoothed.is_some());
        assert_eq!(b.lo.len(), 3);
    }
}
