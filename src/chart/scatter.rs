//! Scatter data: one point per run at (x column, y column) — params, metrics or any metric
//! aggregate — optionally coloured by a third column; categorical axes spread a category's
//! runs across its place. Shared by the terminal scatter screen and `plot --kind scatter`.

use super::axis::{self, Axis, AxisValue, LogScale};
use crate::index::column::Column;
use crate::model::Run;

/// One run's point. Positions are 0..=1 along each axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Index of the run (into the run list the scatter was built from).
    pub run: usize,
    pub x: f64,
    pub y: f64,
    /// Position on the colour axis (0..=1), when colouring and the run has a value.
    pub color: Option<f64>,
    /// The category index on a categorical colour axis.
    pub category: Option<usize>,
}

/// What a scatter shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    pub x: Axis,
    pub y: Axis,
    pub color: Option<Axis>,
    /// Points sorted by x, then y.
    pub points: Vec<Point>,
    /// Runs left out for lack of an x or y value.
    pub missing: usize,
}

/// Options of a scatter.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScatterOptions {
    pub log_x: LogScale,
    pub log_y: LogScale,
}

/// The scatter of `rows` (indices into `runs`); `None` when no run has both values.
pub fn scatter(
    runs: &[Run],
    rows: &[usize],
    x: &Column,
    y: &Column,
    color: Option<&Column>,
    opts: ScatterOptions,
    now_ms: i64,
) -> Option<Scatter> {
    let xs = axis::values(runs, rows, x, now_ms);
    let ys = axis::values(runs, rows, y, now_ms);
    let both: Vec<bool> = xs
        .iter()
        .zip(&ys)
        .map(|(a, b)| a.is_some() && b.is_some())
        .collect();
    let keep = |vals: &[Option<AxisValue>]| -> Vec<Option<AxisValue>> {
        vals.iter()
            .zip(&both)
            .map(|(v, b)| if *b { v.clone() } else { None })
            .collect()
    };
    let x_axis = Axis::fit(x, &keep(&xs), opts.log_x)?;
    let y_axis = Axis::fit(y, &keep(&ys), opts.log_y)?;
    let cs = color.map(|c| axis::values(runs, rows, c, now_ms));
    let c_axis = match (color, &cs) {
        (Some(c), Some(vals)) => Axis::fit(c, &keep(vals), LogScale::Auto),
        _ => None,
    };
    let mut points = Vec::new();
    let mut missing = 0;
    for (i, &r) in rows.iter().enumerate() {
        let (Some(xv), Some(yv)) = (&xs[i], &ys[i]) else {
            missing += 1;
            continue;
        };
        let (Some(mut px), Some(mut py)) = (x_axis.pos(xv), y_axis.pos(yv)) else {
            missing += 1;
            continue;
        };
        let j = axis::jitter(&runs[r].run_id);
        px += j * 0.6 * x_axis.half_band();
        py += axis::jitter_salted(&runs[r].run_id, 1) * 0.6 * y_axis.half_band();
        let cv = cs.as_ref().and_then(|c| c[i].as_ref());
        let (color, category) = match (&c_axis, cv) {
            (Some(a), Some(v)) => {
                let p = a.pos(v);
                let cat = a.categories().and_then(|cats| {
                    p.map(|p| ((p * cats.len() as f64) as usize).min(cats.len() - 1))
                });
                (p, cat)
            }
            _ => (None, None),
        };
        points.push(Point {
            run: r,
            x: px,
            y: py,
            color,
            category,
        });
    }
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    Some(Scatter {
        x: x_axis,
        y: y_axis,
        color: c_axis,
        points,
        missing,
    })
}

/// A direction to move the cursor in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Left,
    Right,
    Up,
    Down,
}

impl Scatter {
    /// The point to move to from point `from` in `dir`: the nearest one that lies more in
    /// that direction than across it (distance with the sideways part counted double);
    /// `None` at the edge.
    pub fn step(&self, from: usize, dir: Dir) -> Option<usize> {
        let p = self.points.get(from)?;
        let mut best: Option<(f64, usize)> = None;
        for (i, q) in self.points.iter().enumerate() {
            if i == from {
                continue;
            }
            let (dx, dy) = (q.x - p.x, q.y - p.y);
            let (along, across) = match dir {
                Dir::Right => (dx, dy),
                Dir::Left => (-dx, dy),
                Dir::Up => (dy, dx),
                Dir::Down => (-dy, dx),
            };
            if along <= 0.0 {
                continue;
            }
            let d = along.abs() + 2.0 * across.abs();
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The point nearest to a position (both 0..=1).
    pub fn nearest(&self, x: f64, y: f64) -> Option<usize> {
        self.points
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                let da = (a.x - x).powi(2) + (a.y - y).powi(2);
                let db = (b.x - x).powi(2) + (b.y - y).powi(2);
                da.total_cmp(&db)
            })
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    fn runs() -> Vec<Run> {
        vec![
            run_with("a", 1, &[("acc", 0.9)], &[("lr", "0.1"), ("opt", "adam")]),
            run_with("b", 2, &[("acc", 0.5)], &[("lr", "0.001"), ("opt", "sgd")]),
            run_with("c", 3, &[("acc", 0.7)], &[("lr", "0.01"), ("opt", "adam")]),
            run_with("d", 4, &[], &[("lr", "0.01")]),
        ]
    }

    #[test]
    fn points_per_run_with_log_and_categories() {
        let runs = runs();
        let rows: Vec<usize> = (0..runs.len()).collect();
        let s = scatter(
            &runs,
            &rows,
            &Column::Param("lr".into()),
            &Column::Metric("acc".into()),
            Some(&Column::Param("opt".into())),
            ScatterOptions::default(),
            0,
        )
        .expect("scatter");
        assert!(s.x.is_log(), "0.001..0.1 spans two decades");
        assert_eq!(s.missing, 1);
        let order: Vec<usize> = s.points.iter().map(|p| p.run).collect();
        assert_eq!(order, [1, 2, 0]);
        assert_eq!((s.points[0].x, s.points[0].y), (0.0, 0.0));
        assert_eq!((s.points[2].x, s.points[2].y), (1.0, 1.0));
        assert_eq!(s.points[0].category, Some(1), "sgd");
        assert_eq!(s.points[2].category, Some(0), "adam");
        // Moving right goes along x; nothing beyond the last point.
        assert_eq!(s.step(0, Dir::Right), Some(1));
        assert_eq!(s.step(2, Dir::Right), None);
        assert_eq!(s.step(2, Dir::Down), Some(1));
        assert_eq!(s.nearest(0.9, 0.9), Some(2));
    }

    #[test]
    fn categorical_x_spreads_runs_within_their_place() {
        let runs = runs();
        let rows: Vec<usize> = (0..runs.len()).collect();
        let s = scatter(
            &runs,
            &rows,
            &Column::Param("opt".into()),
            &Column::Metric("acc".into()),
            None,
            ScatterOptions::default(),
            0,
        )
        .expect("scatter");
        assert_eq!(s.x.categories().map(|c| c.len()), Some(2));
        for p in &s.points {
            let centre = if runs[p.run].params["opt"] == "adam" {
                0.25
            } else {
                0.75
            };
            assert!((p.x - centre).abs() <= 0.15 + 1e-12, "{p:?}");
        }
    }
}
