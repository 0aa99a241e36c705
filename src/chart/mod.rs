//! Metric curves as drawable series, shared by the terminal chart and image export:
//! x-axis modes, log scale, debiased EMA smoothing, outlier clipping, downsampling and
//! unambiguous legend labels. Pure computation: no terminal or image code here except
//! in `plot` (plotters).

pub mod axis;
pub mod bands;
pub mod colors;
pub mod downsample;
pub mod labels;
pub mod parallel;
pub mod plot;
pub mod plot_sweep;
pub mod scatter;
pub mod smooth;
pub mod stats;
pub mod ticks;

use crate::model::MetricPoint;

/// What the x axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum XMode {
    /// The logged step.
    #[default]
    Step,
    /// Wall-clock time (epoch milliseconds).
    Time,
    /// Seconds since the run's first point.
    Relative,
}

impl XMode {
    pub fn next(self) -> Self {
        match self {
            XMode::Step => XMode::Time,
            XMode::Time => XMode::Relative,
            XMode::Relative => XMode::Step,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            XMode::Step => "step",
            XMode::Time => "wall time",
            XMode::Relative => "relative time",
        }
    }
}

/// How series are prepared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartOptions {
    pub x_mode: XMode,
    pub log_y: bool,
    /// EMA weight in [0, 1); 0 is off.
    pub smoothing: f64,
    /// Y range from the 5th to 95th percentile (MLflow's "ignore outliers").
    pub clip_outliers: bool,
}

impl Default for ChartOptions {
    fn default() -> Self {
        Self {
            x_mode: XMode::Step,
            log_y: false,
            smoothing: 0.0,
            clip_outliers: false,
        }
    }
}

/// One run's curve of one metric, ready to draw. Points are sorted by x; y is log10 of the
/// value when the log scale is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub run_id: String,
    pub key: String,
    pub raw: Vec<(f64, f64)>,
    /// The smoothed curve (same x), when smoothing is on.
    pub smoothed: Option<Vec<(f64, f64)>>,
    /// NaN and ±inf points, which are not drawn.
    pub nonfinite: usize,
    /// Points ≤ 0 hidden by the log scale.
    pub nonpositive: usize,
}

impl Series {
    /// The curve to read values from: smoothed when on, else raw.
    pub fn main(&self) -> &[(f64, f64)] {
        self.smoothed.as_deref().unwrap_or(&self.raw)
    }

    /// The point at or just before `x` on the main curve.
    pub fn value_at(&self, x: f64) -> Option<(f64, f64)> {
        let pts = self.main();
        let i = pts.partition_point(|p| p.0 <= x);
        if i == 0 { None } else { Some(pts[i - 1]) }
    }
}

/// The x of a point in `mode`; `t0` is the run's first timestamp (for relative time).
pub fn x_of(mode: XMode, p: &MetricPoint, t0: i64) -> f64 {
    match mode {
        XMode::Step => p.step as f64,
        XMode::Time => p.timestamp as f64,
        XMode::Relative => (p.timestamp - t0) as f64 / 1000.0,
    }
}

/// Turns a run's metric history into a series.
pub fn prepare(run_id: &str, key: &str, points: &[MetricPoint], opts: &ChartOptions) -> Series {
    let mut pts: Vec<MetricPoint> = points.to_vec();
    match opts.x_mode {
        XMode::Step => pts.sort_by_key(|p| (p.step, p.timestamp)),
        XMode::Time | XMode::Relative => pts.sort_by_key(|p| (p.timestamp, p.step)),
    }
    let t0 = pts.iter().map(|p| p.timestamp).min().unwrap_or(0);
    let finite: Vec<(f64, f64)> = pts
        .iter()
        .filter(|p| p.value.is_finite())
        .map(|p| (x_of(opts.x_mode, p, t0), p.value))
        .collect();
    let nonfinite = pts.len() - finite.len();
    let smoothed = (opts.smoothing > 0.0).then(|| {
        let ys: Vec<f64> = finite.iter().map(|p| p.1).collect();
        let s = smooth::ema_debiased(&ys, opts.smoothing);
        finite
            .iter()
            .zip(s)
            .map(|(p, y)| (p.0, y))
            .collect::<Vec<_>>()
    });
    let (raw, nonpositive) = if opts.log_y {
        to_log(&finite)
    } else {
        (finite, 0)
    };
    let smoothed = smoothed.map(|s| if opts.log_y { to_log(&s).0 } else { s });
    Series {
        run_id: run_id.to_string(),
        key: key.to_string(),
        raw,
        smoothed,
        nonfinite,
        nonpositive,
    }
}

