//! Parallel-coordinates data: one vertical axis per chosen column (numeric axes scaled,
//! log for values spanning decades, categorical axes spaced with labels) and one polyline
//! per run, coloured by a target column on a sequential scale whose bright end is the
//! better end (high accuracy, low loss), drawn so that the best runs lie on top.

use super::axis::{self, Axis, LogScale};
use crate::index::column::Column;
use crate::index::importance::Goal;
use crate::model::Run;

/// One run's polyline: its position on each axis (0..=1; `None` where it has no value).
#[derive(Debug, Clone, PartialEq)]
pub struct Polyline {
    pub run: usize,
    pub ys: Vec<Option<f64>>,
    /// 0..=1 on the colour scale, 1 being the best; `None` without a target value.
    pub color: Option<f64>,
}

/// What a parallel-coordinates chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    /// Axes in the order asked; columns no run has a value for are left out.
    pub axes: Vec<Axis>,
    /// The colour column's axis and whether larger values are better.
    pub color: Option<(Axis, Goal)>,
    /// Lines in drawing order: without a colour first, then worst to best.
    pub lines: Vec<Polyline>,
}

/// The chart of `rows` over `columns`, coloured by `color` (default: the last metric
/// column) with its goal guessed from its name unless given.
pub fn parallel(
    runs: &[Run],
    rows: &[usize],
    columns: &[Column],
    color: Option<&Column>,
    goal: Option<Goal>,
    now_ms: i64,
) -> Parallel {
    let axes: Vec<(Column, LogScale)> = columns
        .iter()
        .map(|c| (c.clone(), LogScale::Auto))
        .collect();
    parallel_with(runs, rows, &axes, color, goal, now_ms)
}

/// [`parallel`] with a log-scale choice per axis.
pub fn parallel_with(
    runs: &[Run],
    rows: &[usize],
    columns: &[(Column, LogScale)],
    color: Option<&Column>,
    goal: Option<Goal>,
    now_ms: i64,
) -> Parallel {
    let mut axes = Vec::new();
    let mut vals = Vec::new();
    for (c, log) in columns {
        let v = axis::values(runs, rows, c, now_ms);
        if let Some(a) = Axis::fit(c, &v, *log) {
            axes.push(a);
            vals.push(v);
        }
    }
    let color_col = color.cloned().or_else(|| {
        columns
            .iter()
            .rev()
            .find(|(c, _)| c.metric_parts().is_some())
            .map(|(c, _)| c)
            .cloned()
    });
    let color = color_col.and_then(|c| {
        let v = axis::values(runs, rows, &c, now_ms);
        let a = Axis::fit(&c, &v, LogScale::Auto)?;
        let g = goal.unwrap_or_else(|| Goal::guess(&c));
        Some((a, g, v))
    });
    let mut lines: Vec<Polyline> = rows
        .iter()
        .enumerate()
        .map(|(i, &r)| Polyline {
            run: r,
            ys: axes
                .iter()
                .zip(&vals)
                .map(|(a, v)| v[i].as_ref().and_then(|x| a.pos(x)))
                .collect(),
            color: color.as_ref().and_then(|(a, g, v)| {
                let p = a.pos(v[i].as_ref()?)?;
                Some(match g {
                    Goal::Max => p,
                    Goal::Min => 1.0 - p,
                })
            }),
        })
        .filter(|l| l.ys.iter().any(Option::is_some))
        .collect();
    lines.sort_by(|a, b| match (a.color, b.color) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.total_cmp(&y),
    });
    Parallel {
        axes,
        color: color.map(|(a, g, _)| (a, g)),
        lines,
    }
}

impl Parallel {
    /// The position of a run's line in [`Parallel::lines`].
    pub fn line_of(&self, run: usize) -> Option<usize> {
        self.lines.iter().position(|l| l.run == run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    #[test]
    fn lines_per_run_best_on_top() {
        let runs = vec![
            run_with("a", 1, &[("loss", 0.2)], &[("lr", "0.1"), ("opt", "adam")]),
            run_with("b", 2, &[("loss", 0.9)], &[("lr", "0.001"), ("opt", "sgd")]),
            run_with("c", 3, &[("loss", 0.5)], &[("lr", "0.01")]),
            run_with("d", 4, &[], &[("bs", "4")]),
        ];
        let rows: Vec<usize> = (0..runs.len()).collect();
        let cols = [
            Column::Param("lr".into()),
            Column::Param("opt".into()),
            Column::Param("nothing".into()),
            Column::Metric("loss".into()),
        ];
        let p = parallel(&runs, &rows, &cols, None, None, 0);
        assert_eq!(p.axes.len(), 3, "a column without values has no axis");
        assert!(p.axes[0].is_log());
        assert_eq!(p.axes[1].categories().map(<[String]>::len), Some(2));
        let (a, g) = p.color.as_ref().expect("coloured by the loss");
        assert_eq!((a.column.name().as_ref(), *g), ("metrics.loss", Goal::Min));
        let order: Vec<&str> = p
            .lines
            .iter()
            .map(|l| runs[l.run].run_id.as_str())
            .collect();
        assert_eq!(
            order,
            ["b", "c", "a"],
            "lowest loss drawn last; d has no value"
        );
        assert_eq!(p.lines[2].color, Some(1.0));
        assert_eq!(p.lines[1].ys[1], None, "c has no optimizer");
        assert_eq!(p.line_of(0), Some(2));
    }
}
