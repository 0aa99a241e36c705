//! Sweep chart images with plotters: scatter, parallel coordinates and grouped curves with
//! bands — the same data ([`super::scatter`], [`super::parallel`], [`super::bands`]) as
//! the terminal screens.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, Ranged, ValueFormatter};
use plotters::prelude::*;

use super::axis::Axis;
use super::bands::{Band, BandKind};
use super::parallel::Parallel;
use super::plot::{Drawing, color};
use super::scatter::Scatter;
use super::{ChartOptions, Series, bounds, colors, x_label, y_label};

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

/// A 0..=1 axis whose ticks are an [`Axis`]'s labelled positions.
#[derive(Clone)]
struct Unit {
    ticks: Vec<(f64, String)>,
}

impl Ranged for Unit {
    type FormatOption = plotters::coord::ranged1d::NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        limit.0 + (value * span).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.iter().map(|t| t.0).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        -0.04..1.04
    }
}

impl ValueFormatter<f64> for Unit {
    fn format_ext(&self, value: &f64) -> String {
        self.ticks
            .iter()
            .find(|t| (t.0 - value).abs() < 1e-9)
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

/// A scatter image: one dot per run, coloured by the colour column.
pub struct ScatterPlot {
    pub title: String,
    pub scatter: Scatter,
}

impl Drawing for ScatterPlot {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(&self.title, ("sans-serif", 22))?;
        let s = &self.scatter;
        let (plot_area, legend_area) = root.split_horizontally(root.dim_in_pixel().0 as i32 - 170);
        let x = Unit {
            ticks: s.x.ticks(8),
        };
        let y = Unit {
            ticks: s.y.ticks(8),
        };
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(s.x.title())
            .y_desc(s.y.title())
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let fill = |p: &super::scatter::Point| match (&s.color, p.category, p.color) {
            (Some(a), Some(c), _) if a.categories().is_some() => rgb(colors::category(c)),
            (Some(_), _, Some(t)) => rgb(colors::scale(t)),
            (Some(_), _, None) => RGBColor(190, 190, 190),
            (None, _, _) => color(0),
        };
        chart.draw_series(
            s.points
                .iter()
                .map(|p| Circle::new((p.x, p.y), 4, fill(p).filled())),
        )?;
        if let Some(a) = &s.color {
            color_legend(&legend_area, a, None)?;
        }
        Ok(())
    }
}

/// The colour key: categories with their colours, or the scale from low to high.
fn color_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    axis: &Axis,
    best_high: Option<bool>,
) -> DrawResult<DB> {
    let style = ("sans-serif", 12).into_font();
    area.draw(&Text::new(axis.title(), (4, 20), style.clone()))?;
    match axis.categories() {
        Some(cats) => {
            for (i, c) in cats.iter().enumerate().take(20) {
                let y = 44 + 18 * i as i32;
                area.draw(&Circle::new((12, y), 5, rgb(colors::category(i)).filled()))?;
                area.draw(&Text::new(
                    crate::text::truncate(&crate::text::sanitize(c), 20).into_owned(),
                    (24, y - 7),
                    style.clone(),
                ))?;
            }
        }
        None => {
            let ticks = axis.ticks(2);
            let (lo, hi) = (&ticks[0].1, &ticks[ticks.len() - 1].1);
            // Top of the bar is the scale's bright end.
            let flip = best_high == Some(false);
            let (top, bottom) = if flip { (lo, hi) } else { (hi, lo) };
            for i in 0..200 {
                let t = 1.0 - i as f64 / 199.0;
                area.draw(&Rectangle::new(
                    [(10, 44 + i), (30, 45 + i)],
                    rgb(colors::scale(t)).filled(),
                ))?;
            }
            area.draw(&Text::new(top.clone(), (36, 40), style.clone()))?;
            area.draw(&Text::new(bottom.clone(), (36, 236), style.clone()))?;
            if let Some(high) = best_high {
                let note = if high {
                    "higher is better"
                } else {
                    "lower is better"
                };
                area.draw(&Text::new(note, (4, 262), style))?;
            }
        }
    }
    Ok(())
}

/// A parallel-coordinates image.
pub struct ParallelPlot {
    pub title: String,
    pub parallel: Parallel,
}