fn to_log(points: &[(f64, f64)]) -> (Vec<(f64, f64)>, usize) {
    let kept: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.1 > 0.0)
        .map(|p| (p.0, p.1.log10()))
        .collect();
    let hidden = points.len() - kept.len();
    (kept, hidden)
}

/// Axis bounds of a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub x: (f64, f64),
    pub y: (f64, f64),
}

/// The full x extent of some series.
pub fn x_extent(series: &[&Series]) -> Option<(f64, f64)> {
    let xs = series
        .iter()
        .flat_map(|s| [s.raw.first(), s.raw.last()])
        .flatten()
        .map(|p| p.0);
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    (lo <= hi).then_some((lo, hi))
}

/// Bounds for drawing: x over `x_range` (or everything), y over the points in that range,
/// 5th–95th percentile when clipping outliers, padded a little.
pub fn bounds(
    series: &[&Series],
    opts: &ChartOptions,
    x_range: Option<(f64, f64)>,
) -> Option<Bounds> {
    let (x_lo, x_hi) = x_range.or_else(|| x_extent(series))?;
    let windows = series
        .iter()
        .flat_map(|s| [Some(&s.raw[..]), s.smoothed.as_deref()])
        .flatten()
        .map(|curve| {
            let a = curve.partition_point(|p| p.0 < x_lo);
            let b = curve.partition_point(|p| p.0 <= x_hi);
            &curve[a..b]
        });
    let (mut y_lo, mut y_hi) = if opts.clip_outliers {
        // Percentiles need the values; only collected when asked for.
        let mut ys: Vec<f64> = windows.flat_map(|w| w.iter().map(|p| p.1)).collect();
        if ys.is_empty() {
            return None;
        }
        ys.sort_unstable_by(f64::total_cmp);
        (
            stats::percentile_sorted(&ys, 5.0),
            stats::percentile_sorted(&ys, 95.0),
        )
    } else {
        let (lo, hi) = windows
            .flat_map(|w| w.iter())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.1), hi.max(p.1))
            });
        if lo > hi {
            return None;
        }
        (lo, hi)
    };
    // Non-negative data (losses, accuracies, rates) is not padded below zero.
    let floor = if !opts.log_y && y_lo >= 0.0 {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    if y_hi - y_lo < f64::EPSILON * y_hi.abs().max(1.0) {
        let pad = if y_lo == 0.0 { 1.0 } else { y_lo.abs() * 0.05 };
        y_lo = (y_lo - pad).max(floor);
        y_hi += pad;
    } else {
        let pad = (y_hi - y_lo) * 0.05;
        y_lo = (y_lo - pad).max(floor);
        y_hi += pad;
    }
    let (x_lo, x_hi) = if x_hi > x_lo {
        (x_lo, x_hi)
    } else {
        (x_lo - 0.5, x_hi + 0.5)
    };
    Some(Bounds {
        x: (x_lo, x_hi),
        y: (y_lo, y_hi),
    })
}

/// Axis tick text for an x value in `mode`; wall times in `time`'s zone.
pub fn x_label(mode: XMode, x: f64, span: f64, time: &crate::timefmt::TimeFormat) -> String {
    match mode {
        XMode::Step => crate::text::float_short(x.round()),
        XMode::Time => {
            if span > 2.0 * 86_400_000.0 {
                time.month_day(x as i64)
            } else {
                time.hour_minute(x as i64)
            }
        }
        XMode::Relative => {
            if span >= 2.0 * 3600.0 {
                format!("{:.1}h", x / 3600.0)
            } else if span >= 120.0 {
                format!("{:.0}m", x / 60.0)
            } else {
                format!("{:.0}s", x)
            }
        }
    }
}

/// Axis tick text for a y value (undoing the log transform).
pub fn y_label(log_y: bool, y: f64) -> String {
    if log_y {
        crate::text::float_short(10f64.powf(y))
    } else {
        crate::text::float_short(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(i64, i64, f64)]) -> Vec<MetricPoint> {
        v.iter()
            .map(|&(step, timestamp, value)| MetricPoint {
                step,
                timestamp,
                value,
            })
            .collect()
    }

    #[test]
    fn non_finite_points_are_skipped_and_counted() {
        let p = pts(&[
            (2, 3, 0.5),
            (0, 1, f64::NAN),
            (1, 2, f64::INFINITY),
            (3, 4, 0.25),
        ]);
        let s = prepare("r", "loss", &p, &ChartOptions::default());
        assert_eq!(s.raw, vec![(2.0, 0.5), (3.0, 0.25)]);
        assert_eq!(s.nonfinite, 2);
    }

    #[test]
    fn log_scale_hides_non_positive_values_honestly() {
        let p = pts(&[(0, 0, 100.0), (1, 1, 0.0), (2, 2, -3.0), (3, 3, 0.01)]);
        let opts = ChartOptions {
            log_y: true,
            ..ChartOptions::default()
        };
        let s = prepare("r", "loss", &p, &opts);
        assert_eq!(s.raw, vec![(0.0, 2.0), (3.0, -2.0)]);
        assert_eq!(s.nonpositive, 2);
        assert_eq!(y_label(true, 2.0), "100");
    }

    #[test]
    fn x_modes() {
        let p = pts(&[(10, 5_000, 1.0), (20, 65_000, 2.0)]);
        let rel = prepare(
            "r",
            "m",
            &p,
            &ChartOptions {
                x_mode: XMode::Relative,
                ..ChartOptions::default()
            },
        );
        assert_eq!(rel.raw, vec![(0.0, 1.0), (60.0, 2.0)]);
        let wall = prepare(
            "r",
            "m",
            &p,
            &ChartOptions {
                x_mode: XMode::Time,
                ..ChartOptions::default()
            },
        );
        assert_eq!(wall.raw[1].0, 65_000.0);
        assert_eq!(
            x_label(XMode::Relative, 60.0, 60.0, &Default::default()),
            "60s"
        );
        assert_eq!(
            x_label(XMode::Relative, 7200.0, 7200.0, &Default::default()),
            "2.0h"
        );
    }

    #[test]
    fn bounds_clip_outliers_to_percentiles() {
        let mut v: Vec<(i64, i64, f64)> = (0..100).map(|i| (i, i, i as f64)).collect();
        v.push((100, 100, 1e9));
        let s = prepare("r", "m", &pts(&v), &ChartOptions::default());
        let opts = ChartOptions {
            clip_outliers: true,
            ..ChartOptions::default()
        };
        let b = bounds(&[&s], &opts, None).expect("bounds");
        assert!(b.y.1 < 200.0, "the spike is clipped: {b:?}");
        let b = bounds(&[&s], &ChartOptions::default(), None).expect("bounds");
        assert!(b.y.1 > 1e9);
        assert_eq!(b.y.0, 0.0, "non-negative data is not padded below zero");
        let zoomed = bounds(&[&s], &ChartOptions::default(), Some((10.0, 20.0))).expect("b");
        assert!(zoomed.y.0 > 9.0 && zoomed.y.1 < 21.0, "{zoomed:?}");
    }

    #[test]
    fn value_at_reads_the_point_at_or_before_x() {
        let s = prepare(
            "r",
            "m",
            &pts(&[(0, 0, 1.0), (10, 1, 2.0)]),
            &ChartOptions::default(),
        );
        assert_eq!(s.value_at(5.0), Some((0.0, 1.0)));
        assert_eq!(s.value_at(10.0), Some((10.0, 2.0)));
        assert_eq!(s.value_at(-1.0), None);
    }
}