impl Drawing for ParallelPlot {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(&self.title, ("sans-serif", 22))?;
        let p = &self.parallel;
        let (plot_area, legend_area) = root.split_horizontally(root.dim_in_pixel().0 as i32 - 170);
        let n = p.axes.len().max(2);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(30)
            .margin_left(60)
            .margin_bottom(50)
            .build_cartesian_2d(-0.05f64..(n - 1) as f64 + 0.05, -0.02f64..1.02)?;
        for line in &p.lines {
            let c = match line.color {
                Some(t) => rgb(colors::scale(t)).mix(0.35 + 0.6 * t),
                None => RGBColor(170, 170, 170).mix(0.4),
            };
            // A missing value breaks the line.
            let mut seg: Vec<(f64, f64)> = Vec::new();
            for (i, y) in line.ys.iter().enumerate() {
                match y {
                    Some(y) => seg.push((i as f64, *y)),
                    None => {
                        if seg.len() > 1 {
                            chart.draw_series(LineSeries::new(seg.clone(), c.stroke_width(2)))?;
                        }
                        seg.clear();
                    }
                }
            }
            if seg.len() > 1 {
                chart.draw_series(LineSeries::new(seg, c.stroke_width(2)))?;
            }
        }
        let label = ("sans-serif", 12).into_font();
        for (i, a) in p.axes.iter().enumerate() {
            let x = i as f64;
            chart.draw_series(LineSeries::new(
                vec![(x, 0.0), (x, 1.0)],
                BLACK.stroke_width(1),
            ))?;
            for (pos, text) in a.ticks(6) {
                chart.draw_series(std::iter::once(Text::new(
                    format!("- {text}"),
                    (x, pos),
                    label.clone(),
                )))?;
            }
            chart.draw_series(std::iter::once(Text::new(
                crate::text::truncate(&a.title(), 28).into_owned(),
                (x - 0.04, -0.06),
                ("sans-serif", 13).into_font(),
            )))?;
        }
        if let Some((a, g)) = &p.color {
            color_legend(
                &legend_area,
                a,
                Some(*g == crate::index::importance::Goal::Max),
            )?;
        }
        Ok(())
    }
}

/// Grouped curves: one panel per metric, one mean line per group with its band.
pub struct BandsPlot {
    pub title: String,
    /// `(metric key, bands)` per panel.
    pub panels: Vec<(String, Vec<Band>)>,
    pub kind: BandKind,
    pub opts: ChartOptions,
}

impl Drawing for BandsPlot {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(&self.title, ("sans-serif", 22))?;
        let n = self.panels.len().max(1);
        let cols = if n == 1 { 1 } else { 2 };
        let areas = root.split_evenly((n.div_ceil(cols), cols));
        for ((key, bands), area) in self.panels.iter().zip(areas) {
            // Bounds over the means and both edges.
            let edges: Vec<Series> = bands
                .iter()
                .flat_map(|b| {
                    [&b.lo, &b.hi].map(|e| Series {
                        run_id: String::new(),
                        key: String::new(),
                        raw: e.clone(),
                        smoothed: None,
                        nonfinite: 0,
                        nonpositive: 0,
                    })
                })
                .collect();
            let refs: Vec<&Series> = bands.iter().map(|b| &b.mean).chain(edges.iter()).collect();
            let Some(b) = bounds(&refs, &self.opts, None) else {
                continue;
            };
            let span = b.x.1 - b.x.0;
            let mut chart = ChartBuilder::on(&area)
                .caption(
                    format!("{key} · mean with {} band", self.kind.label()),
                    ("sans-serif", 16),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(b.x.0..b.x.1, b.y.0..b.y.1)?;
            chart
                .configure_mesh()
                .x_desc("step")
                .y_desc(if self.opts.log_y {
                    "value (log scale)"
                } else {
                    "value"
                })
                .x_label_formatter(&|x| x_label(super::XMode::Step, *x, span, &Default::default()))
                .y_label_formatter(&|y| y_label(self.opts.log_y, *y))
                .label_style(("sans-serif", 12))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()?;
            for (i, band) in bands.iter().enumerate() {
                let c = color(i);
                let mut outline: Vec<(f64, f64)> = band.hi.clone();
                outline.extend(band.lo.iter().rev().copied());
                if outline.len() > 2 {
                    chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18))))?;
                }
                let label = format!("{} ({} runs)", band.label, band.runs);
                chart
                    .draw_series(LineSeries::new(
                        band.mean.main().to_vec(),
                        c.stroke_width(2),
                    ))?
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font(("sans-serif", 12))
                .draw()?;
        }
        Ok(())
    }
}
